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
  sk_assert_eq "$(jq -r .details.memfdNoexec <<<"$SK_EVENT")" 2 "the memfd event's memfdNoexec"
  sk_assert_eq "$(jq -r .mechanism <<<"$SK_EVENT")" memfd_noexec "the memfd event's mechanism"

  # The node's config named by a relative path (create run from the config's
  # directory): the hook, which the runtime runs from the bundle, still
  # finds it.
  (cd "$CASE" && SK_CONFIG=stockade.json kt_memfd relative default) || sk_fail "the relative-config run"
  KT_OUT=$CASE/run-relative.out
  sk_assert_kv "$KT_OUT" memfd-noexec 2 "vm.memfd_noexec with STOCKADE_CONFIG relative"

  # exec.memfdExec: neither the sysctl nor the filter rule
  kt_profile relaxed '.exec.memfdExec = true'
  kt_memfd relaxed relaxed
  sk_assert_kv "$KT_OUT" memfd-noexec "$host_before" "vm.memfd_noexec inside a container whose profile sets memfdExec"
  sk_assert_kv "$KT_OUT" memfd-exec-create OK "memfd_create(MFD_EXEC) with exec.memfdExec"
  sk_assert_kv "$KT_OUT" memfd-plain-execveat OK "execveat of a memfd with exec.memfdExec (no supervisor)"
  sk_assert_event "$KT_ID" 'select(.type == "memfd")' "the memfd event with exec.memfdExec"
  sk_assert_eq "$(jq -r .details.memfdNoexec <<<"$SK_EVENT")" "not applied: profile exec.memfdExec" \
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
# 2. nothing stalls the supervisor: a sparse 1 TiB program is not hashed;
#    a long hash gives way to SIGTERM and to the container's end

KT_BIG='truncate -s 1099511627776 /tmp/big && chmod 755 /tmp/big && echo made=1
echo "big-$(probe exec /tmp/big)"
echo done=1
exec sleep 300'

# kt_run_d TAG SCRIPT: `stockade run -d` of SCRIPT under the default
# profile; sets KT_ID, KT_OUT, KT_SUP (the supervisor's pid) and KT_IDENT.
kt_run_d() {
  local b
  b=$(sk_bundle "b-$1" '.process.args = $a' --argjson a "$(sk_args_sh "$2")") || sk_fail "bundle"
  sk_new_id "$1"
  KT_ID=$SK_ID
  KT_OUT=$CASE/run-$1.out
  sk_run "run-$1" sk_sk run -d --bundle "$b" "$KT_ID"
  sk_assert_rc 0 "stockade run -d ($1)"
  sk_assert_supervised "$KT_ID" "$b"
  KT_SUP=$SK_SUP_PID
  KT_IDENT=$SK_SUP_IDENT
}

kt_wait_out() {
  sk_wait_grep "$KT_OUT" "$1" "${2:-20}" || {
    sed 's/^/  container| /' "$KT_OUT" >&2
    sk_fail "the container did not print a line matching /$1/"
  }
}

# CPU seconds (user + system) a process has used.
kt_cpu_s() {
  local st f
  st=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  read -ra f <<<"${st##*) }"
  echo $(((f[11] + f[12]) / $(getconf CLK_TCK)))
}

t_hash_bounds() {
  local ev
  kt_init
  kt_run_d big "$KT_BIG"
  kt_wait_out '^done=1$'
  sk_assert_kv "$KT_OUT" made 1 "a sparse 1 TiB file in /tmp"
  case $(sk_kv "$KT_OUT" big-exec) in
    EPERM | EACCES) ;;
    *) sk_fail "exec of the 1 TiB file: big-exec=$(sk_kv "$KT_OUT" big-exec), expected EPERM or EACCES" ;;
  esac
  sk_assert_event "$KT_ID" 'select(.type == "drift" and .process.path == "/tmp/big")' "the drift event of the 1 TiB file"
  sk_assert_eq "$(jq -r '.details.sha256Skipped // "none"' <<<"$SK_EVENT")" "size 1099511627776 over 268435456" \
    "the event says why the file was not hashed"
  sk_assert_eq "$(jq -r '.process.sha256 // "none"' <<<"$SK_EVENT")" none "no sha256 in the event"
  [ "$(kt_cpu_s "$KT_SUP")" -lt 2 ] || sk_fail "the supervisor used $(kt_cpu_s "$KT_SUP") s of CPU"

  # Bounds as high as they go: the supervisor starts reading the 1 TiB file
  # for the event (after the exec was answered); SIGTERM ends it at once.
  sk_config_edit '.hashMaxBytes = 1099511627776 | .hashMaxMillis = 60000'
  kt_run_d term "$KT_BIG"
  kt_wait_out '^done=1$'
  sleep 0.5
  sk_proc_alive "$KT_IDENT" || sk_fail "the supervisor is gone before SIGTERM"
  kill -TERM "$KT_SUP"
  sk_wait_gone "$KT_IDENT" 3 || sk_fail "the supervisor still runs 3 s after SIGTERM while hashing"
  ev=$(sk_wait_event "$KT_ID" 'select(.type == "drift" and .process.path == "/tmp/big")' 2) ||
    sk_fail "no drift event of the 1 TiB file after SIGTERM"
  case $(jq -r '.details.sha256Skipped // ""' <<<"$ev") in
    interrupted*) ;;
    *) sk_fail "the event of the interrupted hash: sha256Skipped=\"$(jq -r '.details.sha256Skipped // ""' <<<"$ev")\"" ;;
  esac

  # ... and the container's end
  kt_run_d gone "$KT_BIG"
  kt_wait_out '^done=1$'
  sleep 0.5
  sk_run kill sk_sk kill "$KT_ID" KILL
  sk_wait_gone "$KT_IDENT" 5 || sk_fail "the supervisor still runs 5 s after its container was killed while hashing"
}

# The cgroup of pid that holds the cpu controller: v1's "cpu" line, else
# the unified one.
kt_cpu_cgroup() {
  local line
  line=$(grep -E '^[0-9]+:([^:]*,)?cpu(,[^:]*)?:' "/proc/$1/cgroup") || line=$(grep '^0::' "/proc/$1/cgroup")
  echo "${line#*:*:}"
}

# Where its CPU goes (docs/operations.md): each supervisor in a cgroup of
# its own, <cpu hierarchy>/stockade/<state key>, limited to
# supervisorCpuPercent of one CPU; removed at delete.
t_sup_cgroup() {
  local key root dir
  kt_init '.supervisorCpuPercent = 30'
  if grep -qw cpu /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
    root=/sys/fs/cgroup
  elif [ -e /sys/fs/cgroup/cpu/cgroup.procs ]; then
    root=/sys/fs/cgroup/cpu
  else
    sk_skip_kernel "no cgroup hierarchy with the cpu controller"
  fi
  kt_run_d cg 'echo done=1; exec sleep 300'
  kt_wait_out '^done=1$'
  if [ "$RT" = crun ] && [ "$SK_CGROUP_LAYOUT" = hybrid ]; then
    # lib.sh runs crun (and stockade before it) where /sys/fs/cgroup is a
    # cgroup2 mount of its own, whose root has no cpu controller on this
    # hybrid host: the supervisor says it stays put.
    sk_assert_event "$KT_ID" 'select(.type == "supervisor" and .details.event == "started")' "the started event"
    sk_assert_grep "$CASE/events.json" "left in its caller's cgroup: no cgroup hierarchy with the cpu controller" \
      "the started event says why the supervisor has no cgroup of its own"
    return 0
  fi
  key=$(basename "$SK_SUP_DIR")
  dir=$root/stockade/$key
  sk_assert_eq "$(kt_cpu_cgroup "$KT_SUP")" "/stockade/$key" "the supervisor's cpu cgroup"
  if [ "$root" = /sys/fs/cgroup ]; then
    sk_assert_eq "$(cat "$dir/cpu.max")" "30000 100000" "its cpu.max"
  else
    sk_assert_eq "$(cat "$dir/cpu.cfs_quota_us")/$(cat "$dir/cpu.cfs_period_us")" 30000/100000 "its CPU quota"
  fi
  sk_assert_grep "$CASE/events.json" "30% of one CPU" "the started event says where it runs"
  sk_run delete sk_sk delete -f "$KT_ID"
  sk_assert_rc 0 "stockade delete -f"
  sk_wait_gone "$KT_IDENT" 5 || sk_fail "the supervisor outlived delete"
  [ ! -e "$dir" ] || sk_fail "its cgroup $dir is left after delete"

  # supervisorCpuPercent 0: it stays where create ran
  sk_config_edit '.supervisorCpuPercent = 0'
  kt_run_d stay 'echo done=1; exec sleep 300'
  kt_wait_out '^done=1$'
  sk_assert_eq "$(kt_cpu_cgroup "$KT_SUP")" "$(kt_cpu_cgroup $$)" "the supervisor's cpu cgroup with supervisorCpuPercent 0"
}

# ---------------------------------------------------------------------------
# 3. a program written into the root file system just before create, and
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

# 3b. What the runtime writes into the root file system before it hands
#     the container over (here a createRuntime hook copies a program in)
#     is image: the reference for drift is taken again after it, for `run`
#     when the runtime hands over the listener, for create + start when
#     create returns. The same program copied by the container itself is
#     drift. Without the second reference (the one taken at create kept),
#     the hook's program is denied as drift.
t_runtime_writes_not_drift() {
  local b how rc
  kt_init
  kt_profile wroot '.writableRootfs = true'
  for how in run create; do
    b=$(sk_bundle "b-hook-$how" '.process.args = ["/bin/hooked"]
      | .hooks.createRuntime = [{path: "/bin/sh", args: ["sh", "-c", $s]}]' \
      --arg s "cp $SK_HELPERS/sktrue $CASE/b-hook-$how/rootfs/bin/hooked && chmod 0755 $CASE/b-hook-$how/rootfs/bin/hooked") ||
      sk_fail "bundle"
    rm -f "$b/rootfs/bin/hooked"
    sk_new_id "hook-$how"
    if [ "$how" = run ]; then
      sk_run "run-hook-$how" sk_sk run --bundle "$b" "$SK_ID"
      rc=$SK_RC
    else
      sk_run "create-hook" sk_sk create --bundle "$b" "$SK_ID"
      sk_assert_rc 0 "stockade create (hook writes /bin/hooked)"
      sk_run "start-hook" sk_sk start "$SK_ID"
      rc=$SK_RC
      sk_wait_status "$SK_ID" stopped 20 || sk_fail "the container did not stop"
    fi
    [ -x "$b/rootfs/bin/hooked" ] || sk_fail "the createRuntime hook did not write /bin/hooked ($how)"
    if [ -n "$(sk_events "$SK_ID" 'select(.decision == "deny")')" ]; then
      sk_events "$SK_ID" 'select(.decision == "deny")' | head -2 | sed 's/^/  event| /' >&2
      sk_fail "$how: the program the runtime's hook wrote was denied"
    fi
    [ "$rc" = 0 ] || sk_fail "$how: /bin/hooked did not run (status $rc)"
    sk_sk delete -f "$SK_ID" </dev/null >/dev/null 2>&1
  done
  # The same program written by the container: drift, denied, its event.
  b=$(sk_bundle b-self '.process.args = ["sh", "-c", "cp /bin/sktrue /work/mine && /work/mine; echo rc=$?"]
    | .root.readonly = false | .annotations["stockade.io/profile"] = "wroot"') || sk_fail "bundle"
  mkdir -p "$b/rootfs/work" && chmod 1777 "$b/rootfs/work" || sk_fail "/work in the bundle"
  sk_new_id self
  sk_run run-self sk_sk run --bundle "$b" "$SK_ID"
  sk_assert_kv "$CASE/run-self.out" rc 126 "a program the container wrote at once, run"
  sk_assert_event "$SK_ID" 'select(.decision == "deny")' "the drift denial"
  # Faster: the entrypoint itself (static, no shell) copies and runs the
  # program, within a millisecond of stockade-init's exec, whose answer
  # does not wait for the clock (notify.c): the entrypoint's must. Without
  # that wait the copy shares the reference's tick in most runs and is
  # let through as image; five runs.
  for how in 1 2 3 4 5; do
    b=$(sk_bundle "b-fast$how" '.process.args = ["/bin/exectest", "drift", "/bin/sktrue", $dst]
      | .root.readonly = false | .annotations["stockade.io/profile"] = "wroot"' --arg dst "/work/fast$how") ||
      sk_fail "bundle"
    mkdir -p "$b/rootfs/work" && chmod 1777 "$b/rootfs/work" || sk_fail "/work in the bundle"
    sk_new_id "fast$how"
    sk_run "run-fast$how" sk_sk run --bundle "$b" "$SK_ID"
    sk_assert_kv "$CASE/run-fast$how.out" drift-copy OK "the entrypoint's copy ($how)"
    sk_assert_kv "$CASE/run-fast$how.out" drift EPERM "the copy the entrypoint wrote at once, run ($how)"
    sk_assert_event "$SK_ID" 'select(.type == "drift" and .decision == "deny")' "the drift denial ($how)"
  done
}

# 1b. Supervised, no hook: the supervisor's helper sets vm.memfd_noexec
# when the runtime hands over the container's init, before the first exec
# is answered (shim/supervisor/memfd.c). Without it (a test build that
# starts no helper), the first exec is denied and the event says why.
t_memfd_supervised() {
  local b
  kt_init
  [ -e /proc/sys/vm/memfd_noexec ] ||
    sk_skip_kernel "the kernel has no per-PID-namespace vm.memfd_noexec (Linux 6.3)"
  b=$(sk_bundle b-sup '.process.args = ["sh", "-c", "memfdtest /bin/sktrue; exec sleep 300"]') || sk_fail "bundle"
  sk_new_id sup
  KT_ID=$SK_ID
  KT_OUT=$CASE/run-sup.out
  sk_run run-sup sk_sk run -d --bundle "$b" "$KT_ID"
  sk_assert_rc 0 "stockade run -d"
  jq -e '[.hooks.createRuntime[]?.args[1]] | index("--stockade-memfd-noexec-hook") | not' "$b/config.json" >/dev/null ||
    sk_fail "a supervised container still gets the vm.memfd_noexec hook"
  sk_wait_grep "$KT_OUT" '^memfd-plain-execveat=' 20 || sk_fail "memfdtest did not finish: $(cat "$KT_OUT")"
  sk_assert_kv "$KT_OUT" memfd-noexec 2 "vm.memfd_noexec inside the supervised container"
  sk_assert_kv "$KT_OUT" memfd-exec-create EACCES "memfd_create(MFD_EXEC) in the supervised container"
  sk_assert_event "$KT_ID" 'select(.type == "memfd")' "the supervisor's memfd event"
  sk_assert_eq "$(jq -r '"\(.decision) \(.mechanism) \(.details.memfdNoexec)"' <<<"$SK_EVENT")" "harden memfd_noexec 2" \
    "the memfd event"
  sk_run delete-sup sk_sk delete -f "$KT_ID"

  [ -x "$SK_BUILD/stockade-testhooks" ] || sk_fail "$SK_BUILD/stockade-testhooks missing"
  b=$(sk_bundle b-nohelper '.process.args = ["/bin/sktrue"]') || sk_fail "bundle"
  sk_new_id nohelper
  STOCKADE_TEST_NO_MEMFD_HELPER=1 SK_BIN=$SK_BUILD/stockade-testhooks sk_run run-nohelper sk_sk run --bundle "$b" "$SK_ID"
  sk_assert_rc_nonzero "a container whose vm.memfd_noexec could not be set"
  sk_assert_event "$SK_ID" 'select(.type == "memfd")' "the memfd event of the failure"
  sk_assert_eq "$(jq -r .details.memfdNoexec <<<"$SK_EVENT")" "not applied: error" "the failure's memfdNoexec"
  [[ $(jq -r .message <<<"$SK_EVENT") == "cannot set vm.memfd_noexec=2"*"the container is stopped"* ]] ||
    sk_fail "the failure's message: $(jq -r .message <<<"$SK_EVENT")"
  SK_BIN=$SK_BUILD/stockade-testhooks sk_cleanup_supervisors
}

sk_for_runtimes "kernel: supervised, vm.memfd_noexec is set by the supervisor before the first exec, with no hook" \
  t_memfd_supervised
sk_for_runtimes "kernel: vm.memfd_noexec=2 in the container's PID namespace; MFD_EXEC refused; memfdExec lifts both" \
  t_memfd_noexec
sk_for_runtimes "kernel: hashing is bounded; SIGTERM and the container's end stop a long hash" t_hash_bounds
sk_for_runtimes "kernel: the supervisor runs in a cgroup of its own, CPU-limited, removed at delete" t_sup_cgroup
sk_for_runtimes "kernel: a program written just before create is not drift ($KT_DRIFT_N containers)" \
  t_no_drift_before_create
sk_for_runtimes "kernel: what the runtime writes before handing the container over is image (run, create + start)" \
  t_runtime_writes_not_drift
