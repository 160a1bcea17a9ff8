#!/bin/bash
# shellcheck disable=SC2016 # jq filters and in-container scripts are single-quoted on purpose
# stockade as a drop-in (issue 13): wherever it does not harden, it behaves
# as the runtime does (output, input, exit statuses, paths, diagnostics);
# teardown never depends on the node's config; exec events name the pod;
# Landlock keeps the runtime's masked paths; a node may run privileged
# system pods under an explicitly admitted profile.
. "$(dirname "$0")/lib.sh"

# Every case may leave supervisors: stop them by pid whatever happens.
di_case() {
  trap 'sk_cleanup_containers; sk_cleanup_supervisors' EXIT
  "$@"
}
# sk_for_runtimes with every case run inside di_case.
sk_for_runtimes_di() { sk_for_runtimes "$1" di_case "$2"; }

# di_long TAG [JQ-FILTER [JQ-ARGS...]]: a container that sleeps, run -d by
# stockade (enforce, default profile unless the filter says otherwise).
# Sets DI_ID and DI_B.
di_long() {
  local tag=$1 filter=${2:-.}
  shift 2 2>/dev/null || shift $#
  DI_B=$(sk_bundle "b-$tag" ".process.args = [\"sleep\", \"60\"] | $filter" "$@") || sk_fail "bundle"
  sk_new_id "$tag"
  DI_ID=$SK_ID
  sk_run "run-$tag" sk_sk run -d --bundle "$DI_B" "$DI_ID"
  sk_assert_rc 0 "stockade run -d ($tag)"
}

# 1. Output: --version is the runtime's lines, then stockade's; -h and
# --help of every command are the runtime's help.
t_version_help() {
  local n flag cmd
  sk_config
  sk_run plain-version "$(sk_rt_path "$RT")" --version
  sk_run version sk_sk --version
  sk_assert_rc 0 "stockade --version"
  n=$(wc -l <"$CASE/plain-version.out")
  sk_assert_eq "$(head -n "$n" "$CASE/version.out")" "$(cat "$CASE/plain-version.out")" \
    "the first $n lines of stockade --version are the runtime's"
  sk_assert_grep "$CASE/version.out" '^stockade version [0-9]' "stockade's own version line follows"
  for cmd in create run restore exec; do
    for flag in -h --help; do
      di_run "plain-$cmd$flag" sk_rt "$cmd" "$flag"
      sk_run "sk-$cmd$flag" sk_sk "$cmd" "$flag"
      sk_assert_eq "$SK_RC" "$(sk_rc_of "plain-$cmd$flag")" "exit status of '$cmd $flag' through stockade"
      sk_assert_same "$CASE/sk-$cmd$flag.out" "$CASE/plain-$cmd$flag.out" "stdout of '$cmd $flag'"
      sk_assert_no_grep "$CASE/sk-$cmd$flag.err" '^stockade:' "no message of stockade's own for '$cmd $flag'"
    done
  done
  sk_assert_state_empty "help"
}

# The exit status sk_run recorded for an earlier step NAME.
sk_rc_of() { cat "$CASE/$1.rc"; }
# Keep each step's status beside its output (sk_rc_of).
di_run() {
  sk_run "$@"
  echo "$SK_RC" >"$CASE/$1.rc"
}

# 2. Input: a process file that is a pipe (bash's <(...) is /dev/fd/63) is
# read once, judged, hardened and handed on.
t_exec_pipe() {
  local proc
  sk_config
  di_long pipe
  proc=$(jq -c '.process | .args = ["sh", "-c", "echo PIPE-RAN uid=$(id -u)"] | .user = {uid: 0, gid: 0}' \
    "$SK_RUN_DIR/config.base.json")
  sk_run exec sk_sk exec -p <(printf '%s' "$proc") "$DI_ID"
  sk_assert_rc 0 "stockade exec -p /dev/fd/N (a pipe)"
  sk_assert_grep "$CASE/exec.out" '^PIPE-RAN uid=65534$' "the process ran, hardened (uid 0 became the profile's user)"
  # complain mode hands the bytes on unchanged
  SK_AS=stockade-complain sk_run exec-c sk_sk exec -p <(printf '%s' "$proc") "$DI_ID"
  sk_assert_rc 0 "stockade-complain exec -p /dev/fd/N"
  sk_assert_grep "$CASE/exec-c.out" '^PIPE-RAN uid=65534$' "the container's hardened exec path is kept in complain"
}

# 3. Exit statuses are the runtime's for the same failure.
t_exit_status() {
  local id proc
  sk_config
  id=sk-no-such-$$
  di_run plain-exec sk_rt exec "$id" true
  di_run sk-exec sk_sk exec "$id" true
  sk_assert_eq "$SK_RC" "$(sk_rc_of plain-exec)" "exec into a missing container: stockade's status vs $RT's"
  sk_assert_grep "$CASE/sk-exec.err" 'does not exist|No such file' "the runtime's own message"
  proc=$(jq -c '.process' "$SK_RUN_DIR/config.base.json")
  di_run plain-exec-p sk_rt exec -p <(printf '%s' "$proc") "$id"
  di_run sk-exec-p sk_sk exec -p <(printf '%s' "$proc") "$id"
  sk_assert_eq "$SK_RC" "$(sk_rc_of plain-exec-p)" "exec -p into a missing container: status"
  di_run plain-create sk_rt create
  di_run sk-create sk_sk create
  sk_assert_eq "$SK_RC" "$(sk_rc_of plain-create)" "create without an id: status"
  # A container the runtime has but stockade did not create stays refused.
  DI_B=$(sk_bundle b-plain '.process.args = ["sleep", "60"]') || sk_fail "bundle"
  sk_new_id plain
  sk_run plain-run sk_rt run -d --bundle "$DI_B" "$SK_ID"
  sk_assert_rc 0 "plain $RT run -d"
  sk_run sk-exec-plain sk_sk exec "$SK_ID" true
  sk_assert_rc 1 "exec into a container stockade did not create (enforce)"
  sk_assert_grep "$CASE/sk-exec-plain.err" 'stockade has no state for it' "the refusal says why"
  sk_assert_state_empty "exit statuses"
}

# di_in DIR CMD...: CMD in DIR.
di_in() { (cd "$1" && shift && "$@"); }

# 4. Paths: a relative bind source is the bundle's, as the runtime reads it
# (stockade's own working directory is /), and judged there.
t_relative_bind() {
  local b
  sk_config
  b=$(sk_bundle b '.process.args = ["sh", "-c", "test -d /mnt/rootfs/bin && echo BUNDLE-SEEN"] |
    .mounts += [{destination: "/mnt", type: "bind", source: ".", options: ["rbind", "ro"]}]') || sk_fail "bundle"
  sk_new_id rel
  sk_run run di_in / sk_sk run --bundle "$b" "$SK_ID"
  sk_assert_rc 0 "a bind of the bundle itself (source \".\")"
  sk_assert_grep "$CASE/run.out" '^BUNDLE-SEEN$' "the bundle is mounted at /mnt"
  # ... and a relative source that climbs to a host system path is refused.
  b=$(sk_bundle b2 '.process.args = ["true"] |
    .mounts += [{destination: "/mnt", type: "bind", source: "../../../../../../../../../../../proc",
      options: ["rbind", "ro"]}]') || sk_fail "bundle"
  cp "$b/config.json" "$CASE/orig.json"
  sk_new_id relproc
  sk_run run2 di_in "$CASE" sk_sk run --bundle "$b" "$SK_ID"
  sk_assert_rc_nonzero "a relative source that is /proc"
  sk_assert_grep "$CASE/run2.err" 'SK-MOUNT-SENSITIVE: mounts\[[0-9]+\] binds host path /proc \(source "\.\./' "judged as /proc"
  sk_assert_same "$b/config.json" "$CASE/orig.json" "the refused bundle is untouched"
}

# 5. Diagnostics: findings go to the --log file and to events, never to the
# stdio of the container or of an exec.
t_complain_quiet() {
  local proc
  sk_config '.defaultMode = "complain"'
  DI_B=$(sk_bundle b-q '.process.args = ["sleep", "60"] | .process.user = {uid: 0, gid: 0}') || sk_fail "bundle"
  sk_new_id quiet
  DI_ID=$SK_ID
  sk_run run sk_sk --log "$CASE/run.log" --log-format json run -d --bundle "$DI_B" "$DI_ID"
  sk_assert_rc 0 "complain run -d"
  sk_assert_no_grep "$CASE/run.err" 'stockade|SK-' "nothing of stockade's on the container's stderr"
  sk_assert_grep "$CASE/run.log" '"msg":"complain: SK-USER-ROOT' "the finding is in the --log file"
  proc=$(jq -c '.process | .args = ["sh", "-c", "echo EXEC-OUT; echo EXEC-ERR >&2"] | .user = {uid: 0, gid: 0} |
    .noNewPrivileges = false' "$SK_RUN_DIR/config.base.json")
  printf '%s' "$proc" >"$CASE/proc.json"
  sk_run exec sk_sk --log "$CASE/exec.log" exec -p "$CASE/proc.json" "$DI_ID"
  sk_assert_rc 0 "complain exec"
  sk_assert_eq "$(cat "$CASE/exec.err")" "EXEC-ERR" "the exec's stderr is the workload's alone"
  sk_assert_eq "$(cat "$CASE/exec.out")" "EXEC-OUT" "the exec's stdout is the workload's alone"
  sk_assert_grep "$CASE/exec.log" 'complain: SK-USER-ROOT' "the exec's findings are in its --log file"
  sk_assert_event "$DI_ID" 'select(.type == "spec-finding" and .rule == "SK-NNP" and .decision == "report")' \
    "the exec's finding is an event"
  sk_run exec-u sk_sk exec --user 0 "$DI_ID" sh -c 'echo U-OUT'
  sk_assert_rc 0 "complain exec --user 0"
  sk_assert_no_grep "$CASE/exec-u.err" 'stockade' "exec --user 0 in complain: nothing on stderr"
}

# 6. Teardown never depends on the node's config: with a typo in it, state,
# kill and delete still reach the container's runtime, with a warning.
t_teardown_broken_config() {
  local ident
  sk_config
  di_long td
  sk_assert_supervised "$DI_ID" "$DI_B"
  ident=$SK_SUP_IDENT
  # A missing comma: the file is no longer JSON.
  sed -i 's/"runtime": *"\([^"]*\)",/"runtime": "\1"/' "$CASE/stockade.json"
  sk_run cfgcheck sk_sk run --bundle "$DI_B" other-id
  sk_assert_rc_nonzero "create with the broken config is refused"
  sk_run state sk_sk state "$DI_ID"
  sk_assert_rc 0 "state with a broken config"
  sk_assert_eq "$(jq -r .status "$CASE/state.out")" running "state's answer"
  sk_assert_grep "$CASE/state.err" "warning: the stockade config cannot be used \\($CASE/stockade.json" \
    "the warning names the file"
  # The runtime field misspelt as well: the state's record names it.
  sed -i 's/"runtime":/"runtme":/' "$CASE/stockade.json"
  sk_run kill sk_sk kill "$DI_ID" KILL
  sk_assert_rc 0 "kill with a broken config"
  sk_wait_status "$DI_ID" stopped 10 || sk_fail "the container did not stop"
  sk_run delete sk_sk delete -f "$DI_ID"
  sk_assert_rc 0 "delete -f with a broken config"
  sk_assert_eq "$(sk_state_status "$DI_ID")" absent "the container is gone"
  sk_assert_unsupervised "$DI_ID" "$ident" "delete with a broken config"
  # No config at all and no state: the message names the problem.
  SK_CONFIG=$CASE/missing.json sk_run list sk_sk list
  sk_assert_rc_nonzero "list with no config and so no runtime"
  sk_assert_grep "$CASE/list.err" "missing.json" "the message names the missing file"
}

# 7. Exec events carry the pod, namespace and image of the container's create.
t_exec_pod_metadata() {
  local ann='{"io.kubernetes.cri.sandbox-name": "web-7", "io.kubernetes.cri.sandbox-namespace": "shop",
    "io.kubernetes.cri.image-name": "docker.io/library/busybox:1"}'
  sk_config
  di_long pod '.annotations = $ann' --argjson ann "$ann"
  jq -c '.process | .args = ["true"] | .noNewPrivileges = false' "$SK_RUN_DIR/config.base.json" >"$CASE/proc.json"
  sk_run exec sk_sk exec -p "$CASE/proc.json" "$DI_ID"
  sk_assert_rc 0 "exec -p"
  sk_assert_event "$DI_ID" 'select(.type == "spec-finding" and .rule == "SK-NNP" and .decision == "harden")' \
    "the exec's finding"
  sk_assert_eq "$(jq -r '[.container.pod, .container.namespace, .container.image] | join(" ")' <<<"$SK_EVENT")" \
    "web-7 shop docker.io/library/busybox:1" "the exec event's pod, namespace and image"
}

# 8. Landlock keeps the runtime's behaviour for masked and read-only paths,
# /proc and /sys, and a mount the container may not make: the same
# container with "landlock": "off" is the control; every line must match.
LL_MASK_SCRIPT='for p in /proc/timer_list /proc/keys /proc/kcore /proc/sched_debug /proc/acpi /proc/scsi /sys/firmware \
  /proc/sys /proc/irq /proc/bus /proc/fs /proc/sysrq-trigger; do
  echo "stat $p: $(stat -c %F "$p" 2>&1)"
  echo "read $p: $(head -c 1 "$p" 2>&1 >/dev/null; echo $?)"
  echo "write $p: $( (echo x >"$p") 2>&1; echo $?)"
  echo "create $p: $(touch "$p/x" 2>&1; echo $?)"
done
echo "proc: $(test -r /proc/self/status && echo readable) $(ls /proc/1/ >/dev/null 2>&1; echo $?)"
echo "sys: $(ls /sys/kernel >/dev/null 2>&1; echo $?) $( (echo 1 >/sys/kernel/uevent_helper) 2>&1; echo $?)"
echo "procsys: $( (echo 1 >/proc/sys/kernel/ns_last_pid) 2>&1; echo $?)"
echo "mount: $(mount -t tmpfs none /tmp 2>&1; echo $?)"
echo "umount: $(umount /proc/timer_list 2>&1; echo $?)"'
t_landlock_masked() {
  local abi d ll ll_id=
  abi=$("$SK_BUILD/stockadectl" verify --json 2>/dev/null | jq -r '.checks[] | select(.id == "landlock") | .value')
  case $abi in
    '' | *[!0-9]* | 0) sk_skip_kernel "the host kernel has no Landlock (stockadectl verify: ${abi:-no answer})" ;;
  esac
  sk_config '.supervisor = false'
  d=$(sk_profile_dir)
  for ll in optional off; do
    jq --arg ll "$ll" '.name = "ll-\($ll)" | .landlock = $ll' "$d/default.json" >"$d/ll-$ll.json"
    DI_B=$(sk_bundle "b-$ll" '.process.args = $a | .annotations["stockade.io/profile"] = "ll-\($ll)"' \
      --argjson a "$(sk_args_sh "$LL_MASK_SCRIPT")" --arg ll "$ll") || sk_fail "bundle"
    sk_new_id "ll-$ll"
    [ "$ll" = optional ] && ll_id=$SK_ID
    sk_run "run-$ll" sk_sk run --bundle "$DI_B" "$SK_ID"
    sk_assert_rc 0 "run with landlock $ll"
  done
  # run puts config.json back afterwards: the create's landlock event says
  # stockade-init confined the container.
  sk_assert_event "$ll_id" 'select(.type == "landlock" and .decision == "harden" and .details.abi > 0)' \
    "the landlock container starts under stockade-init"
  diff -u "$CASE/run-off.out" "$CASE/run-optional.out" >"$CASE/diff" ||
    sk_fail "masked, read-only, /proc, /sys and mount behave otherwise under Landlock: $(grep '^[-+][^-+]' "$CASE/diff" | head -n 6 | tr '\n' ' ')"
  sk_assert_grep "$CASE/run-off.out" '^write /proc/timer_list: 0$' "a masked file takes a write (it is /dev/null)"
  sk_assert_grep "$CASE/run-off.out" '^procsys: .*Read-only file system' "/proc/sys is read-only"
}

# 9. A privileged system pod (host PID/IPC/network namespaces, every device,
# privileged capabilities, no_new_privs off, no seccomp of its own, a host
# /proc bind) runs under the shipped "system" profile where the node lists
# it, supervised: a fileless exec is still denied and evented. Without the
# node's privilegedProfiles the annotation is refused.
SYS_SCRIPT='probe status; echo "hostproc-$(test -e /host/proc/1/status && echo yes)"
exectest memfd /bin/sktrue; echo done=1'
t_system_profile() {
  local b caps
  sk_config
  caps='["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FOWNER","CAP_KILL","CAP_SETUID","CAP_SETGID","CAP_NET_BIND_SERVICE",
    "CAP_SYS_ADMIN","CAP_NET_ADMIN","CAP_SYS_PTRACE","CAP_SYS_MODULE"]'
  b=$(sk_bundle b '.process.args = $a | .annotations["stockade.io/profile"] = "system" |
    .process.user = {uid: 0, gid: 0} | .process.noNewPrivileges = false |
    .process.capabilities = {bounding: $c, effective: $c, permitted: $c} |
    .linux.namespaces = [.linux.namespaces[] | select(.type == "mount" or .type == "uts")] |
    .linux.resources.devices = [{allow: true, access: "rwm"}] | del(.linux.seccomp) |
    .linux.maskedPaths = [] | .linux.readonlyPaths = [] | .root.readonly = false |
    .mounts += [{destination: "/host/proc", type: "bind", source: "/proc", options: ["rbind", "ro"]}]'     --argjson a "$(sk_args_sh "$SYS_SCRIPT")" --argjson c "$caps") || sk_fail "bundle"
  cp "$b/config.json" "$CASE/orig.json"
  sk_new_id sysref
  sk_run refused sk_sk run --bundle "$b" "$SK_ID"
  sk_assert_rc_nonzero "profile system without the node's privilegedProfiles"
  sk_assert_grep "$CASE/refused.err" 'profile "system", which admits privileged containers .* privilegedProfiles'     "the refusal names the config field"
  sk_assert_same "$b/config.json" "$CASE/orig.json" "the refused bundle is untouched"
  sk_config_edit '.privilegedProfiles = ["system"]'
  sk_new_id sys
  sk_run run sk_sk run --bundle "$b" "$SK_ID"
  sed 's/^/  container| /' "$CASE/run.out" >&2
  sk_assert_rc 0 "a privileged spec under profile system"
  sk_assert_kv "$CASE/run.out" uid 0 "runs as root"
  sk_assert_kv "$CASE/run.out" NoNewPrivs 0 "no_new_privs stays off"
  sk_assert_grep "$CASE/run.out" "^hostproc-yes$" "the host's /proc is mounted"
  [ "$(sk_kv "$CASE/run.out" CapEff)" != 0000000000000000 ] || sk_fail "the capabilities were cut"
  sk_assert_grep "$CASE/run.out" '^memfd-execveat=(EPERM|EACCES)$' "a fileless exec is denied"
  sk_assert_event "$SK_ID" 'select(.type == "fileless" and .decision == "deny" and .mechanism == "seccomp")' \
    "the denied exec is evented"
  sk_assert_eq "$(jq -r .profile.name <<<"$SK_EVENT")" system "the event's profile"
  sk_assert_state_empty "after run"
}

sk_for_runtimes_di "drop-in: --version is the runtime's lines then stockade's; -h/--help of every command" t_version_help
sk_for_runtimes_di "drop-in: exec -p from a pipe (/dev/fd/N)" t_exec_pipe
sk_for_runtimes_di "drop-in: exit statuses are the runtime's" t_exit_status
sk_for_runtimes_di "drop-in: a relative bind source is the bundle's" t_relative_bind
sk_for_runtimes_di "drop-in: complain findings in --log and events, not in the workload's stdio" t_complain_quiet
sk_for_runtimes_di "drop-in: teardown with a broken config" t_teardown_broken_config
sk_for_runtimes_di "drop-in: exec events carry the pod, namespace and image" t_exec_pod_metadata
sk_for_runtimes_di "drop-in: Landlock keeps masked and read-only paths, /proc, /sys and mount errors as they are" t_landlock_masked
sk_for_runtimes_di "drop-in: the system profile runs a privileged spec, supervised, where the node allows it" t_system_profile
