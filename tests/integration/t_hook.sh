#!/bin/bash
# shellcheck disable=SC2016 # jq filters and in-container scripts are single-quoted on purpose
# stockade-hook (hooks/README.md): the supervisor's fanotify half as an OCI
# hook of the plain runtime (no stockade in front): createRuntime attaches
# it, poststop ends it. The spec is not hardened here (that is the
# runtime's job): the root file system stays writable, so a program copied
# onto it is only stopped by the hook's fanotify marks.
. "$(dirname "$0")/lib.sh"

SK_HOOK=$SK_BUILD/stockade-hook

# hk_init: the case's config and a cleanup that also ends hook supervisors.
hk_init() {
  [ -x "$SK_HOOK" ] || sk_fail "stockade-hook binary $SK_HOOK missing (run make B=${B} all)"
  trap 'sk_cleanup_containers; sk_cleanup_hook_sups' EXIT
  sk_config '.eventRate=100000 | .eventBurst=100000'
}

# hk_bundle NAME SCRIPT [JQ-FILTER [JQ-ARGS...]]: a bundle running the
# shell script, writable root, with stockade-hook at createRuntime and
# poststop (env STOCKADE_CONFIG: runc gives a hook only the env listed).
hk_bundle() {
  local name=$1 script=$2 filter=${3:-.}
  shift 3 2>/dev/null || shift $#
  sk_bundle "$name" '.process.args = ["sh", "-c", $s] | .root.readonly = false
    | .hooks.createRuntime = [{path: $h, args: ["stockade-hook", "createRuntime"], env: ["STOCKADE_CONFIG=" + $c]}]
    | .hooks.poststop = [{path: $h, args: ["stockade-hook", "poststop"], env: ["STOCKADE_CONFIG=" + $c]}]
    | '"$filter" --arg s "$script" --arg h "$SK_HOOK" --arg c "$CASE/stockade.json" "$@"
}

# hk_supervised ID: the hook supervisor of ID runs; sets HK_DIR, HK_IDENT.
hk_supervised() {
  local f pid
  HK_DIR=
  for f in "$CASE"/state/hook/*/meta.json; do
    [ -f "$f" ] || continue
    [ "$(jq -r .id "$f")" = "$1" ] && HK_DIR=$(dirname "$f")
  done
  [ -n "$HK_DIR" ] || sk_fail "container $1: no hook state under $CASE/state/hook ($(find "$CASE/state" 2>/dev/null | tr '\n' ' '))"
  pid=$(tr -dc '0-9' <"$HK_DIR/sup.pid" 2>/dev/null)
  [ -n "$pid" ] || sk_fail "container $1: no sup.pid in $HK_DIR"
  HK_IDENT=$(sk_proc_ident "$pid")
  sk_proc_alive "$HK_IDENT" || sk_fail "container $1: hook supervisor pid $pid is not running"
  sk_assert_eq "$(cat "/proc/$pid/comm")" stockade-hook "container $1: the hook supervisor's name"
  sk_log "container $1: hook supervisor pid $pid, state $HK_DIR"
}

# hk_assert_gone ID IDENT WHAT: the hook supervisor and its state are gone.
hk_assert_gone() {
  sk_wait_gone "$2" 5 || sk_fail "$3: hook supervisor pid ${2%%:*} of $1 still runs"
  [ -z "$(find "$CASE/state/hook" -name meta.json 2>/dev/null)" ] ||
    sk_fail "$3: hook state left: $(find "$CASE/state/hook" 2>/dev/null | tr '\n' ' ')"
}

# hk_denied KEY WHAT: fanotify's FAN_DENY fails execve with EPERM.
hk_denied() {
  sk_assert_kv "$HK_OUT" "$1" EPERM "$2"
}

# ---------------------------------------------------------------------------

# Drift on the writable root is denied by the hook's fanotify marks, in the
# entrypoint and in `runc exec`; the events say so; an image program runs;
# delete runs poststop and leaves no hook process and no state.
t_hook_drift() {
  local b id ident
  hk_init
  b=$(hk_bundle b 'sktrue; echo image=$?; exectest drift /bin/sktrue /work/drift-true; echo done=1; exec sleep 300') ||
    sk_fail "bundle"
  sk_new_id hook
  id=$SK_ID
  HK_OUT=$CASE/run.out
  sk_run run sk_rt run -d --bundle "$b" "$id"
  sk_assert_rc 0 "runc run -d with stockade-hook at createRuntime"
  hk_supervised "$id"
  ident=$HK_IDENT
  sk_wait_grep "$HK_OUT" '^done=1$' 15 || sk_fail "the container did not finish its script: $(cat "$HK_OUT")"
  sed 's/^/  container| /' "$HK_OUT" >&2
  sk_assert_kv "$HK_OUT" image 0 "a program of the image runs under the hook"
  sk_assert_kv "$HK_OUT" drift-copy OK "copying a program onto the writable root"
  hk_denied drift "executing the copy (root file system, no noexec: only fanotify can deny it)"
  sk_assert_event "$id" 'select(.type == "drift" and .process.path == "/work/drift-true" and .decision == "deny")' "the drift event"
  sk_assert_eq "$(jq -r .mechanism <<<"$SK_EVENT")" fanotify "drift event mechanism"
  sk_assert_eq "$(jq -r .process.where <<<"$SK_EVENT")" upper "drift event where"
  sk_assert_eq "$(jq -r .mitre.technique <<<"$SK_EVENT")" T1105 "drift event technique"
  sk_assert_eq "$(jq -r .profile.mode <<<"$SK_EVENT")" enforce "drift event mode"
  sk_assert_eq "$(jq -r .profile.name <<<"$SK_EVENT")" default "drift event profile"
  sk_assert_eq "$(jq -r '.process.pid | type' <<<"$SK_EVENT")" number "drift event pid"
  sk_assert_event "$id" 'select(.type == "supervisor" and .details.event == "started")' "the hook supervisor's start event"
  # pivot_root and the runtime's masking mounts came after the hook: each
  # change of the container's mounts was marked without an error.
  [ ! -f "$HK_DIR/supervisor.log" ] || sk_assert_no_grep "$HK_DIR/supervisor.log" '"level":"error"' "the hook supervisor's log"

  # runc exec: a new process of the container, the same marks.
  sk_run exec sk_rt exec "$id" exectest drift /bin/sktrue /work/drift-exec
  sk_assert_rc 0 "runc exec exectest"
  HK_OUT=$CASE/exec.out
  hk_denied drift "a copy executed by a runc exec'd process"
  sk_assert_event "$id" 'select(.type == "drift" and .process.path == "/work/drift-exec")' "the exec'd process's drift event"

  sk_run kill sk_rt kill "$id" KILL
  sk_wait_status "$id" stopped 10 || sk_fail "the container did not stop"
  sk_run delete sk_rt delete "$id"
  sk_assert_rc 0 "runc delete (runs poststop)"
  hk_assert_gone "$id" "$ident" "after runc delete"
  sk_assert_event "$id" 'select(.type == "supervisor" and .details.event == "stopped")' "the hook supervisor's stop event"
}

# poststop, given the running container's state, stops its hook supervisor
# and removes the hook's state; from then on nothing checks the container's
# execs (documented: the hook has no seccomp listener to fail closed).
t_hook_poststop() {
  local b id ident
  hk_init
  b=$(hk_bundle b 'echo up=1; exec sleep 300') || sk_fail "bundle"
  sk_new_id post
  id=$SK_ID
  sk_run run sk_rt run -d --bundle "$b" "$id"
  sk_assert_rc 0 "runc run -d"
  hk_supervised "$id"
  ident=$HK_IDENT
  sk_rt state "$id" >"$CASE/state.json" || sk_fail "runc state"
  # Without the state on stdin (sk_run gives none): one clear line, nothing stopped.
  sk_run poststop-nostate env STOCKADE_CONFIG="$CASE/stockade.json" "$SK_HOOK" poststop
  sk_assert_rc 1 "stockade-hook poststop without a state on stdin"
  sk_assert_grep "$CASE/poststop-nostate.err" '^stockade-hook: stdin is empty: an OCI hook gets the container.s state there' \
    "stockade-hook poststop without a state: the message"
  sk_proc_alive "$ident" || sk_fail "stockade-hook poststop without a state stopped the supervisor"
  STOCKADE_CONFIG="$CASE/stockade.json" "$SK_HOOK" poststop <"$CASE/state.json" >"$CASE/poststop.out" 2>&1
  sk_assert_eq "$?" 0 "stockade-hook poststop: $(cat "$CASE/poststop.out")"
  hk_assert_gone "$id" "$ident" "after stockade-hook poststop"
  sk_assert_eq "$(sk_state_status "$id")" running "the container after poststop of its hook"
  HK_OUT=$CASE/exec.out
  sk_run exec sk_rt exec "$id" exectest drift /bin/sktrue /work/drift-unwatched
  sk_assert_kv "$HK_OUT" drift OK "with the hook supervisor gone, nothing denies (fail open)"
}

# Fail closed: a profile that cannot be loaded fails the hook, and the
# runtime refuses to start the container; the message says why.
t_hook_fail_closed() {
  local b id
  hk_init
  b=$(hk_bundle b 'echo started=1' '.annotations["stockade.io/profile"] = "no-such-profile"') || sk_fail "bundle"
  sk_new_id fail
  id=$SK_ID
  sk_run run sk_rt run -d --bundle "$b" "$id"
  sk_assert_rc_nonzero "runc run with a failing createRuntime hook"
  sk_assert_grep "$CASE/run.err" 'stockade-hook: .*no-such-profile.*refusing to start the container' \
    "the hook's message names the profile and the refusal"
  sk_assert_no_grep "$CASE/run.out" 'started=1' "the container's process never ran"
  sk_assert_no_placeholders "$CASE/run.err" "the hook's message"
  [ -z "$(find "$CASE/state/hook" -mindepth 1 2>/dev/null)" ] ||
    sk_fail "hook state left after the refusal: $(find "$CASE/state/hook" | tr '\n' ' ')"
  [ "$(sk_state_status "$id")" != running ] || sk_fail "the container runs although its hook failed"
}

# What the hook cannot see (documented): a fileless exec (memfd) and the
# argv of any exec. The runtime's supervisor denies the first and records
# the second; the hook lets the memfd run and its events carry no argv.
t_hook_blind_spots() {
  local b id
  hk_init
  b=$(hk_bundle b 'exectest memfd /bin/sktrue; exectest drift /bin/sktrue /work/x; echo done=1; exec sleep 300') ||
    sk_fail "bundle"
  sk_new_id blind
  id=$SK_ID
  HK_OUT=$CASE/run.out
  sk_run run sk_rt run -d --bundle "$b" "$id"
  sk_assert_rc 0 "runc run -d"
  sk_wait_grep "$HK_OUT" '^done=1$' 15 || sk_fail "the container did not finish its script"
  sed 's/^/  container| /' "$HK_OUT" >&2
  sk_assert_kv "$HK_OUT" memfd-execveat OK "a memfd exec is not seen by the hook (documented)"
  hk_denied drift "drift is still denied in the same container"
  sk_assert_event "$id" 'select(.type == "drift")' "the drift event"
  sk_assert_eq "$(jq -r '(.process | has("argv"))' <<<"$SK_EVENT")" false "the hook's events carry no argv (documented)"
}

# A mount the container makes after start (it holds CAP_SYS_ADMIN here) is
# marked when the container's mountinfo changes: a program copied there is
# denied. (The re-mark is asynchronous: the script waits a moment; see
# docs/security.md for the window.)
t_hook_new_mount() {
  local b id
  hk_init
  b=$(hk_bundle b 'mount -t tmpfs none /root && echo mounted=1; sleep 0.5; exectest drift /bin/sktrue /root/x; echo done=1; exec sleep 300' \
    '.process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"])') || sk_fail "bundle"
  sk_new_id mnt
  id=$SK_ID
  HK_OUT=$CASE/run.out
  sk_run run sk_rt run -d --bundle "$b" "$id"
  sk_assert_rc 0 "runc run -d"
  sk_wait_grep "$HK_OUT" '^done=1$' 15 || sk_fail "the container did not finish its script"
  sed 's/^/  container| /' "$HK_OUT" >&2
  sk_assert_kv "$HK_OUT" mounted 1 "the container mounted a tmpfs"
  hk_denied drift "a program copied to a tmpfs the container mounted after start"
  sk_assert_event "$id" 'select(.type == "drift" and .process.path == "/root/x")' "the drift event"
  sk_assert_eq "$(jq -r .process.where <<<"$SK_EVENT")" tmpfs "drift event where (the new mount is in the table)"
}

# A container only the hook may check: plain runc, so one runtime.
if [ -n "$(sk_rt_missing runc)" ]; then
  sk_case "stockade-hook" sk_skip "$(sk_rt_missing runc)"
else
  sk_for_runtimes "stockade-hook: drift denied by fanotify (entrypoint and exec), events, poststop leaves nothing" t_hook_drift
  RT=runc sk_case "stockade-hook [runc]: poststop stops a running hook supervisor and removes its state" t_hook_poststop
  RT=runc sk_case "stockade-hook [runc]: a hook error refuses the container (fail closed)" t_hook_fail_closed
  RT=runc sk_case "stockade-hook [runc]: a mount made after start is watched" t_hook_new_mount
  RT=runc sk_case "stockade-hook [runc]: what the hook cannot see (memfd exec, argv)" t_hook_blind_spots
fi
