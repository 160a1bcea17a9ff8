#!/bin/bash
# shellcheck disable=SC2016 # jq filters are single-quoted on purpose
# Nothing of stockade is left when the runtime would refuse a create, and
# nothing of stockade stays in the bundle after the container is over:
# a duplicate id (the first container keeps running, supervised, its state
# intact), an id runc refuses, a config.json that is a FIFO, `run` in the
# foreground (and a config.json the engine replaced meanwhile, left as
# it is), `exec` into a container that has stopped, a create the runtime
# fails after the handover.
. "$(dirname "$0")/lib.sh"

lo_init() {
  trap 'sk_cleanup_containers; sk_cleanup_supervisors' EXIT
  sk_config
}

# lo_stockade_procs PATTERN: stockade processes of this case whose
# command line holds PATTERN (a supervisor keeps its create's).
lo_stockade_procs() {
  local p me n=0
  me=$(readlink -f "$SK_BIN")
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/exe" 2>/dev/null)" = "$me" ] || continue
    [[ $({ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null) == *"$1"* ]] && n=$((n + 1))
  done
  echo "$n"
}

# A state directory's files and their SHA-256 (the socket by its name).
lo_state_sums() {
  (cd "$1" && find . -mindepth 1 -maxdepth 1 | sort | while read -r f; do
    if [ -f "$f" ]; then echo "$f $(sha256sum <"$f" | cut -c1-64)"; else echo "$f"; fi
  done)
}

# ---------------------------------------------------------------------------
# 1. create with an id in use: the runtime's own error and status; the
# first container runs on, supervised, its state untouched; no second
# supervisor; the second bundle's config.json byte-identical.

t_duplicate() {
  local b1 b2 id dir before want rc
  lo_init
  b1=$(sk_bundle b1 '.process.args = ["sleep", "300"]') || sk_fail "bundle"
  b2=$(sk_bundle b2 '.process.args = ["sleep", "300"]') || sk_fail "bundle"
  cp "$b2/config.json" "$CASE/b2.orig"
  sk_new_id dup
  id=$SK_ID
  sk_run create1 sk_sk create --bundle "$b1" "$id"
  sk_assert_rc 0 "the first create"
  sk_assert_supervised "$id" "$b1"
  dir=$SK_SUP_DIR
  before=$(lo_state_sums "$dir")
  sk_run start1 sk_sk start "$id"
  sk_assert_rc 0 "start"

  # what the plain runtime says to a second create of this id
  sk_run plain sk_rt create --bundle "$b2" "$id"
  want=$SK_RC
  [ "$want" != 0 ] || sk_fail "$RT itself accepted a second container \"$id\""
  sk_run create2 sk_sk create --bundle "$b2" "$id"
  rc=$SK_RC
  sk_assert_eq "$rc" "$want" "stockade's status for the second create (the runtime's)"
  cmp -s "$b2/config.json" "$CASE/b2.orig" || sk_fail "the second bundle's config.json changed"
  sk_assert_eq "$(sk_state_status "$id")" running "the first container"
  sk_assert_supervised "$id" "$b1"
  sk_assert_eq "$(lo_state_sums "$dir")" "$before" "the first container's stockade state"
  sk_assert_eq "$(lo_stockade_procs "$b2")" 0 "stockade processes started for the second bundle"
  sk_assert_eq "$(sk_events "$id" 'select(.type == "supervisor" and .details.event == "started")' | wc -l)" 1 \
    "supervisor start events for $id"
  sk_assert_eq "$(find "$CASE/state" -mindepth 1 -maxdepth 1 -type d | wc -l)" 1 "state directories"

  # an id runc refuses: runc's own error, nothing made
  if [ "$RT" = runc ]; then
    sk_run plainbad sk_rt create --bundle "$b2" "bad:id"
    want=$SK_RC
    sk_run badid sk_sk create --bundle "$b2" "bad:id"
    sk_assert_eq "$SK_RC" "$want" "stockade's status for an id runc refuses"
    sk_assert_grep "$CASE/badid.err" 'invalid container ID' "runc's own message"
    cmp -s "$b2/config.json" "$CASE/b2.orig" || sk_fail "config.json changed by a create with a bad id"
    sk_assert_eq "$(find "$CASE/state" -mindepth 1 -maxdepth 1 -type d | wc -l)" 1 "state directories"
  else
    # an id that names no directory: refused before anything changes
    sk_run slashid sk_sk create --bundle "$b2" "a/b"
    sk_assert_rc_nonzero "create with id a/b"
    sk_assert_grep "$CASE/slashid.err" 'cannot name the runtime.s state directory' "the reason"
    cmp -s "$b2/config.json" "$CASE/b2.orig" || sk_fail "config.json changed by a create with id a/b"
    sk_assert_eq "$(find "$CASE/state" -mindepth 1 -maxdepth 1 -type d | wc -l)" 1 "state directories"
  fi
  sk_run delete sk_sk delete -f "$id"
  sk_assert_rc 0 "delete"
  sk_assert_unsupervised "$id" "$SK_SUP_IDENT" "after delete"
}

# ---------------------------------------------------------------------------
# 2. config.json a FIFO: refused at once (no writer ever comes), with why.

t_fifo() {
  local b t0 t1
  lo_init
  b=$(sk_bundle b) || sk_fail "bundle"
  rm -f "$b/config.json"
  mkfifo "$b/config.json"
  sk_new_id fifo
  t0=$(date +%s%N)
  SK_TIMEOUT=10 sk_run create sk_sk create --bundle "$b" "$SK_ID"
  t1=$(date +%s%N)
  [ "$SK_RC" != 124 ] || sk_fail "stockade create blocked on the FIFO until timeout killed it"
  sk_assert_rc_nonzero "create with a FIFO config.json"
  sk_assert_grep "$CASE/create.err" 'config.json is a FIFO, not a regular file' "the reason"
  sk_log "refused in $(((t1 - t0) / 1000000)) ms"
  [ $(((t1 - t0) / 1000000)) -lt 3000 ] || sk_fail "refusing took more than 3 s"
  [ -p "$b/config.json" ] || sk_fail "config.json is no longer the FIFO"
  sk_assert_state_empty "after the refusal"
}

# ---------------------------------------------------------------------------
# 3. `run` in the foreground leaves config.json as it was: plain runc or
# crun can run the bundle again (no dead listenerPath).

t_run_restores() {
  local b
  lo_init
  b=$(sk_bundle b '.process.args = ["probe", "status"]') || sk_fail "bundle"
  cp "$b/config.json" "$CASE/config.orig"
  sk_new_id fg
  sk_run run sk_sk run --bundle "$b" "$SK_ID"
  sk_assert_rc 0 "stockade run"
  sk_assert_grep "$CASE/run.out" '^Seccomp=2$' "the container ran hardened"
  cmp -s "$b/config.json" "$CASE/config.orig" || sk_fail "config.json differs from the original after run"
  sk_assert_state_empty "after run"
  sk_new_id plain
  sk_run plain sk_rt run --bundle "$b" "$SK_ID"
  sk_assert_rc 0 "plain $RT run of the same bundle"
  sk_assert_grep "$CASE/plain.out" '^Seccomp=0$' "the plain run is the engine's spec"
  # A config.json the engine replaces while the container runs (here a
  # createRuntime hook, on the host) is its own: not put back.
  b=$(sk_bundle b-replaced '.process.args = ["true"]
    | .hooks.createRuntime = [{path: "/bin/sh", args: ["sh", "-c", $s]}]' \
    --arg s "printf '{\"replaced\": true}\n' >$CASE/b-replaced/config.json.new && mv $CASE/b-replaced/config.json.new $CASE/b-replaced/config.json") ||
    sk_fail "bundle"
  sk_new_id replaced
  sk_run replaced sk_sk run --bundle "$b" "$SK_ID"
  sk_assert_rc 0 "stockade run (the hook replaces config.json)"
  sk_assert_eq "$(cat "$b/config.json")" '{"replaced": true}' "config.json after run (the engine's since, left as it is)"
  sk_assert_state_empty "after run with config.json replaced"
}

# ---------------------------------------------------------------------------
# 4. exec into a container that has stopped: the runtime's own error and
# status; no "supervisor gone" event (its supervisor ended with it).

t_exec_stopped() {
  local b id want n0
  lo_init
  b=$(sk_bundle b '.process.args = ["true"]') || sk_fail "bundle"
  sk_new_id stopped
  id=$SK_ID
  sk_run create sk_sk create --bundle "$b" "$id"
  sk_assert_rc 0 "create"
  sk_assert_supervised "$id" "$b"
  sk_run start sk_sk start "$id"
  sk_wait_status "$id" stopped 20 || sk_fail "the container did not stop"
  sk_wait_gone "$SK_SUP_IDENT" 10 || sk_fail "the supervisor outlived its container"
  sk_run plain sk_rt exec "$id" true
  want=$SK_RC
  [ "$want" != 0 ] || sk_fail "$RT itself ran an exec in a stopped container"
  n0=$(sk_events "$id" | wc -l)
  sk_run exec sk_sk exec "$id" true
  sk_assert_eq "$SK_RC" "$want" "stockade's status for exec in a stopped container (the runtime's)"
  sk_assert_no_grep "$CASE/exec.err" 'supervisor' "stockade's supervisor message"
  sk_assert_eq "$(sk_events "$id" | wc -l)" "$n0" "events of $id after the exec"
  sk_run delete sk_sk delete "$id"
  sk_assert_rc 0 "delete"
}

# ---------------------------------------------------------------------------
# 5. A create the runtime fails after stockade handed over to it (a bind
# source that does not exist: both runtimes fail at the mount): the
# runtime's error and status; the supervisor ends; the engine's delete
# then gets the runtime's answer ("does not exist"), and nothing of
# stockade's is left: no state, config.json as the engine wrote it.

t_runtime_failed_create() {
  local b want
  lo_init
  b=$(sk_bundle b '.process.args = ["sleep", "300"]
    | .mounts += [{destination: "/data", type: "bind", source: "/nonexistent-sk-source", options: ["rbind", "ro"]}]') ||
    sk_fail "bundle"
  cp "$b/config.json" "$CASE/orig.json"
  sk_new_id failed
  sk_run plain sk_rt create --bundle "$b" "$SK_ID"
  want=$SK_RC
  [ "$want" != 0 ] || sk_fail "$RT itself created a container with a bind source that does not exist"
  sk_run plaindel sk_rt delete "$SK_ID"
  sk_run create sk_sk create --bundle "$b" "$SK_ID"
  sk_assert_eq "$SK_RC" "$want" "stockade's status for the create the runtime fails (the runtime's)"
  sk_assert_grep "$CASE/create.err" 'nonexistent-sk-source' "the runtime's own message"
  sk_assert_eq "$(sk_state_status "$SK_ID")" absent "the container"
  sk_run delete sk_sk delete "$SK_ID"
  sk_assert_rc 1 "stockade delete after the failed create (the runtime's status: no such container)"
  sk_assert_state_empty "after delete"
  sk_assert_same "$b/config.json" "$CASE/orig.json" "config.json after delete"
}

sk_for_runtimes "leftovers: a create with an id in use or refused leaves nothing, the first container intact" t_duplicate
sk_for_runtimes "leftovers: a FIFO config.json is refused at once" t_fifo
sk_for_runtimes "leftovers: run in the foreground restores config.json" t_run_restores
sk_for_runtimes "leftovers: exec into a stopped container is the runtime's answer, no event" t_exec_stopped
sk_for_runtimes "leftovers: a create the runtime fails leaves nothing once the engine deletes it" t_runtime_failed_create
