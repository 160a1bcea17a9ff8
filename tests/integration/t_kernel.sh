#!/bin/bash
# shellcheck disable=SC2016 # jq filters and in-container scripts are single-quoted on purpose
# What the kernel and the supervisor's own limits guarantee (issue 11):
# vm.memfd_noexec=2 in the container's PID namespace and the filter's
# memfd_create(MFD_EXEC) rule; "written after start" judged against a ctime
# the kernel stamped, so a program put into the image just before create is
# never drift.
. "$(dirname "$0")/lib.sh"

# Containers per runtime in the drift-reference case (each is a create, a
# start and a delete).
KT_DRIFT_N=${KT_DRIFT_N:-100}

kt_init() {
  trap 'sk_cleanup_containers; sk_cleanup_supervisors' EXIT
  sk_config '.eventRate=100000 | .eventBurst=100000'
  [ -z "${1:-}" ] || sk_config_edit "$1"
}

# kt_profile NAME [JQ-FILTER]: a profile based on default.
kt_profile() {
  local d
  d=$(sk_profile_dir)
  jq --arg name "$1" ".name = \$name | ${2:-.}" "$d/default.json" >"$d/$1.json" || sk_fail "cannot write profile $1"
}

# kt_memfd TAG PROFILE: memfdtest in the foreground under PROFILE; its output
# in KT_OUT, the container id in KT_ID.
kt_memfd() {
  local b
  b=$(sk_bundle "b-$1" '.process.args = ["/bin/memfdtest", "/bin/sktrue"] | .annotations["stockade.io/profile"] = $p' \
    --arg p "$2") || sk_fail "bundle"
  sk_new_id "$1"
  KT_ID=$SK_ID
  sk_run "run-$1" sk_sk run --bundle "$b" "$KT_ID"
  sk_assert_rc 0 "stockade run ($1)"
  KT_OUT=$CASE/run-$1.out
}

# ---------------------------------------------------------------------------
# 1. memfds the kernel refuses to execute. With the node's "supervisor":
#    false, so that what is refused is refused by the kernel and the filter.

t_memfd_noexec() {
  local host_before host_after
  kt_init '.supervisor = false'
  [ -e /proc/sys/vm/memfd_noexec ] ||
    sk_skip_kernel "the kernel has no per-PID-namespace vm.memfd_noexec (Linux 6.3)"
  host_before=$(cat /proc/sys/vm/memfd_noexec)
  kt_memfd strict default
  sk_assert_kv "$KT_OUT" memfd-noexec 2 "vm.memfd_noexec inside the container"
  sk_assert_kv "$KT_OUT" memfd-exec-create EACCES "memfd_create(MFD_EXEC)"
  sk_assert_kv "$KT_OUT" memfd-plain-create OK "memfd_create without flags (a program copied in)"
  sk_assert_kv "$KT_OUT" memfd-plain-execveat EACCES "execveat of a memfd made without flags (no supervisor)"
  host_after=$(cat /proc/sys/vm/memfd_noexec)
  sk_assert_eq "$host_after" "$host_before" "the host's vm.memfd_noexec after the container"
  sk_assert_event "$KT_ID" 'select(.type == "memfd")' "the memfd event"
  sk_assert_eq "$(jq -r .memfdNoexec <<<"$SK_EVENT")" 2 "the memfd event's memfdNoexec"
  sk_assert_eq "$(jq -r .mechanism <<<"$SK_EVENT")" memfd_noexec "the memfd event's mechanism"

  # exec.memfdExec: neither the sysctl nor the filter rule
  kt_profile relaxed '.exec.memfdExec = true'
  kt_memfd relaxed relaxed
  sk_assert_kv "$KT_OUT" memfd-noexec "$host_before" "vm.memfd_noexec inside a container whose profile sets memfdExec"
  sk_assert_kv "$KT_OUT" memfd-exec-create OK "memfd_create(MFD_EXEC) with exec.memfdExec"
  sk_assert_kv "$KT_OUT" memfd-plain-execveat OK "execveat of a memfd with exec.memfdExec (no supervisor)"
  sk_assert_event "$KT_ID" 'select(.type == "memfd")' "the memfd event with exec.memfdExec"
  sk_assert_eq "$(jq -r .memfdNoexec <<<"$SK_EVENT")" "not applied: profile exec.memfdExec" \
    "the memfd event's memfdNoexec with exec.memfdExec"
  sk_assert_eq "$(cat /proc/sys/vm/memfd_noexec)" "$host_before" "the host's vm.memfd_noexec at the end"

  # stockadectl verify says the kernel has it
  sk_run verify "$SK_BUILD/stockadectl" verify --json
  sk_assert_eq "$(jq -r '.checks[] | select(.id == "memfd-noexec") | .status' "$CASE/verify.out")" ok \
    "stockadectl verify: memfd-noexec status"
  sk_assert_eq "$(jq -r '.checks[] | select(.id == "memfd-noexec") | .value' "$CASE/verify.out")" \
    per-pid-namespace "stockadectl verify: memfd-noexec value"
}

# ---------------------------------------------------------------------------
# 2. a program written into the root file system just before create, and
#    run as the entrypoint right after start, is never drift

# kt_fresh BUNDLE ID HOW: copy the program in, then at once `run` (HOW run)
# or `create` + `start` (HOW create) it as the entrypoint; prints the
# container's status: 0 when the program ran.
kt_fresh() {
  local b=$1 id=$2 rc
  # A new inode each time; its ctime read once, so that a multigrain file
  # system (ext4, tmpfs since Linux 6.13) stamps the next change from the
  # fine clock, ahead of the coarse one.
  rm -f "$b/rootfs/bin/fresh"
  cp "$SK_HELPERS/sktrue" "$b/rootfs/bin/fresh.new" && stat -c %z "$b/rootfs/bin/fresh.new" >/dev/null &&
    chmod 0755 "$b/rootfs/bin/fresh.new" && mv "$b/rootfs/bin/fresh.new" "$b/rootfs/bin/fresh" || return 1
  if [ "$3" = run ]; then
    sk_sk run --bundle "$b" "$id" </dev/null >/dev/null 2>&1
    return
  fi
  sk_sk create --bundle "$b" "$id" </dev/null >/dev/null 2>&1 || return 1
  sk_sk start "$id" </dev/null >/dev/null 2>&1
  rc=$?
  sk_wait_status "$id" stopped 20 2>/dev/null || return 1
  return $rc
}

t_no_drift_before_create() {
  local i j denied=0 failed=0 id ids=() pids=() bundles=() how
  local par=4
  kt_init
  for j in $(seq 1 $par); do
    bundles+=("$(sk_bundle "b$j" '.process.args = ["/bin/fresh"]')") || sk_fail "bundle"
  done
  # $par containers at once, alternately with run and with create + start.
  for i in $(seq 1 $par "$KT_DRIFT_N"); do
    pids=()
    for j in $(seq 0 $((par - 1))); do
      [ $((i + j)) -le "$KT_DRIFT_N" ] || break
      sk_new_id "fresh$((i + j))"
      ids+=("$SK_ID")
      how=run
      [ $(((i + j) % 2)) -eq 0 ] || how=create
      kt_fresh "${bundles[$j]}" "$SK_ID" $how &
      pids+=($!)
    done
    for j in "${!pids[@]}"; do
      wait "${pids[$j]}" || failed=$((failed + 1))
    done
  done
  for id in "${ids[@]}"; do
    denied=$((denied + $(sk_events "$id" 'select(.decision == "deny")' | wc -l)))
    sk_sk delete -f "$id" </dev/null >/dev/null 2>&1
  done
  sk_log "$KT_DRIFT_N containers whose entrypoint was copied in just before create: $denied denials, $failed failed"
  if [ "$denied" -gt 0 ]; then
    sk_events "" 'select(.decision == "deny")' | head -3 | sed 's/^/  event| /' >&2
    jq -c 'select(.decision == "deny")' "$CASE/events.json" | head -3 | sed 's/^/  event| /' >&2
    sk_fail "$denied of $KT_DRIFT_N execs of a program written before create were denied"
  fi
  [ "$failed" -eq 0 ] || sk_fail "$failed of $KT_DRIFT_N containers did not run their program"
}

sk_for_runtimes "kernel: vm.memfd_noexec=2 in the container's PID namespace; MFD_EXEC refused; memfdExec lifts both" \
  t_memfd_noexec
sk_for_runtimes "kernel: a program written just before create is not drift ($KT_DRIFT_N containers)" \
  t_no_drift_before_create
