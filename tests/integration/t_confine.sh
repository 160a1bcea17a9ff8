#!/bin/bash
# shellcheck disable=SC2016 # jq filters and in-container scripts are single-quoted on purpose
# The supervisor confines itself (docs/security.md, "The supervisor
# confines itself"): from outside, its /proc/<pid>/status shows
# no_new_privs, a seccomp filter and only the capabilities it keeps; and a
# syscall its filter forbids kills it (SIGSYS), after which the container
# fails closed. The forbidden syscall is made on demand by the test build
# $(B)/stockade-testhooks only (SIGUSR2; see the Makefile): the production
# binary has no such code, which the first case checks too.
. "$(dirname "$0")/lib.sh"

# CAP_DAC_READ_SEARCH (2), CAP_KILL (5), CAP_SYS_PTRACE (19), CAP_SYS_ADMIN (21)
CF_CAPS=0000000000280024

cf_init() {
  trap 'sk_cleanup_containers; sk_cleanup_supervisors; SK_BIN=$SK_BUILD/stockade-testhooks sk_cleanup_supervisors; cf_end_reaper' EXIT
  sk_config '.eventRate=100000 | .eventBurst=100000'
}

CF_REAPER=
cf_end_reaper() {
  [ -n "$CF_REAPER" ] && kill "$CF_REAPER" 2>/dev/null
  return 0
}

# cf_status_field PID KEY: a field of /proc/PID/status.
cf_status_field() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

t_status() {
  local b
  cf_init
  [ "$(grep -c 'test hook' "$SK_BIN")" = 0 ] || sk_fail "the production binary $SK_BIN carries the test hook"
  b=$(sk_bundle b '.process.args = ["sleep", "300"]') || sk_fail "bundle"
  # An execute-only program: the supervisor, without CAP_DAC_OVERRIDE,
  # still gets it from fanotify to judge (the kernel opens it for the
  # fanotify group, whose credentials are create's).
  cp "$SK_HELPERS/sktrue" "$b/rootfs/bin/xonly" && chmod 0111 "$b/rootfs/bin/xonly"
  # Its ctime must be before the container's start (coarse clock ticks are
  # a few ms), or it is drift, written after the start.
  sleep 0.1
  sk_new_id status
  sk_run run sk_sk run -d --bundle "$b" "$SK_ID"
  sk_assert_rc 0 "stockade run -d"
  sk_assert_supervised "$SK_ID" "$b"
  # Confined, it still does its work.
  sk_run exec-ok sk_sk exec "$SK_ID" probe exec /bin/sktrue
  sk_assert_kv "$CASE/exec-ok.out" exec OK "an allowed exec under the confined supervisor"
  sk_run exec-xonly sk_sk exec "$SK_ID" probe exec /bin/xonly
  sk_assert_kv "$CASE/exec-xonly.out" exec OK "an execute-only program (mode 0111) under the confined supervisor"
  sk_log "supervisor $SK_SUP_PID: $(grep -E '^(NoNewPrivs|Seccomp|Cap)' "/proc/$SK_SUP_PID/status" | tr '\n\t' '  ')"
  sk_assert_eq "$(cf_status_field "$SK_SUP_PID" NoNewPrivs)" 1 "supervisor NoNewPrivs"
  sk_assert_eq "$(cf_status_field "$SK_SUP_PID" Seccomp)" 2 "supervisor Seccomp (2: filter)"
  sk_assert_eq "$(cf_status_field "$SK_SUP_PID" CapEff)" "$CF_CAPS" "supervisor CapEff"
  sk_assert_eq "$(cf_status_field "$SK_SUP_PID" CapPrm)" "$CF_CAPS" "supervisor CapPrm"
  sk_assert_eq "$(cf_status_field "$SK_SUP_PID" CapBnd)" "$CF_CAPS" "supervisor CapBnd"
  sk_assert_eq "$(cf_status_field "$SK_SUP_PID" CapInh)" 0000000000000000 "supervisor CapInh"
  sk_assert_eq "$(cf_status_field "$SK_SUP_PID" CapAmb)" 0000000000000000 "supervisor CapAmb"
}

t_forbidden() {
  local b pid tick reaped
  cf_init
  [ -x "$SK_BUILD/stockade-testhooks" ] || sk_fail "$SK_BUILD/stockade-testhooks missing (make $SK_BUILD/stockade-testhooks)"
  [ -x "$SK_HELPERS/subreaper" ] || sk_fail "$SK_HELPERS/subreaper missing (make helpers)"
  b=$(sk_bundle b '.process.args = ["exectest", "tick", "/tmp/tick", "/bin/sktrue"]') || sk_fail "bundle"
  sk_new_id forbidden
  reaped=$CASE/reaped
  # Under a subreaper, which reaps the supervisor (the child of create's
  # caller, the subreaper's once that has gone) and says how it ended.
  export CASE RT
  "$SK_HELPERS/subreaper" "$reaped" bash -c '. "$1"; SK_BIN=$2; shift 2; sk_sk "$@"' _ \
    "$SK_REPO/tests/integration/lib.sh" "$SK_BUILD/stockade-testhooks" run -d --bundle "$b" "$SK_ID" \
    >"$CASE/run.out" 2>"$CASE/run.err" </dev/null &
  CF_REAPER=$!
  sk_wait_status "$SK_ID" running 20 || sk_fail "the container did not start: $(cat "$CASE/run.err")"
  sk_assert_supervised "$SK_ID" "$b"
  pid=$(sk_rt state "$SK_ID" | jq -r .pid)
  tick=/proc/$pid/root/tmp/tick
  sk_wait_grep "$tick" '^exec=OK$' 10 || sk_fail "the ticking process cannot exec while supervised: $(cat "$tick" 2>&1)"
  sk_assert_eq "$(cf_status_field "$SK_SUP_PID" Seccomp)" 2 "the test build's supervisor is confined too"
  kill -USR2 "$SK_SUP_PID"
  sk_wait_gone "$SK_SUP_IDENT" 5 || sk_fail "supervisor $SK_SUP_PID survived its forbidden execve"
  sk_wait_grep "$reaped" "^pid=$SK_SUP_PID " 5 || sk_fail "the subreaper did not reap supervisor $SK_SUP_PID: $(cat "$reaped")"
  sk_log "reaped: $(tr '\n' ' ' <"$reaped")"
  sk_assert_grep "$reaped" "^pid=$SK_SUP_PID signal=31\$" "the supervisor died of SIGSYS (31)"
  sk_assert_grep "$SK_SUP_DIR/supervisor.log" 'test hook: the supervisor calls execve' "the hook ran"
  sk_assert_no_grep "$SK_SUP_DIR/supervisor.log" 'execve returned' "execve came back to the supervisor"
  # Fail closed: a running process can no longer exec, and neither can a
  # new one through the runtime.
  sk_wait_grep "$tick" '^exec=ENOSYS$' 10 ||
    sk_fail "after the supervisor died, a new exec got \"$(sk_kv "$tick" exec)\", expected ENOSYS"
  sk_assert_eq "$(sk_state_status "$SK_ID")" running "the container after its supervisor died"
  sk_run exec-after sk_sk exec "$SK_ID" probe exec /bin/sktrue
  sk_assert_rc_nonzero "stockade exec into the container whose supervisor is gone"
  sk_assert_no_grep "$CASE/exec-after.out" '^exec=OK$' "stockade exec without a supervisor ran a program"
  sk_assert_grep "$CASE/exec-after.err" "^stockade: exec in \"$SK_ID\": its supervisor \(pid $SK_SUP_PID\) is gone" \
    "stockade exec says the supervisor is gone"
}

# Events to syslog from the confined supervisor (socket(AF_UNIX) and
# sendto are on its list; a syslog daemon stand-in receives them).
t_syslog() {
  local b sink
  cf_init
  sink=$CASE/syslog.sock
  "$SK_HELPERS/dgramsink" "$sink" "$CASE/syslog.out" 30 &
  CF_REAPER=$!
  sk_config_edit '.syslog = $s' --arg s "$sink"
  b=$(sk_bundle b '.process.args = ["sh", "-c", "exectest memfd /bin/sktrue; echo done=1; exec sleep 300"]') || sk_fail "bundle"
  sk_new_id syslog
  sk_run run sk_sk run -d --bundle "$b" "$SK_ID"
  sk_assert_rc 0 "stockade run -d"
  sk_assert_supervised "$SK_ID" "$b"
  sk_wait_grep "$CASE/syslog.out" '"type":"fileless"' 10 ||
    sk_fail "no fileless event reached syslog from the confined supervisor: $(head -c 600 "$CASE/syslog.out" 2>&1)"
  sk_assert_eq "$(cf_status_field "$SK_SUP_PID" Seccomp)" 2 "the supervisor that sent it is confined"
  sk_assert_grep "$CASE/syslog.out" '^<[0-9]+>1 ' "RFC 5424 syslog lines"
}

# Where the supervisor lives: create forks it as a child of create's own
# caller (clone CLONE_PARENT), not through a middle process; it leads a
# session of its own. The caller here is a shell that stays after create
# (the engine's shim or conmon would), so the parent is seen before
# anything reparents it. And create run as pid 1 of a PID namespace, where
# the kernel refuses CLONE_PARENT, still starts its supervisor (a double
# fork): the runtime is sktiny, which only exits.
cf_caller_end() {
  [ -n "${CF_CALLER:-}" ] && kill "$CF_CALLER" 2>/dev/null
  return 0
}

t_process() {
  local b ppid sid rc
  cf_init
  trap 'sk_cleanup_containers; sk_cleanup_supervisors; cf_caller_end' EXIT
  b=$(sk_bundle b '.process.args = ["sleep", "300"]') || sk_fail "bundle"
  sk_new_id proc
  if [ "$RT" = crun ] && [ "$SK_CGROUP_LAYOUT" = hybrid ]; then
    STOCKADE_CONFIG=$CASE/stockade.json unshare -m sh -c \
      'umount -l /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup && "$@"; echo "rc=$?"; exec sleep 120' \
      sk-crun "$SK_BIN" --cgroup-manager=disabled --root "$(sk_rt_root "$RT")" create --bundle "$b" "$SK_ID" \
      >"$CASE/create.out" 2>"$CASE/create.err" </dev/null 7>"$CASE/leak7" 12<"$CASE/leak7" &
  else
    STOCKADE_CONFIG=$CASE/stockade.json sh -c '"$@"; echo "rc=$?"; exec sleep 120' \
      sh "$SK_BIN" --root "$(sk_rt_root "$RT")" create --bundle "$b" "$SK_ID" \
      >"$CASE/create.out" 2>"$CASE/create.err" </dev/null 7>"$CASE/leak7" 12<"$CASE/leak7" &
  fi
  CF_CALLER=$!
  sk_wait_grep "$CASE/create.out" '^rc=' 30 || sk_fail "create did not end: $(cat "$CASE/create.err")"
  sk_assert_kv "$CASE/create.out" rc 0 "stockade create from a shell that stays"
  sk_assert_supervised "$SK_ID" "$b"
  ppid=$(ps -o ppid= -p "$SK_SUP_PID" | tr -d ' ')
  sid=$(ps -o sid= -p "$SK_SUP_PID" | tr -d ' ')
  sk_log "caller $CF_CALLER, supervisor $SK_SUP_PID: parent $ppid, session $sid"
  sk_assert_eq "$ppid" "$CF_CALLER" "the supervisor's parent (create's caller)"
  sk_assert_eq "$sid" "$SK_SUP_PID" "the supervisor's session (its own)"
  sk_assert_eq "$(readlink "/proc/$SK_SUP_PID/fd/0")" /dev/null "the supervisor's stdin"
  # create's caller left fds 7 and 12 open on a file of its own: neither
  # the supervisor nor its helper keeps them (sup_close_others).
  for p in "$SK_SUP_PID" $(ps -o pid= --ppid "$SK_SUP_PID"); do
    for f in /proc/"$p"/fd/*; do
      [ "$(readlink "$f")" != "$CASE/leak7" ] || sk_fail "process $p (the supervisor or its helper) keeps $f, create's caller's"
    done
  done
  sk_run delete sk_sk delete -f "$SK_ID"
  sk_assert_rc 0 "stockade delete -f"
  cf_caller_end

  # pid 1 of a new PID namespace: no CLONE_PARENT there.
  jq --arg t "$SK_HELPERS/sktiny" '.runtime = $t' "$CASE/stockade.json" >"$CASE/stockade-null.json" ||
    sk_fail "config"
  b=$(sk_bundle b1 '.process.args = ["sleep", "300"]') || sk_fail "bundle"
  sk_new_id pid1
  STOCKADE_CONFIG=$CASE/stockade-null.json sk_run pid1 timeout -k 5 "$SK_TIMEOUT" unshare -pf --kill-child \
    "$SK_BIN" --root "$CASE/root-null" create --bundle "$b" "$SK_ID"
  rc=$SK_RC
  # create succeeds only on the supervisor's "ok" (sup_ready): it started,
  # confined, forked twice. It ends with the namespace, as sktiny exits.
  sk_assert_eq "$rc" 0 "stockade create as pid 1 of a PID namespace"
  STOCKADE_CONFIG=$CASE/stockade-null.json sk_run delete-pid1 "$SK_BIN" --root "$CASE/root-null" delete -f "$SK_ID"
  sk_assert_rc 0 "stockade delete -f of the pid-1 create"
}

# create run with stdin closed (an engine may start it so): the runtime
# finds stdin closed as it would without stockade (runc 1.1 refuses,
# "chown /dev/stdin"; crun runs the container), and no descriptor of
# stockade's takes fd 0. Before stdio_hold, the supervisor's reference for
# drift (<state>/clock) took fd 0 there, /dev/null replaced it with the
# supervisor's stdio, and the reference's stamp (fchmod 0600) then set the
# host's /dev/null to mode 0600. The test puts /dev/null back if it changed.
# Its user is not root in both runs: runc chowns stdio to a non-root user
# (and so refuses a closed stdin), crun chowns what is open (so /dev/null's
# ctime moves with every run that has it as stdio: only its mode is ours).
CF_NULL=
cf_devnull_put_back() {
  [ -n "$CF_NULL" ] && [ "$(stat -c %a /dev/null)" != "$CF_NULL" ] && chmod "$CF_NULL" /dev/null
  return 0
}

t_stdin_closed() {
  local b rc_plain rc f held=
  cf_init
  trap 'sk_cleanup_containers; sk_cleanup_supervisors; cf_devnull_put_back' EXIT
  CF_NULL=$(stat -c %a /dev/null)
  b=$(sk_bundle b '.process.args = ["sleep", "300"] | .process.user = {uid: 1000, gid: 1000}') || sk_fail "bundle"
  sk_new_id plain
  sk_rt create --bundle "$b" "$SK_ID" 0<&- >"$CASE/plain.out" 2>"$CASE/plain.err"
  rc_plain=$?
  sk_log "plain $RT create with stdin closed: exit $rc_plain: $(head -c 300 "$CASE/plain.err")"
  sk_rt delete -f "$SK_ID" >/dev/null 2>&1
  sk_new_id closed
  STOCKADE_CONFIG=$CASE/stockade.json sk_rt_exec "$RT" "$SK_BIN" --root "$(sk_rt_root "$RT")" \
    create --bundle "$b" "$SK_ID" 0<&- >"$CASE/create.out" 2>"$CASE/create.err"
  rc=$?
  sk_log "stockade create with stdin closed: exit $rc: $(head -c 300 "$CASE/create.err")"
  sk_assert_eq "$((rc != 0))" "$((rc_plain != 0))" "stockade create with stdin closed fails where plain $RT does"
  if [ "$rc" = 0 ]; then
    sk_assert_supervised "$SK_ID" "$b"
    for f in /proc/"$SK_SUP_PID"/fd/*; do
      [ "$(readlink "$f")" = "$SK_SUP_DIR/clock" ] && held=${f##*/}
    done
    [ -n "$held" ] || sk_fail "the supervisor does not hold its reference for drift $SK_SUP_DIR/clock"
    sk_assert_eq "$((held > 2))" 1 "the reference's descriptor ($held) is not stdio's"
    sk_run start sk_sk start "$SK_ID"
    sk_assert_rc 0 "stockade start"
    # stdin a file, not /dev/null: crun 1.8 hands an exec's stdio to its
    # user, the host's /dev/null included (fixed in later crun).
    : >"$CASE/empty"
    sk_sk exec "$SK_ID" probe exec /bin/sktrue <"$CASE/empty" >"$CASE/exec.out" 2>"$CASE/exec.err"
    sk_assert_eq "$?" 0 "an exec judged by the supervisor: $(cat "$CASE/exec.err")"
    sk_run delete sk_sk delete -f "$SK_ID"
    sk_assert_rc 0 "stockade delete -f"
  else
    sk_assert_eq "$(sk_state_status "$SK_ID")" absent "the container"
    sk_run delete sk_sk delete "$SK_ID" # as an engine does after a failed create
    sk_assert_state_empty "a create the runtime refused, then delete"
  fi
  sk_assert_eq "$(stat -c %a /dev/null)" "$CF_NULL" "/dev/null's mode"
}

sk_for_runtimes "confine: the supervisor runs with no_new_privs, its own filter and four capabilities" t_status
sk_for_runtimes "confine: the confined supervisor sends events to syslog" t_syslog
sk_for_runtimes "confine: a syscall its filter forbids kills the supervisor (SIGSYS); execs fail closed" t_forbidden
sk_for_runtimes "confine: the supervisor is a child of create's caller in a session of its own; pid 1 still starts one" \
  t_process
sk_for_runtimes "confine: create with stdin closed: no descriptor of stockade's takes fd 0; /dev/null untouched" t_stdin_closed
