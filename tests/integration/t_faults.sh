#!/bin/bash
# shellcheck disable=SC2016 # jq filters and in-container scripts are single-quoted on purpose
# Faults: what stockade does when something around it breaks while a
# container is being created or runs. Each case injects one fault into a
# real container under runc and crun and checks that the container stays
# protected (fail closed), that the fault is reported, and that
# `stockade delete` leaves nothing behind. (The supervisor killed with
# SIGKILL is also in t_supervisor.sh, which checks that execs then fail
# with ENOSYS; here: what the operator sees of it.)
. "$(dirname "$0")/lib.sh"

# ---------------------------------------------------------------------------
# Case helpers

# fx_init: the case's config (events never rate-limited) and a
# cleanup that also ends supervisors, unmounts what the case mounted
# ($CASE/mounts) and removes cgroups a killed runtime left ($CASE/cgroups).
fx_init() {
  trap 'sk_cleanup_containers; sk_cleanup_supervisors; fx_cleanup' EXIT
  sk_config '.eventRate=100000 | .eventBurst=100000'
}

fx_cleanup() {
  local m p
  if [ -f "$CASE/mounts" ]; then
    while read -r m; do umount -l "$m" 2>/dev/null; done <"$CASE/mounts"
  fi
  if [ -f "$CASE/pids" ]; then
    while read -r p; do kill -KILL "$p" 2>/dev/null; done <"$CASE/pids"
  fi
  if [ -f "$CASE/cgroups" ]; then
    while read -r p; do
      find /sys/fs/cgroup -maxdepth 2 -type d -name "$p" -exec rmdir {} \; 2>/dev/null
    done <"$CASE/cgroups"
  fi
  return 0
}

# fx_run_d BUNDLE TAG: `stockade run -d`, supervised. Sets FX_ID, FX_IDENT.
fx_run_d() {
  sk_new_id "$2"
  FX_ID=$SK_ID
  sk_run "run-$2" sk_sk run -d --bundle "$1" "$FX_ID"
  sk_assert_rc 0 "stockade run -d"
  sk_assert_supervised "$FX_ID" "$1"
  FX_IDENT=$SK_SUP_IDENT
}

# fx_assert_nothing_left ID WHAT [BUNDLE ORIGINAL-CONFIG]: after delete:
# no state, no stockade process of the case, no process whose root or cwd
# is in the case, no mount under it, no cgroup named after the container,
# the runtime knows no container, and the bundle's config.json is the
# original byte for byte.
fx_assert_nothing_left() {
  local id=$1 what=$2 p left='' cg
  sk_assert_eq "$(sk_state_status "$id")" absent "$what: the runtime's state of $id"
  sk_assert_state_empty "$what"
  sk_assert_no_stockade "$what"
  for p in /proc/[0-9]*; do
    if [[ $(readlink "$p/root" 2>/dev/null) == "$CASE"* || $(readlink "$p/cwd" 2>/dev/null) == "$CASE"* ]]; then
      [ "${p#/proc/}" = "$BASHPID" ] || left="$left ${p#/proc/}:$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)"
    fi
  done
  [ -z "$left" ] || sk_fail "$what: processes in the container's root are left:$left"
  ! grep -F -- " $CASE" /proc/self/mountinfo >/dev/null || sk_fail "$what: a mount under the case is left: $(grep -F -- " $CASE" /proc/self/mountinfo | head -n 1)"
  cg=$(find /sys/fs/cgroup -maxdepth 2 -type d -name "$id" 2>/dev/null | head -n 3 | tr '\n' ' ')
  [ -z "$cg" ] || sk_fail "$what: cgroups of $id are left: $cg"
  [ -z "${3:-}" ] || sk_assert_same "$3/config.json" "$4" "$what: the bundle's config.json is the original"
}

# ---------------------------------------------------------------------------
# 1. the supervisor killed: stockade exec refuses in every form and says
# why; the event says so and `stockadectl events` shows it; delete tidies.

t_sup_gone() {
  local b pid
  fx_init
  b=$(sk_bundle b '.process.args = ["sleep", "300"]') || sk_fail "bundle"
  cp "$b/config.json" "$CASE/config.orig"
  fx_run_d "$b" gone
  pid=$SK_SUP_PID
  kill -KILL "$pid"
  sk_wait_gone "$FX_IDENT" 5 || sk_fail "supervisor $pid survived SIGKILL"
  # --process FILE: the other form of exec, refused the same way
  jq -n '{args: ["probe", "exec", "/bin/sktrue"], cwd: "/", env: ["PATH=/bin"], user: {uid: 65534, gid: 65534}}' \
    >"$CASE/process.json"
  sk_run exec-p sk_sk exec --process "$CASE/process.json" "$FX_ID"
  sk_assert_rc_nonzero "stockade exec --process into a container whose supervisor is gone"
  sk_assert_no_grep "$CASE/exec-p.out" '^exec=OK$' "a program ran without a supervisor"
  sk_assert_grep "$CASE/exec-p.err" "its supervisor \(pid $pid\) is gone.*ENOSYS" "stockade exec --process says why"
  sk_assert_event "$FX_ID" 'select(.type == "supervisor" and .details.event == "gone")' "event supervisor/gone"
  sk_run ctl-events env STOCKADE_CONFIG="$CASE/stockade.json" "$SK_BUILD/stockadectl" events --container "$FX_ID"
  sk_assert_rc 0 "stockadectl events"
  # stockadectl shows the first 12 characters of the id
  sk_assert_grep "$CASE/ctl-events.out" "${FX_ID:0:12} +supervisor +gone" "stockadectl events shows the supervisor's death"
  sk_assert_grep "$CASE/ctl-events.out" "pid $pid is gone" "stockadectl events names the dead supervisor"
  # state and list pass through unchanged (the runtime's answer)
  sk_assert_eq "$(sk_sk state "$FX_ID" | jq -r .status)" running "stockade state of the container"
  sk_run delete sk_sk delete -f "$FX_ID"
  sk_assert_rc 0 "stockade delete -f"
  fx_assert_nothing_left "$FX_ID" "after delete" "$b" "$CASE/config.orig"
}

# ---------------------------------------------------------------------------
# 2. the runtime killed in the middle of create: a createRuntime hook
# (run by the runtime itself, after it made the container's namespaces and
# cgroups, before the container's process is set up) blocks, and the
# runtime is killed there.

t_runtime_killed() {
  local b id cpid rt_pid rc
  fx_init
  b=$(sk_bundle b '.process.args = ["sleep", "300"] | .hooks.createRuntime = [{path: "/bin/sh", args: ["sh", "-c", $s]}]' \
    --arg s "echo \$PPID >$CASE/hook.ppid; echo \$\$ >>$CASE/pids; exec sleep 60") || sk_fail "bundle"
  cp "$b/config.json" "$CASE/config.orig"
  sk_new_id killed
  id=$SK_ID
  echo "$id" >>"$CASE/cgroups"
  sk_sk create --bundle "$b" "$id" >"$CASE/create.out" 2>"$CASE/create.err" &
  cpid=$!
  sk_wait_grep "$CASE/hook.ppid" '^[0-9]+$' 20 || sk_fail "the createRuntime hook never ran: $(cat "$CASE/create.err")"
  rt_pid=$(cat "$CASE/hook.ppid")
  # (the command line: crun runs from a memfd copy of itself)
  [ "$(tr '\0' '\n' <"/proc/$rt_pid/cmdline" | head -n 1)" = "$(sk_rt_path "$RT")" ] ||
    sk_fail "the hook's parent $rt_pid is not $RT: $(tr '\0' ' ' <"/proc/$rt_pid/cmdline")"
  sk_log "killing $RT (pid $rt_pid) in the middle of create"
  kill -KILL "$rt_pid"
  wait "$cpid"
  rc=$?
  sk_log "create: exit $rc; $(tr '\n' ' ' <"$CASE/create.err")"
  [ "$rc" != 0 ] || sk_fail "stockade create succeeded although the runtime was killed"
  sk_assert_ne "$(sk_state_status "$id")" running "the container after its create was killed"
  while read -r rt_pid; do kill -KILL "$rt_pid" 2>/dev/null; done <"$CASE/pids"
  sk_run delete sk_sk delete --force "$id"
  sk_assert_rc 0 "stockade delete --force after the aborted create"
  fx_assert_nothing_left "$id" "after delete --force of an aborted create" "$b" "$CASE/config.orig"
}

# ---------------------------------------------------------------------------
# 3. ENOSPC while the hardened config.json is written: the bundle on a
# small tmpfs, filled up. The original fits; the hardened spec does not.

t_enospc() {
  local b small left
  fx_init
  b=$(sk_bundle b '.process.args = ["sleep", "300"]') || sk_fail "bundle"
  small=$CASE/small
  mkdir -p "$small"
  mount -t tmpfs -o size=64k,mode=0755 sk-fault-enospc "$small" || sk_skip "cannot mount a tmpfs (mount -t tmpfs)"
  echo "$small" >>"$CASE/mounts"
  jq --arg r "$b/rootfs" '.root.path = $r' "$b/config.json" >"$small/config.json"
  cp "$small/config.json" "$CASE/config.orig"
  dd if=/dev/zero of="$small/fill" bs=4k 2>/dev/null
  sk_log "tmpfs: $(df -k "$small" | tail -n 1)"
  sk_new_id enospc
  sk_run create sk_sk create --bundle "$small" "$SK_ID"
  sk_assert_rc_nonzero "stockade create with no room for the hardened config.json"
  sk_assert_grep "$CASE/create.err" "$small/config.json.*(No space left on device|unchanged)" \
    "the error names the spec file"
  sk_assert_grep "$CASE/create.err" "No space left on device" "the error says why"
  sk_assert_no_placeholders "$CASE/create.err" "the error"
  sk_assert_same "$small/config.json" "$CASE/config.orig" "config.json after the failed write"
  left=$(find "$small" -mindepth 1 ! -name config.json ! -name fill)
  [ -z "$left" ] || sk_fail "files left in the bundle: $left"
  umount "$small" || sk_fail "cannot unmount $small"
  fx_assert_nothing_left "$SK_ID" "after the refused create"
}

# ---------------------------------------------------------------------------
# 4. the event file cannot be written (a directory in its place): decisions
# are unchanged, each lost event is logged in supervisor.log, and the first
# event written again says how many were lost.

t_event_unwritable() {
  local b lost
  fx_init
  mkdir "$CASE/events.json"
  b=$(sk_bundle b '.process.args = ["sleep", "300"]') || sk_fail "bundle"
  fx_run_d "$b" evfile
  sk_run memfd1 sk_sk exec "$FX_ID" exectest memfd /bin/sktrue
  sk_assert_rc 0 "stockade exec exectest memfd"
  sk_assert_kv "$CASE/memfd1.out" memfd-execveat EPERM "a fileless exec with no event file to write to"
  sk_assert_kv "$CASE/memfd1.out" memfd-fexecve EPERM "fexecve with no event file to write to"
  sk_wait_grep "$SK_SUP_DIR/supervisor.log" "event lost \([0-9]+ since the last written\): cannot open the event file $CASE/events.json" 5 ||
    sk_fail "supervisor.log does not report the lost events: $(tail -n 3 "$SK_SUP_DIR/supervisor.log")"
  rmdir "$CASE/events.json"
  sk_run memfd2 sk_sk exec "$FX_ID" exectest memfd /bin/sktrue
  sk_assert_kv "$CASE/memfd2.out" memfd-execveat EPERM "a fileless exec once the event file is writable again"
  sk_assert_event "$FX_ID" 'select(.details.lost)' "an event carries the count of lost events"
  lost=$(jq -r .details.lost <<<"$SK_EVENT")
  # at least the supervisor's "started" line and the two fileless denials
  [ "$lost" -ge 3 ] || sk_fail "\"lost\": $lost, expected at least 3 (started, execveat, fexecve)"
  sk_run delete sk_sk delete -f "$FX_ID"
  sk_assert_rc 0 "stockade delete -f"
  sk_assert_unsupervised "$FX_ID" "$FX_IDENT" "after delete"
}

# ---------------------------------------------------------------------------
# 5. the profile file edited or removed after create: exec enforces the
# profile the container was created with (saved in the state) and says so.

t_profile_changed() {
  local b d
  fx_init
  d=$(sk_profile_dir)
  jq '.name = "pc"' "$d/default.json" >"$d/pc.json"
  b=$(sk_bundle b '.process.args = ["sleep", "300"] | .annotations["stockade.io/profile"] = "pc"') || sk_fail "bundle"
  fx_run_d "$b" pc
  # loosened: the file now grants CAP_SYS_ADMIN and root
  jq '.capabilities = ["CAP_SYS_ADMIN"] | .allowRoot = true' "$d/pc.json" >"$d/pc.json.new" && mv "$d/pc.json.new" "$d/pc.json"
  # The note goes to the --log file (an exec's stderr is the workload's);
  # the refusal to stderr as well.
  sk_run cap sk_sk --log "$CASE/cap.log" exec --cap CAP_SYS_ADMIN "$FX_ID" true
  sk_assert_rc_nonzero "exec --cap CAP_SYS_ADMIN after the profile file was loosened"
  sk_assert_grep "$CASE/cap.err" 'SK-CAP-DANGEROUS: --cap CAP_SYS_ADMIN is outside profile "pc"' "the refusal"
  sk_assert_grep "$CASE/cap.log" "profile file $d/pc.json changed since the container was created; enforcing the profile it was created with" \
    "exec says which profile it enforces"
  # corrupted, then removed: exec still works, under the saved profile
  printf '{"name": "pc", "capabilities": [' >"$d/pc.json"
  sk_run corrupt sk_sk --log "$CASE/corrupt.log" exec "$FX_ID" id -u
  sk_assert_rc 0 "exec after the profile file was corrupted"
  sk_assert_eq "$(cat "$CASE/corrupt.out")" 65534 "the exec'd process's uid (the saved profile's user)"
  sk_assert_grep "$CASE/corrupt.log" "profile file $d/pc.json changed since the container was created" "exec says so"
  sk_assert_eq "$(cat "$CASE/corrupt.err")" "" "nothing of stockade's on the exec's stderr"
  rm -f "$d/pc.json"
  sk_run removed sk_sk --log "$CASE/removed.log" exec "$FX_ID" exectest memfd /bin/sktrue
  sk_assert_rc 0 "exec after the profile file was removed"
  sk_assert_kv "$CASE/removed.out" memfd-execveat EPERM "the supervisor still denies a fileless exec"
  sk_assert_grep "$CASE/removed.log" "profile file $d/pc.json cannot be read .*enforcing the profile the container was created with" \
    "exec says so"
  sk_run delete sk_sk delete -f "$FX_ID"
  sk_assert_rc 0 "stockade delete -f"
  sk_assert_unsupervised "$FX_ID" "$FX_IDENT" "after delete"
}

# ---------------------------------------------------------------------------
# 6. stockade's state directory removed while the container runs: exec is
# refused (no profile to enforce), delete still removes the container, and
# the supervisor goes with it.

t_state_removed() {
  local b
  fx_init
  b=$(sk_bundle b '.process.args = ["sleep", "300"]') || sk_fail "bundle"
  fx_run_d "$b" nostate
  rm -rf "$SK_SUP_DIR"
  sk_run exec sk_sk exec "$FX_ID" probe exec /bin/sktrue
  sk_assert_rc_nonzero "stockade exec without state"
  sk_assert_no_grep "$CASE/exec.out" '^exec=OK$' "a program ran in a container stockade has no state for"
  sk_assert_grep "$CASE/exec.err" "refusing exec in \"$FX_ID\": stockade has no state for it" "the refusal says why"
  sk_assert_eq "$(sk_state_status "$FX_ID")" running "the container keeps running"
  sk_run delete sk_sk delete -f "$FX_ID"
  sk_assert_rc 0 "stockade delete -f without state"
  sk_assert_no_grep "$CASE/delete.err" 'warning|error' "delete without state: no warning"
  sk_wait_gone "$FX_IDENT" 5 || sk_fail "the supervisor still runs after its container was deleted"
  fx_assert_nothing_left "$FX_ID" "after delete"
}

sk_for_runtimes "faults: supervisor killed: exec refused in every form, reported by stockadectl events" t_sup_gone
sk_for_runtimes "faults: runtime killed mid-create: delete --force leaves nothing, config.json restored" t_runtime_killed
sk_for_runtimes "faults: ENOSPC writing config.json: refused, file unchanged, nothing left" t_enospc
sk_for_runtimes "faults: event file unwritable: still enforced, losses logged and counted" t_event_unwritable
sk_for_runtimes "faults: profile file changed or removed: exec enforces the saved profile" t_profile_changed
sk_for_runtimes "faults: state dir removed: exec refused, delete cleans up" t_state_removed
