#!/bin/bash
# shellcheck disable=SC2016 # jq filters are single-quoted on purpose
# Load: many supervised containers started at once, each with parallel
# exec storms (half allowed, half denied by the exec allow-list), then:
# no hang (every phase within a deadline), every denial has exactly its
# event (nothing rate-limited, nothing lost) and the supervisors' own
# counters agree, no supervisor holds a descriptor after the storms that it
# did not hold before, every supervisor ends with its container, and no
# process, mount, cgroup or state file is left.
#
# `make check` runs a short version; `make stress` (scripts/stress.sh)
# the full one. Knobs (environment):
#   ST_N          containers per runtime (default 6)
#   ST_STORMS     parallel storms per container (default 2; even: half deny)
#   ST_EXECS      execs per storm (default 20)
#   ST_DEADLINE   seconds each phase may take (default 120)
. "$(dirname "$0")/lib.sh"

ST_N=${ST_N:-6}
ST_STORMS=${ST_STORMS:-2}
ST_EXECS=${ST_EXECS:-20}
ST_DEADLINE=${ST_DEADLINE:-120}

st_now() { date +%s.%N; }
st_secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# st_wait_all PHASE: wait for every background job of the phase, failing
# the case when one is still running after the deadline (a hang).
st_wait_all() {
  local phase=$1 end=$((SECONDS + ST_DEADLINE)) p
  for p in "${ST_PIDS[@]}"; do
    while kill -0 "$p" 2>/dev/null; do
      [ $SECONDS -lt $end ] || sk_fail "$phase: still running after ${ST_DEADLINE} s (a hang): pid $p"
      sleep 0.1
    done
    wait "$p" 2>/dev/null
  done
  ST_PIDS=()
}

# st_fds PID: the number of descriptors a process holds.
st_fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

t_stress() {
  local i j b t0 t1 t2 t3 t4 ids=() sup=() fd0=() n d want_deny stop f total_ok=0 total_denied=0 total_ev=0
  local half=$((ST_STORMS / 2))
  trap 'sk_cleanup_containers; sk_cleanup_supervisors' EXIT
  [ "$ST_STORMS" -ge 2 ] || sk_fail "ST_STORMS must be at least 2 (half of the storms are denied)"
  sk_config '.eventRate = 1000000 | .eventBurst = 1000000'
  d=$(sk_profile_dir)
  jq '.name = "stress" | .exec = {allow: ["/bin/*"]}' "$d/default.json" >"$d/stress.json"
  # One read-only rootfs for every container, with a program outside the
  # allow-list (an image file: denied by path, deterministically EPERM).
  mkdir -p "$CASE/rootfs"
  cp -a "$SK_RUN_DIR/rootfs/." "$CASE/rootfs/"
  mkdir -p "$CASE/rootfs/opt/deny"
  cp "$SK_HELPERS/sktrue" "$CASE/rootfs/opt/deny/no"
  chmod 0755 "$CASE/rootfs/opt/deny/no"
  for ((i = 0; i < ST_N; i++)); do
    sk_new_id "st$i"
    ids+=("$SK_ID")
    b=$CASE/b$i
    mkdir -p "$b"
    jq --arg r "$CASE/rootfs" '.root.path = $r | .root.readonly = true | .process.args = ["sleep", "600"]
      | .annotations["stockade.io/profile"] = "stress"' "$SK_RUN_DIR/config.base.json" >"$b/config.json" ||
      sk_fail "bundle $i"
  done

  # 1. start every container at once
  t0=$(st_now)
  ST_PIDS=()
  for ((i = 0; i < ST_N; i++)); do
    sk_sk run -d --bundle "$CASE/b$i" "${ids[i]}" </dev/null >"$CASE/run$i.out" 2>"$CASE/run$i.err" &
    ST_PIDS+=($!)
  done
  st_wait_all "start"
  t1=$(st_now)
  for ((i = 0; i < ST_N; i++)); do
    [ "$(sk_state_status "${ids[i]}")" = running ] ||
      sk_fail "container $i (${ids[i]}) is $(sk_state_status "${ids[i]}") after run -d: $(cat "$CASE/run$i.err")"
    SK_SUP_DIR=$(sk_sup_dir "${ids[i]}")
    sup+=("$(tr -dc '0-9' <"$SK_SUP_DIR/sup.pid")")
    fd0+=("$(st_fds "${sup[i]}")")
  done

  # 2. the storms: every container, every storm, all at once
  ST_PIDS=()
  for ((i = 0; i < ST_N; i++)); do
    for ((j = 0; j < ST_STORMS; j++)); do
      if [ $j -lt "$half" ]; then f=/bin/sktrue; else f=/opt/deny/no; fi
      sk_sk exec "${ids[i]}" exectest execloop "$ST_EXECS" "$f" </dev/null >"$CASE/s$i.$j.out" 2>"$CASE/s$i.$j.err" &
      ST_PIDS+=($!)
    done
  done
  st_wait_all "storms"
  t2=$(st_now)

  # 3. what every storm got
  for ((i = 0; i < ST_N; i++)); do
    for ((j = 0; j < ST_STORMS; j++)); do
      f=$CASE/s$i.$j.out
      sk_assert_kv "$f" execloop-n "$ST_EXECS" "container $i storm $j: execs done ($(cat "$CASE/s$i.$j.err"))"
      if [ $j -lt "$half" ]; then
        sk_assert_kv "$f" execloop-errors 0 "container $i storm $j (allowed program): failed execs"
        total_ok=$((total_ok + ST_EXECS))
      else
        sk_assert_kv "$f" execloop-errors "$ST_EXECS" "container $i storm $j (program outside the allow-list): failed execs"
        sk_assert_kv "$f" execloop-first-error EPERM "container $i storm $j: the denial"
        total_denied=$((total_denied + ST_EXECS))
      fi
    done
  done

  # 4. every denial has its event, none dropped or lost; supervisors hold
  # no descriptor more than before the storms (each exec's listener is
  # closed when its process is gone: give them a moment to see the hangup)
  want_deny=$(((ST_STORMS - half) * ST_EXECS))
  jq -s -c 'map(select(.container.id != null)) | group_by(.container.id)[] | {c: .[0].container.id,
      deny: map(select(.decision == "deny" and .type != "spec-finding")) | length,
      denyno: map(select(.decision == "deny" and .process.path == "/opt/deny/no")) | length,
      dropped: (map(.details.dropped // 0) | add), lost: (map(.details.lost // 0) | add)}' "$CASE/events.json" >"$CASE/counts" ||
    sk_fail "the event file is not JSON lines"
  for ((i = 0; i < ST_N; i++)); do
    n=$(jq -r --arg c "${ids[i]}" 'select(.c == $c) | "\(.deny) \(.denyno) \(.dropped) \(.lost)"' "$CASE/counts")
    [ "$n" = "$want_deny $want_deny 0 0" ] ||
      sk_fail "container $i: deny events, those of /opt/deny/no, dropped, lost = \"$n\", expected \"$want_deny $want_deny 0 0\""
    total_ev=$((total_ev + want_deny))
    n=0
    while [ "$(st_fds "${sup[i]}")" -gt "${fd0[i]}" ] && [ $n -lt 50 ]; do
      sleep 0.1
      n=$((n + 1))
    done
    [ "$(st_fds "${sup[i]}")" -le "${fd0[i]}" ] ||
      sk_fail "container $i: supervisor ${sup[i]} holds $(st_fds "${sup[i]}") descriptors after the storms, ${fd0[i]} before"
  done

  # 5. delete every container at once
  t3=$(st_now)
  ST_PIDS=()
  for ((i = 0; i < ST_N; i++)); do
    sk_sk delete -f "${ids[i]}" </dev/null >"$CASE/del$i.out" 2>"$CASE/del$i.err" &
    ST_PIDS+=($!)
  done
  st_wait_all "delete"
  t4=$(st_now)
  for ((i = 0; i < ST_N; i++)); do
    sk_assert_eq "$(sk_state_status "${ids[i]}")" absent "container $i after delete"
    # the supervisor's own count agrees: the stop event, written on its way out
    stop=$(sk_events "${ids[i]}" 'select(.type == "supervisor" and .details.event == "stopped") | .message')
    [[ $stop =~ \(([0-9]+)\ denied\)\ and\ [0-9]+\ exec\ opens\ \(([0-9]+)\ denied\) ]] ||
      sk_fail "container $i: no stop event with counts: \"$stop\""
    [ $((BASH_REMATCH[1] + BASH_REMATCH[2])) = "$want_deny" ] ||
      sk_fail "container $i: the supervisor counted $((BASH_REMATCH[1] + BASH_REMATCH[2])) denials, expected $want_deny: $stop"
  done
  sk_assert_state_empty "after every container was deleted"
  sk_assert_no_stockade "after every container was deleted"
  n=$(find /sys/fs/cgroup -maxdepth 2 -type d -name "sk-test-$BASHPID-*" 2>/dev/null | head -n 3)
  [ -z "$n" ] || sk_fail "cgroups left: $n"
  ! grep -F -- " $CASE" /proc/self/mountinfo >/dev/null || sk_fail "mounts left under the case"

  printf 'stress [%s]: %d containers, %d storms x %d execs each (%d allowed, %d denied)\n' "$RT" "$ST_N" \
    "$ST_STORMS" "$ST_EXECS" "$total_ok" "$total_denied" | tee -a "$SK_RUN_DIR/stress.txt" >&2
  printf 'stress [%s]: start %s s, storms %s s (%s execs/s through stockade exec and the supervisor), delete %s s; %d deny events, 0 dropped, 0 lost; leftovers 0\n' \
    "$RT" "$(st_secs "$t0" "$t1")" "$(st_secs "$t1" "$t2")" \
    "$(awk -v n=$((total_ok + total_denied)) -v a="$t1" -v b="$t2" 'BEGIN { printf "%.0f", n / (b - a) }')" \
    "$(st_secs "$t3" "$t4")" "$total_ev" | tee -a "$SK_RUN_DIR/stress.txt" >&2
}

sk_for_runtimes "stress: $ST_N containers x $ST_STORMS storms x $ST_EXECS execs: no hang, every denial an event, nothing left" t_stress
[ ! -f "$SK_RUN_DIR/stress.txt" ] || sed 's/^/# /' "$SK_RUN_DIR/stress.txt"
rm -f "$SK_RUN_DIR/stress.txt"
