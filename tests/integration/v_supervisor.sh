#!/bin/bash
# shellcheck disable=SC2016 # in-container scripts are single-quoted on purpose
# make valgrind: one supervised container whose supervisor runs under
# valgrind (memcheck). Not a t_*.sh: run.sh runs it only when named.
#
# How the supervisor gets under valgrind: stockade create forks it (no
# exec), so the test runs `stockade run` itself under valgrind through a
# wrapper script in the case directory; valgrind follows the fork into the
# supervisor and lets the runtime, which create execs, run natively
# (--trace-children=no). Nothing in stockade, its config or its
# environment asks for valgrind: there is no knob to misuse. Under valgrind
# the supervisor keeps its capability cut and no_new_privs but loads no
# seccomp filter (valgrind 3.19 does not emulate seccomp(2); see
# shim/supervisor/confine.c).
. "$(dirname "$0")/lib.sh"

VG_END=
t_valgrind() {
  local b id pid vg log n
  trap 'sk_cleanup_containers; SK_BIN=$SK_REAL sk_cleanup_supervisors' EXIT
  command -v valgrind >/dev/null || sk_skip "valgrind not installed (make deps)"
  sk_config '.eventRate=100000 | .eventBurst=100000'
  SK_REAL=$SK_BIN
  vg=$CASE/vg-stockade
  cat >"$vg" <<EOF
#!/bin/sh
exec valgrind -q --log-file=$CASE/vg.%p --trace-children=no --leak-check=full \
  --suppressions=$SK_REPO/tests/valgrind.supp \
  --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect $SK_REAL "\$@"
EOF
  chmod 0755 "$vg"
  # A writable root and capabilities the default profile takes away: the
  # supervisor also watches what that makes fail (diag.c).
  b=$(sk_bundle b '.process.args = ["sleep", "300"] | .root.readonly = false
    | .process.capabilities = ({} | .bounding = $c | .effective = $c | .permitted = $c)' \
    --argjson c '["CAP_NET_BIND_SERVICE", "CAP_CHOWN"]') || sk_fail "bundle"
  sk_new_id vg
  id=$SK_ID
  SK_BIN=$vg SK_TIMEOUT=120 sk_run run sk_sk run -d --bundle "$b" "$id"
  sk_assert_rc 0 "stockade run -d under valgrind"
  sk_assert_supervised "$id" "$b"
  log=$CASE/vg.$SK_SUP_PID
  [ -f "$log" ] || sk_fail "no valgrind log $log for supervisor $SK_SUP_PID: $(ls "$CASE")"
  case $(readlink "/proc/$SK_SUP_PID/exe") in
    *valgrind* | *memcheck*) ;;
    *) sk_fail "supervisor $SK_SUP_PID is not running under valgrind: $(readlink "/proc/$SK_SUP_PID/exe")" ;;
  esac
  # Some execs allowed, one denied (fileless: a memfd; decided without
  # openat2, which valgrind does not emulate).
  for n in 1 2 3; do
    sk_run "exec$n" sk_sk exec "$id" probe exec /bin/sktrue
    sk_assert_kv "$CASE/exec$n.out" exec OK "exec $n under the valgrind supervisor"
  done
  sk_run memfd sk_sk exec "$id" exectest memfd /bin/sktrue
  sk_assert_kv "$CASE/memfd.out" memfd-execveat EPERM "the fileless exec under the valgrind supervisor"
  sk_assert_event "$id" 'select(.type == "fileless" and .decision == "deny")' "the fileless denial"
  # Calls that fail because of hardening, named by the supervisor.
  sk_run bind sk_sk exec "$id" probe bind 80
  sk_assert_kv "$CASE/bind.out" bind EACCES "bind 80 without CAP_NET_BIND_SERVICE"
  sk_assert_event "$id" 'select(.type == "capability" and .details.capability == "CAP_NET_BIND_SERVICE")' \
    "the capability event"
  sk_run write sk_sk exec "$id" probe write /etc/vg-new
  sk_assert_kv "$CASE/write.out" write EROFS "a write on the read-only root"
  sk_assert_event "$id" 'select(.type == "write" and .details.path == "/etc/vg-new")' "the write event"
  # Stop: the container ends, then the supervisor ends by itself (delete
  # would SIGKILL it after a second, before valgrind's leak check is done).
  pid=$(sk_rt state "$id" | jq -r .pid)
  sk_run kill sk_rt kill "$id" KILL
  sk_wait_gone "$SK_SUP_IDENT" 60 || sk_fail "the supervisor under valgrind did not end after its container"
  sk_log "valgrind log of supervisor $SK_SUP_PID: $(wc -l <"$log") lines"
  sed 's/^/  vg| /' "$log" >&2
  sk_assert_no_grep "$log" '^==[0-9]+==' "valgrind reported an error or leak in the supervisor"
  # and in stockade run itself, up to its exec of the runtime
  for log in "$CASE"/vg.*; do
    sk_assert_no_grep "$log" '^==[0-9]+==' "valgrind reported an error in stockade ($(basename "$log"))"
  done
  sk_assert_event "$id" 'select(.type == "supervisor" and .details.event == "stopped")' "the supervisor's stopped event"
  sk_run delete sk_sk delete -f "$id"
}

RT=runc sk_case "valgrind: a supervisor with execs and a denial, stopped: no invalid access, no leak" t_valgrind
