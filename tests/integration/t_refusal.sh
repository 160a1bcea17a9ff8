#!/bin/bash
# shellcheck disable=SC2016 # jq filters and in-container scripts are single-quoted on purpose
# Enforce mode refuses what the profile does not allow, with one line per
# reason, and leaves config.json alone; complain mode runs the same spec and
# reports the same findings on stderr and as events.
. "$(dirname "$0")/lib.sh"

# A profile with no user and allowRoot false: a root spec cannot be remapped,
# so enforce must refuse it.
noroot_profile() { sk_default_profile noroot 'del(.user) | .allowRoot=false'; }

ROOT_SCRIPT='echo CONTAINER-RAN; probe status'
root_spec='.process.user={uid: 0, gid: 0} | .process.args=$a'

# The refusal's shape: first line, then only reason lines.
assert_refusal_shape() { # ERR-FILE ID
  local first
  first=$(head -n 1 "$1")
  case $first in
    "stockade: refusing container \"$2\""*) ;;
    *) sk_fail "first line of the refusal: got \"$first\", expected 'stockade: refusing container \"$2\" ...'" ;;
  esac
  # No `| grep -q` under pipefail: its early exit can fail the pipeline.
  if [ -n "$(tail -n +2 "$1" | grep -Ev '^stockade:   SK-[A-Z-]+: .+; fix: .+')" ]; then
    sk_fail "refusal lines after the first must all be 'stockade:   SK-<RULE>: <what>; fix: <how>': $(tail -n +2 "$1" | grep -Ev '^stockade:   SK-[A-Z-]+: .+; fix: .+' | head -n 1)"
  fi
}

assert_reason() { # ERR-FILE RULE
  sk_assert_grep "$1" "^stockade:   $2: .+; fix: .+" "refusal reason $2"
}

t_refuse_root() {
  local b
  sk_config
  noroot_profile
  b=$(sk_bundle b "$root_spec" --argjson a "$(sk_args_sh "$ROOT_SCRIPT")") || sk_fail "bundle"
  cp "$b/config.json" "$CASE/orig.json"
  sk_new_id root
  STEP=run
  sk_run run sk_sk run --bundle "$b" "$SK_ID"
  sk_assert_rc 1 "stockade run of a root spec under a profile without a user"
  assert_refusal_shape "$CASE/run.err" "$SK_ID"
  assert_reason "$CASE/run.err" SK-USER-ROOT
  sk_assert_no_grep "$CASE/run.out" CONTAINER-RAN "the refused container must not run"
  sk_assert_same "$b/config.json" "$CASE/orig.json" "config.json after a refusal"
  sk_assert_eq "$(sk_state_status "$SK_ID")" absent "runtime state of the refused container"
  sk_assert_no_placeholders "$CASE/$STEP.err" "refusal"
}

# Several reasons at once, through create (containerd's path): every one is
# named on its own line.
t_refuse_privileged() {
  local b
  sk_config
  b=$(sk_bundle b '.process.args=["sh", "-c", "echo CONTAINER-RAN"]
      | .process.capabilities.bounding += ["CAP_SYS_ADMIN"]
      | .process.capabilities.effective += ["CAP_SYS_ADMIN"]
      | .process.capabilities.permitted += ["CAP_SYS_ADMIN"]
      | .linux.namespaces |= map(select(.type != "pid" and .type != "ipc" and .type != "network"))
      | .mounts += [{destination: "/host", type: "bind", source: "/", options: ["rbind", "ro"]},
                    {destination: "/var/run/docker.sock", type: "bind", source: "/var/run/docker.sock", options: ["bind"]}]
      | .linux.resources.devices = [{allow: true, access: "rwm"}]') || sk_fail "bundle"
  cp "$b/config.json" "$CASE/orig.json"
  sk_new_id priv
  STEP=create
  sk_run create sk_sk create --bundle "$b" "$SK_ID"
  sk_assert_rc 1 "stockade create of a privileged-like spec"
  assert_refusal_shape "$CASE/create.err" "$SK_ID"
  for rule in SK-CAP-DANGEROUS SK-NS-HOST-PID SK-NS-HOST-IPC SK-NS-HOST-NET SK-MOUNT-SENSITIVE SK-DEVICES-ALL; do
    assert_reason "$CASE/create.err" "$rule"
  done
  sk_assert_grep "$CASE/create.err" 'SK-CAP-DANGEROUS: .*CAP_SYS_ADMIN' "the dangerous capability is named"
  sk_assert_same "$b/config.json" "$CASE/orig.json" "config.json after a refusal"
  sk_assert_eq "$(sk_state_status "$SK_ID")" absent "runtime state of the refused container"
  sk_assert_no_placeholders "$CASE/$STEP.err" "refusal"
}

# Complain findings: on stderr and as JSON lines in the event file.
# Findings go to the --log file and events, never to the container's
# stderr (run.err): the runtime hands stockade's stdio to the container.
assert_complained() { # LOG-FILE ID RULE
  sk_assert_grep "$1" "msg=\"stockade: complain: $3: " "complain line for $3 in the --log file"
  sk_assert_no_placeholders "$1" "complain findings"
  sk_assert_no_grep "$CASE/run.err" 'stockade' "no finding on the container's stderr"
  [ -s "$CASE/events.json" ] || sk_fail "no event file $CASE/events.json written"
  jq -e . "$CASE/events.json" >/dev/null 2>&1 || sk_fail "the event file is not JSON lines: $(head -c 300 "$CASE/events.json")"
  [ -n "$(jq -c --arg id "$2" --arg rule "$3" \
    'select(.type == "spec-finding" and .rule == $rule and .container.id == $id and .profile.mode == "complain" and .decision == "report")' \
    "$CASE/events.json")" ] ||
    sk_fail "no spec-finding event for $3, container $2, mode complain in: $(head -c 600 "$CASE/events.json")"
}

# The same root spec under the stockade-complain name: it runs, as root.
t_complain_symlink() {
  local b
  sk_config
  noroot_profile
  b=$(sk_bundle b "$root_spec" --argjson a "$(sk_args_sh "$ROOT_SCRIPT")") || sk_fail "bundle"
  sk_new_id complain
  SK_AS=stockade-complain sk_run run sk_sk --log "$CASE/run.log" run --bundle "$b" "$SK_ID"
  sk_assert_rc 0 "stockade-complain run"
  sk_assert_grep "$CASE/run.out" '^CONTAINER-RAN$' "the container ran"
  sk_assert_kv "$CASE/run.out" uid 0 "complain runs the spec unchanged (as root)"
  assert_complained "$CASE/run.log" "$SK_ID" SK-USER-ROOT
}

# Mode by annotation, allowed because config annotationModes lists complain.
t_complain_annotation() {
  local b
  sk_config
  noroot_profile
  b=$(sk_bundle b "$root_spec"' | .annotations["stockade.io/mode"]="complain"' \
    --argjson a "$(sk_args_sh "$ROOT_SCRIPT")") || sk_fail "bundle"
  sk_new_id complain
  sk_run run sk_sk --log "$CASE/run.log" run --bundle "$b" "$SK_ID"
  sk_assert_rc 0 "stockade run with stockade.io/mode=complain"
  sk_assert_grep "$CASE/run.out" '^CONTAINER-RAN$' "the container ran"
  sk_assert_kv "$CASE/run.out" uid 0 "complain runs the spec unchanged (as root)"
  assert_complained "$CASE/run.log" "$SK_ID" SK-USER-ROOT
}

# A mode annotation that the config does not allow is refused in enforce:
# a workload cannot switch itself off.
t_mode_annotation_refused() {
  local b
  sk_config
  b=$(sk_bundle b "$root_spec"' | .annotations["stockade.io/mode"]="off"' \
    --argjson a "$(sk_args_sh "$ROOT_SCRIPT")") || sk_fail "bundle"
  cp "$b/config.json" "$CASE/orig.json"
  sk_new_id modeoff
  sk_run run sk_sk run --bundle "$b" "$SK_ID"
  sk_assert_rc_nonzero "stockade run with a disallowed stockade.io/mode=off"
  sk_assert_grep "$CASE/run.err" '^stockade: ' "the refusal is a stockade message"
  sk_assert_grep "$CASE/run.err" 'stockade\.io/mode' "the message names the annotation"
  sk_assert_no_grep "$CASE/run.out" CONTAINER-RAN "the container must not run"
  sk_assert_same "$b/config.json" "$CASE/orig.json" "config.json after a refusal"
}

# Another agent's seccomp listener: enforce refuses (the supervisor cannot
# share a filter stack); complain runs the spec with it left alone.
t_refuse_foreign_listener() {
  local b
  sk_config
  b=$(sk_bundle b '.process.args=$a | .linux.seccomp={defaultAction: "SCMP_ACT_ALLOW", listenerPath: "/run/other-agent/agent.sock", syscalls: [{names: ["getppid"], action: "SCMP_ACT_NOTIFY"}]}' \
    --argjson a "$(sk_args_sh 'echo CONTAINER-RAN')") || sk_fail "bundle"
  cp "$b/config.json" "$CASE/saved.json"
  sk_new_id listener
  sk_run create sk_sk create --bundle "$b" "$SK_ID"
  sk_assert_rc 1 "enforce refuses a spec whose listenerPath is another agent's"
  assert_refusal_shape "$CASE/create.err" "$SK_ID"
  assert_reason "$CASE/create.err" SK-SECCOMP-LISTENER
  sk_assert_grep "$CASE/create.err" '/run/other-agent/agent.sock' "the reason names the listener"
  sk_assert_same "$b/config.json" "$CASE/saved.json" "config.json untouched"
  sk_assert_state_empty "refused create"
  sk_assert_eq "$(sk_state_status "$SK_ID")" absent "nothing was created"
}

# A second procfs (here at /p2) has none of linux.maskedPaths and
# readonlyPaths: as root its /p2/sys/kernel/core_pattern is writable,
# which makes the host run a program of the container's choosing (plain
# runc let a root container with its three default capabilities write
# it; under stockade without this rule, so did one with the profile below
# when its Landlock is off). Under a profile that keeps root (allowRoot,
# not privileged), enforce refuses the spec before anything runs; the
# script would only write back the value it read.
t_refuse_second_proc() {
  local b
  sk_config
  sk_default_profile keeproot 'del(.user) | .allowRoot=true | .landlock="off"'
  b=$(sk_bundle b "$root_spec"' | .mounts += [{destination: "/p2", type: "proc", source: "proc"}]' \
    --argjson a "$(sk_args_sh 'echo CONTAINER-RAN; v=$(cat /p2/sys/kernel/core_pattern) && printf "%s\n" "$v" >/p2/sys/kernel/core_pattern && echo WROTE')") ||
    sk_fail "bundle"
  mkdir -p "$b/rootfs/p2"
  cp "$b/config.json" "$CASE/orig.json"
  sk_new_id proc2
  sk_run run sk_sk run --bundle "$b" "$SK_ID"
  sk_assert_rc 1 "stockade run of a root spec with a second procfs"
  assert_refusal_shape "$CASE/run.err" "$SK_ID"
  assert_reason "$CASE/run.err" SK-MOUNT-PROC
  sk_assert_grep "$CASE/run.err" 'SK-MOUNT-PROC: mounts\[[0-9]+\] mounts procfs at /p2' "the reason names the mount"
  sk_assert_event "$SK_ID" 'select(.type == "refused" and (.details.rules | index("SK-MOUNT-PROC") != null))' \
    "the refused event"
  sk_assert_no_grep "$CASE/run.out" CONTAINER-RAN "the refused container must not run"
  sk_assert_same "$b/config.json" "$CASE/orig.json" "config.json after a refusal"
  sk_assert_eq "$(sk_state_status "$SK_ID")" absent "runtime state of the refused container"
}

# crun's annotations that undo the profile: its own BPF in place of the
# profile's filter, plugins it would load into itself on the host, the
# listener sent to another socket, the caller's groups kept, host files
# created for hook output. Pod annotations reach the spec through the
# engines, and the node may give the spec to crun, so enforce refuses each
# under either runtime, before anything is created, as a refused event.
# "0" is the one value of keep_original_groups crun reads as setgroups:
# that spec runs.
t_refuse_crun_annotations() {
  local b key rule val
  sk_config
  b=$(sk_bundle b '.process.args=$a | .hooks.createRuntime=[{path: "/bin/true"}]' \
    --argjson a "$(sk_args_sh 'echo CONTAINER-RAN; probe syscalls')") || sk_fail "bundle"
  cp "$b/config.json" "$CASE/base.json"
  while read -r key rule val; do
    jq --arg k "$key" --arg v "$val" '.annotations[$k]=$v' "$CASE/base.json" >"$b/config.json" || sk_fail "spec"
    cp "$b/config.json" "$CASE/orig.json"
    sk_new_id ann
    sk_run run sk_sk run --bundle "$b" "$SK_ID"
    sk_assert_rc 1 "stockade run with annotation $key"
    assert_refusal_shape "$CASE/run.err" "$SK_ID"
    assert_reason "$CASE/run.err" "$rule"
    sk_assert_grep "$CASE/run.err" "$rule: annotations\\[\"${key//./\\.}\"\\] is set: crun would " "the reason names $key"
    sk_assert_no_grep "$CASE/run.out" CONTAINER-RAN "the container refused for $key must not run"
    sk_assert_same "$b/config.json" "$CASE/orig.json" "config.json after refusing $key"
    sk_assert_eq "$(sk_state_status "$SK_ID")" absent "runtime state of the container refused for $key"
    sk_assert_event "$SK_ID" 'select(.type == "refused" and (.details.rules | index($r) != null))' \
      "the refused event for $key" --arg r "$rule"
  done <<EOF
run.oci.seccomp_bpf_data SK-SECCOMP-ANNOTATION BgAAAAAA/38=
run.oci.seccomp.plugins SK-SECCOMP-ANNOTATION $CASE/plugin.so
run.oci.seccomp.receiver SK-SECCOMP-ANNOTATION $CASE/receiver.sock
run.oci.keep_original_groups SK-RUNTIME-ANNOTATION 1
run.oci.hooks.stdout SK-RUNTIME-ANNOTATION $CASE/hook.out
run.oci.hooks.stderr SK-RUNTIME-ANNOTATION $CASE/hook.err
EOF
  [ ! -e "$CASE/hook.out" ] && [ ! -e "$CASE/hook.err" ] || sk_fail "a refused spec's hook output file was created"
  sk_assert_state_empty "refused creates"
  jq '.annotations["run.oci.keep_original_groups"]="0"' "$CASE/base.json" >"$b/config.json" || sk_fail "spec"
  sk_new_id groups0
  sk_run run0 sk_sk run --bundle "$b" "$SK_ID"
  sk_assert_rc 0 "stockade run with run.oci.keep_original_groups=0"
  sk_assert_grep "$CASE/run0.out" '^CONTAINER-RAN$' "the container with keep_original_groups=0 ran"
  sk_assert_grep "$CASE/run0.out" '^unshare=EPERM$' "the profile's filter is installed"
}

# Complain mode runs such a spec as it is, and reports it. An annotation
# that hands the seccomp notifications elsewhere leaves no place for the
# supervisor: with it added, crun would wait for ever for the listener its
# plugins should get. So, as with another agent's listenerPath, it runs
# without one, and says so.
t_complain_crun_plugins() {
  local b
  sk_config
  b=$(sk_bundle b '.process.args=$a | .annotations["run.oci.seccomp.plugins"]=$p' \
    --argjson a "$(sk_args_sh 'echo CONTAINER-RAN')" --arg p "$CASE/no-such-plugin.so") || sk_fail "bundle"
  sk_new_id plugins
  SK_AS=stockade-complain sk_run run sk_sk --log "$CASE/run.log" run --bundle "$b" "$SK_ID"
  sk_assert_rc 0 "stockade-complain run with run.oci.seccomp.plugins"
  sk_assert_grep "$CASE/run.out" '^CONTAINER-RAN$' "the container ran"
  sk_assert_grep "$CASE/run.log" 'run\.oci\.seccomp\.plugins .*; no supervisor' "the warning that there is no supervisor"
  assert_complained "$CASE/run.log" "$SK_ID" SK-SECCOMP-ANNOTATION
}

sk_for_runtimes "refusal: enforce refuses a root spec (SK-USER-ROOT), config.json untouched" t_refuse_root
sk_for_runtimes "refusal: another agent's seccomp listenerPath (SK-SECCOMP-LISTENER)" t_refuse_foreign_listener
sk_for_runtimes "refusal: enforce names every reason of a privileged-like spec" t_refuse_privileged
sk_for_runtimes "complain: stockade-complain runs the root spec and reports SK-USER-ROOT" t_complain_symlink
sk_for_runtimes "complain: annotation stockade.io/mode=complain (allowed by annotationModes)" t_complain_annotation
sk_for_runtimes "refusal: annotation stockade.io/mode=off not in annotationModes" t_mode_annotation_refused
sk_for_runtimes "refusal: a second procfs, outside the masked paths (SK-MOUNT-PROC)" t_refuse_second_proc
sk_for_runtimes "refusal: crun's annotations that undo the profile (SK-SECCOMP-ANNOTATION, SK-RUNTIME-ANNOTATION)" t_refuse_crun_annotations
sk_for_runtimes "complain: run.oci.seccomp.plugins runs without a supervisor (crun would wait for the listener)" t_complain_crun_plugins
