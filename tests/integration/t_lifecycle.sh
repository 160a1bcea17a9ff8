#!/bin/bash
# shellcheck disable=SC2016 # jq filters and in-container scripts are single-quoted on purpose
# Lifecycle parity: the same sequence of runtime commands, once through the
# plain runtime and once through stockade, gives the same exit statuses and
# the same effects (container status, output). With crun's cgroup manager
# disabled some steps (pause, resume, ps) may fail: they must fail the same
# way through stockade.
. "$(dirname "$0")/lib.sh"

# lc_sequence RUNNER TAG: run the sequence with RUNNER (sk_rt or sk_sk) and
# write one line per step, "step rc=N effect", to $CASE/lc-TAG.txt.
lc_sequence() {
  local run=$1 tag=$2 b id rec=$CASE/lc-$2.txt
  b=$(sk_bundle "b-$tag" '.process.args=["sleep", "300"]') || sk_fail "bundle"
  sk_new_id "lc$tag"
  id=$SK_ID
  : >"$rec"
  step() { # NAME EFFECT-CMD -- ARGS...
    local name=$1 effect=$2
    shift 3
    sk_run "$tag-$name" "$run" "$@"
    echo "$name rc=$SK_RC $(eval "$effect")" | sed "s/ *$//" >>"$rec"
  }
  status() { echo "status=$(sk_state_status "$id")"; }
  out() { echo "out=$(tr '\n' ' ' <"$CASE/$tag-$name.out" | sed 's/ *$//')"; }

  step create status -- create --bundle "$b" "$id"
  step state 'echo "status=$(jq -r .status "$CASE/$tag-state.out" 2>/dev/null) own-id=$(jq -r --arg id "$id" ".id == \$id" "$CASE/$tag-state.out" 2>/dev/null)"' -- state "$id"
  step start status -- start "$id"
  step ps 'echo "sleep-listed=$(grep -c "sleep" "$CASE/$tag-ps.out")"' -- ps "$id"
  step exec out -- exec "$id" sh -c 'echo exec-ok'
  step exec-status out -- exec "$id" sh -c 'exit 3'
  step pause status -- pause "$id"
  step resume status -- resume "$id"
  step kill 'sk_wait_status "$id" stopped 10 >/dev/null 2>&1; status' -- kill "$id" KILL
  step delete status -- delete "$id"
  step state-after-delete 'echo' -- state "$id"
  step list 'echo "listed=$(grep -cx "$id" "$CASE/$tag-list.out")"' -- list -q
}

t_parity() {
  sk_config
  lc_sequence sk_rt plain
  lc_sequence sk_sk stockade
  sk_log "plain $RT:"
  sed 's/^/  /' "$CASE/lc-plain.txt" >&2
  sk_log "through stockade:"
  sed 's/^/  /' "$CASE/lc-stockade.txt" >&2
  if ! diff -u "$CASE/lc-plain.txt" "$CASE/lc-stockade.txt" >"$CASE/lc.diff"; then
    sed 's/^/  /' "$CASE/lc.diff" >&2
    sk_fail "exit statuses or effects differ between plain $RT and stockade (diff above)"
  fi
  # runc runs the whole sequence; check it did, so that parity cannot hide a
  # sequence where everything failed both ways.
  if [ "$RT" = runc ]; then
    cat >"$CASE/lc-expected.txt" <<'EOF'
create rc=0 status=created
state rc=0 status=created own-id=true
start rc=0 status=running
ps rc=0 sleep-listed=1
exec rc=0 out=exec-ok
exec-status rc=3 out=
pause rc=0 status=paused
resume rc=0 status=running
kill rc=0 status=stopped
delete rc=0 status=absent
state-after-delete rc=1
list rc=0 listed=0
EOF
    if ! diff -u "$CASE/lc-expected.txt" "$CASE/lc-plain.txt" >&2; then
      sk_fail "the plain runc sequence did not go as expected (diff above)"
    fi
  else
    grep -qx 'create rc=0 status=created' "$CASE/lc-plain.txt" || sk_fail "plain $RT create failed"
    grep -qx 'start rc=0 status=running' "$CASE/lc-plain.txt" || sk_fail "plain $RT start failed"
  fi
  # stockade kept state for the container while it existed and removed it
  # on delete.
  sk_assert_eq "$(find "$CASE/state" -name config.orig.json 2>/dev/null)" "" \
    "stockade's state after delete"
}

sk_for_runtimes "lifecycle: create/state/start/ps/exec/pause/resume/kill/delete parity with the plain runtime" t_parity
