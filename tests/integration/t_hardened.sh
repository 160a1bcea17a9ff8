#!/bin/bash
# shellcheck disable=SC2016 # jq filters and in-container scripts are single-quoted on purpose
# A spec that asks for root, a writable root and no NoNewPrivs comes out of
# stockade (enforce) hardened per the profile, seen from inside the container
# by the probe helper and from outside in the bundle and stockade's state.
. "$(dirname "$0")/lib.sh"

# What the container runs: every finding prefixed so that the several
# write=/exec= lines can be told apart.
HARDEN_SCRIPT='probe all
echo "root-$(probe write /rootfile)"
echo "tmp-$(probe write /tmp/f)"
echo "copy-$(probe copy /bin/probe /tmp/p)"
echo "noexec-$(probe exec /tmp/p status)"
echo "hello-$(echo hi)"
echo "ls-$(ls / | tr "\n" " ")"'

# A docker-like root spec: uid 0, writable root, no NoNewPrivs, runc's
# default capabilities, no seccomp.
root_spec='.root.readonly=false | .process.noNewPrivileges=false | .process.user={uid: 0, gid: 0} | .process.args=$a'

# Hardening as seen from inside, common to the profiles.
assert_hardened_inside() { # OUTPUT-FILE UID CAPS
  local o=$1
  sk_assert_kv "$o" uid "$2" "runs as the profile's user, not the spec's uid 0"
  sk_assert_kv "$o" euid "$2" "effective uid"
  sk_assert_kv "$o" NoNewPrivs 1 "no new privileges"
  sk_assert_kv "$o" Seccomp 2 "a seccomp filter is installed"
  sk_assert_kv "$o" CapEff "$3" "effective capabilities are exactly the profile's"
  sk_assert_kv "$o" CapPrm "$3" "permitted capabilities are exactly the profile's"
  sk_assert_kv "$o" CapBnd "$3" "bounding set is exactly the profile's"
  sk_assert_kv "$o" unshare EPERM "unshare(CLONE_NEWUSER|CLONE_NEWNS) is denied"
  sk_assert_kv "$o" mount EPERM "mount is denied"
  sk_assert_kv "$o" keyctl EPERM "keyctl is denied"
}

# default profile, through create/start/delete as containerd does it.
t_default_profile() {
  local b o orig n
  sk_config
  b=$(sk_bundle b "$root_spec" --argjson a "$(sk_args_sh "$HARDEN_SCRIPT")") || sk_fail "bundle"
  cp "$b/config.json" "$CASE/orig.json"
  sk_new_id hard
  # runc/crun create hand their stdio to the container: its output lands in
  # create.out.
  sk_run create sk_sk create --bundle "$b" "$SK_ID"
  sk_assert_rc 0 "stockade create"
  sk_assert_eq "$(sk_state_status "$SK_ID")" created "container state after create"
  sk_log "what stockade changed in config.json (seccomp summarised):"
  diff <(jq -S 'del(.linux.seccomp)' "$CASE/orig.json") \
    <(jq -S '.linux.seccomp |= if . then {defaultAction, syscalls: (.syscalls | length)} else . end' "$b/config.json") |
    sed 's/^/  /' >&2

  sk_run start sk_sk start "$SK_ID"
  sk_assert_rc 0 "stockade start"
  sk_wait_status "$SK_ID" stopped 20 || sk_fail "the container did not finish"

  # Inside: what the process could and could not do.
  o=$CASE/create.out
  sed 's/^/  container| /' "$o" >&2
  assert_hardened_inside "$o" 65534 0000000000000000
  sk_assert_kv "$o" gid 65534 "runs as the profile's group"
  sk_assert_kv "$o" write EROFS "writing to / fails: read-only root" root-
  sk_assert_kv "$o" write OK "/tmp is writable" tmp-
  sk_assert_kv "$o" copy OK "a binary can be copied into /tmp" copy-
  # EPERM: the supervisor denies it as drift before the kernel's noexec
  # check (EACCES) is reached; either way it must not run.
  case $(sk_kv "$o" exec noexec-) in
    EPERM | EACCES) ;;
    *) sk_fail "executing from /tmp must fail (EPERM or EACCES): got $(sk_kv "$o" exec noexec-)" ;;
  esac
  grep -q '"type":"drift"' "$CASE/events.json" || sk_fail "no drift event for the exec from /tmp"
  sk_assert_grep "$o" '^hello-hi$' "an ordinary command (echo) works"
  sk_assert_grep "$o" '^ls-.*\bbin\b' "an ordinary command (ls /) works"

  # Outside: the bundle's config.json is the hardened spec, the original is
  # kept in stockade's state.
  sk_assert_eq "$(jq -r .process.user.uid "$b/config.json")" 65534 "hardened config.json process.user.uid"
  sk_assert_eq "$(jq -r .root.readonly "$b/config.json")" true "hardened config.json root.readonly"
  sk_assert_eq "$(jq -r .process.noNewPrivileges "$b/config.json")" true "hardened config.json process.noNewPrivileges"
  orig=$(find "$CASE/state" -name config.orig.json 2>/dev/null)
  n=$(printf '%s' "$orig" | grep -c .)
  sk_assert_eq "$n" 1 "config.orig.json files in stockade's state dir"
  sk_assert_same "$orig" "$CASE/orig.json" "the original spec kept in the state dir"

  # The annotations stockade recorded in the hardened spec.
  sk_assert_eq "$(jq -r '.annotations["stockade.io/applied-profile"]' "$b/config.json")" default \
    "annotation stockade.io/applied-profile"
  sk_assert_eq "$(jq -r '.annotations["stockade.io/profile-sha256"]' "$b/config.json")" \
    "$(sha256sum <"$SK_REPO/profiles/default.json" | cut -d' ' -f1)" \
    "annotation stockade.io/profile-sha256 is the SHA-256 of profiles/default.json"
  sk_assert_eq "$(jq -r '.annotations["stockade.io/applied-mode"]' "$b/config.json")" enforce "annotation stockade.io/mode"

  sk_run delete sk_sk delete "$SK_ID"
  sk_assert_rc 0 "stockade delete"
  sk_assert_eq "$(sk_state_status "$SK_ID")" absent "container state after delete"
  sk_assert_eq "$(find "$CASE/state" -name config.orig.json 2>/dev/null)" "" \
    "stockade's state for the container is gone after delete"
  # delete puts the bundle back as the engine wrote it
  sk_assert_same "$b/config.json" "$CASE/orig.json" "config.json after delete"
}

# web profile (annotation), through run: uid 101 and exactly NET_BIND_SERVICE,
# which really lets it bind port 80.
t_web_profile() {
  local b o
  sk_config
  # (a createRuntime hook keeps the spec the runtime ran: `run` puts the
  # bundle's config.json back when it ends)
  b=$(sk_bundle b "$root_spec"' | .annotations["stockade.io/profile"]="web"
    | .hooks.createRuntime = [{path: "/bin/sh", args: ["sh", "-c", "cp \"$0\" \"$1\"", $spec, $copy]}]' \
    --argjson a "$(sk_args_sh 'probe all; echo "port80-$(probe bind 80)"; echo "root-$(probe write /rootfile)"')" \
    --arg spec "$CASE/b/config.json" --arg copy "$CASE/ran.json") ||
    sk_fail "bundle"
  sk_new_id web
  sk_run run sk_sk run --bundle "$b" "$SK_ID"
  sk_assert_rc 0 "stockade run"
  o=$CASE/run.out
  assert_hardened_inside "$o" 101 0000000000000400
  sk_assert_kv "$o" bind OK "binding port 80 works with CAP_NET_BIND_SERVICE" port80-
  sk_assert_kv "$o" write EROFS "writing to / fails: read-only root" root-
  sk_assert_eq "$(jq -r '.annotations["stockade.io/applied-profile"]' "$CASE/ran.json")" web \
    "annotation stockade.io/applied-profile"
  sk_assert_eq "$(jq -r '.annotations["stockade.io/applied-profile"] // "none"' "$b/config.json")" none \
    "the bundle's config.json after run (restored)"
}

# job profile: /work is writable scratch space, and noexec too.
t_job_profile() {
  local b o
  sk_config
  b=$(sk_bundle b "$root_spec"' | .annotations["stockade.io/profile"]="job"' \
    --argjson a "$(sk_args_sh 'probe status
echo "work-$(probe write /work/f)"
echo "copy-$(probe copy /bin/probe /work/p)"
echo "noexec-$(probe exec /work/p status)"
echo "root-$(probe write /rootfile)"')") || sk_fail "bundle"
  sk_new_id job
  sk_run run sk_sk run --bundle "$b" "$SK_ID"
  sk_assert_rc 0 "stockade run"
  o=$CASE/run.out
  sk_assert_kv "$o" uid 65534 "runs as the profile's user"
  sk_assert_kv "$o" CapEff 0000000000000000 "no capabilities"
  sk_assert_kv "$o" write OK "/work is writable" work-
  case $(sk_kv "$o" exec noexec-) in
    EPERM | EACCES) ;;
    *) sk_fail "executing from /work must fail (EPERM or EACCES): got $(sk_kv "$o" exec noexec-)" ;;
  esac
  sk_assert_kv "$o" write EROFS "writing to / fails" root-
}

# exec into a hardened container cannot get root back: it is refused, or it
# runs hardened (profile user, no capabilities, NoNewPrivs).
t_exec_hardened() {
  local b o
  sk_config
  b=$(sk_bundle b '.process.args=["sleep", "300"]') || sk_fail "bundle"
  sk_new_id exec
  sk_run create sk_sk create --bundle "$b" "$SK_ID"
  sk_assert_rc 0 "stockade create"
  sk_run start sk_sk start "$SK_ID"
  sk_assert_rc 0 "stockade start"
  sk_run exec sk_sk exec "$SK_ID" probe all
  sk_assert_rc 0 "stockade exec"
  assert_hardened_inside "$CASE/exec.out" 65534 0000000000000000
  sk_run execuser sk_sk exec --user 0:0 "$SK_ID" probe status
  if [ "$SK_RC" = 0 ]; then
    sk_assert_kv "$CASE/execuser.out" uid 65534 "exec --user 0:0 is remapped to the profile's user"
  else
    sk_assert_grep "$CASE/execuser.err" '^stockade: ' "a refused exec --user 0:0 says why"
    sk_assert_no_grep "$CASE/execuser.out" '^uid=0$' "refused exec --user 0:0 did not run"
  fi
  sk_run execroot sk_sk exec --user 0:0 --cap CAP_SYS_ADMIN "$SK_ID" probe status
  if [ "$SK_RC" = 0 ]; then
    sk_assert_ne "$(sk_kv "$CASE/execroot.out" uid)" 0 "exec --user 0:0 must not run as root"
    sk_assert_kv "$CASE/execroot.out" CapEff 0000000000000000 "exec --cap CAP_SYS_ADMIN must not get it"
    sk_assert_kv "$CASE/execroot.out" NoNewPrivs 1 "exec keeps no new privileges"
  else
    sk_assert_grep "$CASE/execroot.err" '^stockade: ' "a refused exec says why"
    sk_assert_no_grep "$CASE/execroot.out" '^uid=0$' "refused exec did not run"
  fi
  # The same through a --process file, as containerd passes it.
  jq -n '{terminal: false, user: {uid: 0, gid: 0}, args: ["probe", "status"], cwd: "/",
          env: ["PATH=/bin"], noNewPrivileges: false,
          capabilities: {bounding: ["CAP_SYS_ADMIN"], effective: ["CAP_SYS_ADMIN"], permitted: ["CAP_SYS_ADMIN"]}}' \
    >"$CASE/process.json"
  sk_run execproc sk_sk exec --process "$CASE/process.json" "$SK_ID"
  if [ "$SK_RC" = 0 ]; then
    sk_assert_ne "$(sk_kv "$CASE/execproc.out" uid)" 0 "exec --process with user 0 must not run as root"
    sk_assert_kv "$CASE/execproc.out" CapEff 0000000000000000 "exec --process with CAP_SYS_ADMIN must not get it"
    sk_assert_kv "$CASE/execproc.out" NoNewPrivs 1 "exec --process keeps no new privileges"
  else
    sk_assert_grep "$CASE/execproc.err" '^stockade: ' "a refused exec --process says why"
    sk_assert_no_grep "$CASE/execproc.out" '^uid=0$' "refused exec --process did not run"
  fi
  sk_run kill sk_sk kill "$SK_ID" KILL
  sk_wait_status "$SK_ID" stopped 10 || true
  sk_run delete sk_sk delete -f "$SK_ID"
  sk_assert_rc 0 "stockade delete"
}

# The engine's default seccomp profile in the spec, as podman writes it
# (default ERRNO(38)): the calls both it and the profile allow stay allowed.
# personality(PER_LINUX) (busybox linux64) is allowed by both under the same
# condition; the intersection used to give it the engine's ENOSYS.
t_engine_profile() {
  local b out
  sk_config
  b=$(sk_bundle b "$root_spec | .linux.seccomp = \$s[0]" --slurpfile s "$SK_REPO/tests/fixtures/podman-4.3-seccomp.json" \
    --argjson a "$(sk_args_sh 'linux64 true; echo linux64=$?; linux32 true; echo linux32=$?; probe all')") || sk_fail "bundle"
  sk_new_id engine
  sk_run run sk_sk run --bundle "$b" "$SK_ID"
  sk_assert_rc 0 "stockade run"
  out=$CASE/run.out
  sed 's/^/  container| /' "$out" | head -n 5 >&2
  sk_assert_grep "$out" '^linux64=0$' "personality(PER_LINUX), which both profiles allow"
  sk_assert_grep "$out" '^linux32=0$' "personality(PER_LINUX32), which both profiles allow"
  sk_assert_kv "$out" unshare EPERM "unshare is still denied"
}

# An engine's filter that sets SECCOMP_FILTER_FLAG_SPEC_ALLOW (the kernel's
# speculative store bypass mitigation off for the container) against a
# profile that does not: the hardened spec the runtime runs has no such
# flag, and the container runs (plain runc refuses any seccomp flag; with
# the flag gone, stockade's spec has none).
t_engine_spec_allow() {
  local b
  sk_config
  b=$(sk_bundle b '.process.args = ["sleep", "300"]
    | .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", flags: ["SECCOMP_FILTER_FLAG_SPEC_ALLOW"]}') || sk_fail "bundle"
  sk_new_id specallow
  sk_run create sk_sk create --bundle "$b" "$SK_ID"
  sk_assert_rc 0 "stockade create"
  sk_assert_eq "$(jq -c '.linux.seccomp.flags // [] | index("SECCOMP_FILTER_FLAG_SPEC_ALLOW")' "$b/config.json")" null \
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW in the hardened spec"
  sk_run start sk_sk start "$SK_ID"
  sk_assert_rc 0 "stockade start"
  sk_assert_eq "$(sk_state_status "$SK_ID")" running "the container"
  sk_run delete sk_sk delete -f "$SK_ID"
  sk_assert_rc 0 "stockade delete -f"
}

sk_for_runtimes "hardened: default profile (uid 0 spec -> 65534, ro root, noexec /tmp, caps, seccomp, nnp)" t_default_profile
sk_for_runtimes "hardened: the engine's default seccomp profile in the spec: what both allow stays allowed" t_engine_profile
sk_for_runtimes "hardened: the engine's SECCOMP_FILTER_FLAG_SPEC_ALLOW does not pass a profile without it" t_engine_spec_allow
sk_for_runtimes "hardened: web profile (uid 101, exactly CAP_NET_BIND_SERVICE)" t_web_profile
sk_for_runtimes "hardened: job profile (writable noexec /work)" t_job_profile
sk_for_runtimes "hardened: exec into a hardened container" t_exec_hardened
