#!/bin/bash
# make bench (after bench/run.sh): what the supervisor costs a running
# container, for runc and for crun. Ratios and differences only; nothing here
# asserts a time.
#
#   exec      `exectest execloop N /bin/sktrue` inside the container: fork +
#             execve of a static no-op + wait, N times; p50 and p99 of one
#             such exec in microseconds. Variants:
#               supervised-RT  stockade (enforce, default profile): the
#                              filter sends execve/execveat to the supervisor
#               hardened-RT    the runtime alone on the very spec stockade
#                              wrote, with the notify rule turned into an
#                              allow and no listenerPath: the difference to
#                              supervised-RT is the supervisor alone
#               plain-RT       the runtime alone on the unhardened spec
#   syscalls  `exectest getppid M`: nanoseconds per getppid (a syscall the
#             supervisor never sees) under stockade's filter against the same
#             spec without the notify rule (the engine-default-like filter)
#             and against no filter at all (plain).
#   memory    RSS and PSS (/proc/PID/smaps_rollup) of one supervisor, idle
#             after the container started, and after the container made
#             10,000 more execs.
#
# Variants are interleaved round by round (order rotating) so that drift of
# the machine hits them alike; each figure is the median over the rounds.
# Writes its section of bench/results.md between the markers below, leaving
# the rest of the file (bench/run.sh's start latency) as it is. Needs root.
#
# Environment: B (build dir, default build), BENCH_EXEC_ROUNDS (default 7),
# BENCH_EXEC_N execs per round (default 2000), BENCH_GETPPID_N (default
# 2000000), BENCH_MEM_EXECS (default 10000), BENCH_OUT (default
# bench/results.md), SK_RUNTIMES (default "runc crun"), BENCH_VERBOSE=1 (each
# round's figures on stderr).
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/integration/lib.sh
. "$repo/tests/integration/lib.sh"

ROUNDS=${BENCH_EXEC_ROUNDS:-7}
NEXEC=${BENCH_EXEC_N:-2000}
NPPID=${BENCH_GETPPID_N:-2000000}
MEMEXECS=${BENCH_MEM_EXECS:-10000}
OUT=${BENCH_OUT:-$repo/bench/results.md}
BEGIN_MARK='<!-- bench/exec.sh: begin -->'
END_MARK='<!-- bench/exec.sh: end -->'

die() {
  echo "bench/exec: $*" >&2
  exit 1
}
[ "$(id -u)" = 0 ] || die "must run as root (it runs real containers)"
[ -x "$SK_BIN" ] || die "$SK_BIN missing: run make B=$B all"
for h in exectest sktrue; do
  [ -x "$SK_HELPERS/$h" ] || die "$SK_HELPERS/$h missing: run make B=$B helpers"
done
command -v jq >/dev/null || die "jq not installed: run make deps"
for v in ROUNDS NEXEC NPPID MEMEXECS; do
  [ "${!v}" -ge 1 ] 2>/dev/null || die "$v must be a positive number"
done

mapfile -t rts < <(sk_usable_runtimes bench/exec)
[ ${#rts[@]} -gt 0 ] || die "no runtime to measure"

CASE=$(mktemp -d /tmp/stockade-bench-exec.XXXXXX) || die "cannot make a temp dir"
# On a tmpfs, as bench/run.sh (a node's /run).
mount -t tmpfs -o mode=0755 tmpfs "$CASE" || die "cannot mount a tmpfs on $CASE"
cleanup() {
  sk_cleanup_containers
  sk_cleanup_supervisors
  umount -l "$CASE" 2>/dev/null
  rm -rf "$CASE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sk_build_rootfs "$CASE/rootfs" >/dev/null 2>&1 || die "cannot build the busybox rootfs"
(cd "$CASE" && "$SK_RUNC" spec) || die "runc spec failed"
jq '.process.terminal=false | .process.args=["true"]' "$CASE/config.json" >"$CASE/config.base.json" || die "jq"
rm -f "$CASE/config.json"

# run_in VARIANT ID ARGS-JSON: run ARGS in a fresh container of the
# variant, in the foreground; its stdout in $CASE/out. The config.json is
# written before every run (stockade rewrites it).
run_in() {
  local v=$1 id=$2 args=$3 kind rt b
  kind=${v%%-*}
  rt=${v#*-}
  b=$CASE/b-$v
  case $kind in
    hardened) jq --argjson a "$args" '.process.args = $a' "$CASE/config.hardened-$rt.json" >"$b/config.json" ;;
    *) jq --argjson a "$args" '.process.args = $a' "$CASE/config.base.json" >"$b/config.json" ;;
  esac
  echo "$rt $id" >>"$CASE/containers"
  if [ "$kind" = supervised ]; then
    RT=$rt SK_CONFIG=$CASE/stockade-$rt.json sk_sk run --bundle "$b" "$id" </dev/null >"$CASE/out" 2>"$CASE/err"
  else
    RT=$rt sk_rt run --bundle "$b" "$id" </dev/null >"$CASE/out" 2>"$CASE/err"
  fi || {
    echo "bench/exec: $v: run failed:" >&2
    sed 's/^/  /' "$CASE/err" "$CASE/out" >&2
    return 1
  }
  if [ "$kind" = supervised ]; then
    RT=$rt SK_CONFIG=$CASE/stockade-$rt.json sk_sk delete -f "$id" </dev/null >/dev/null 2>&1
  else
    RT=$rt sk_rt delete -f "$id" </dev/null >/dev/null 2>&1
  fi
  return 0
}

# Per runtime: stockade's config, the bundles, and the hardened spec without
# the supervisor (the execs allowed instead of notified, the reported
# denials plain errno again, no listener).
variants=()
for rt in "${rts[@]}"; do
  RT=$rt sk_config 2>/dev/null || die "cannot write stockade's config"
  mv "$CASE/stockade.json" "$CASE/stockade-$rt.json"
  for v in supervised hardened plain; do
    variants+=("$v-$rt")
    mkdir -p "$CASE/b-$v-$rt"
    cp -a "$CASE/rootfs" "$CASE/b-$v-$rt/rootfs"
  done
  id=skbe-$$-spec-$rt
  cp "$CASE/config.base.json" "$CASE/b-hardened-$rt/config.json"
  echo "$rt $id" >>"$CASE/containers"
  RT=$rt SK_CONFIG=$CASE/stockade-$rt.json sk_sk create --bundle "$CASE/b-hardened-$rt" "$id" </dev/null >/dev/null 2>"$CASE/err" ||
    die "stockade create (to get the hardened spec) failed: $(cat "$CASE/err")"
  jq -e '[.linux.seccomp.syscalls[]? | select(.action == "SCMP_ACT_NOTIFY")] | length > 0' \
    "$CASE/b-hardened-$rt/config.json" >/dev/null || die "the spec stockade wrote for $rt has no SCMP_ACT_NOTIFY rule: no supervisor to measure"
  # execve and execveat allowed; the denied syscalls the supervisor
  # reports (shim/lib/spec/sysdeny.c) back to the plain errno they are answered with
  jq 'del(.linux.seccomp.listenerPath, .linux.seccomp.listenerMetadata)
      | .linux.seccomp.syscalls |= (map(if .action == "SCMP_ACT_NOTIFY"
          then .names -= ["execve", "execveat"] | .action = "SCMP_ACT_ERRNO" else . end)
        + [{names: ["execve", "execveat"], action: "SCMP_ACT_ALLOW"}] | map(select(.names | length > 0)))' \
    "$CASE/b-hardened-$rt/config.json" >"$CASE/config.hardened-$rt.json" || die "jq"
  RT=$rt SK_CONFIG=$CASE/stockade-$rt.json sk_sk delete -f "$id" </dev/null >/dev/null 2>&1
done
sk_version=$(STOCKADE_CONFIG=$CASE/stockade-${rts[0]}.json "$SK_BIN" --version 2>/dev/null | head -n 1)

# ---------------------------------------------------------------------------
# exec and getppid, interleaved

echo "bench/exec: $ROUNDS rounds of ${variants[*]}: execloop $NEXEC, getppid $NPPID" >&2
nv=${#variants[@]}
for ((i = 0; i <= ROUNDS; i++)); do # round 0 warms up
  for ((k = 0; k < nv; k++)); do
    v=${variants[$(((k + i) % nv))]}
    run_in "$v" "skbe-$$-$i-$v-x" "[\"exectest\", \"execloop\", \"$NEXEC\", \"/bin/sktrue\"]" || die "round $i failed"
    errs=$(sk_kv "$CASE/out" execloop-errors)
    [ "$errs" = 0 ] || die "$v: $errs of $NEXEC execs failed ($(sk_kv "$CASE/out" execloop-first-error))"
    if [ "$i" -gt 0 ]; then
      echo "$(sk_kv "$CASE/out" execloop-p50-us) $(sk_kv "$CASE/out" execloop-p99-us)" >>"$CASE/exec-$v"
    fi
    [ -z "${BENCH_VERBOSE:-}" ] || echo "bench/exec: round $i $v: exec p50 $(sk_kv "$CASE/out" execloop-p50-us) p99 $(sk_kv "$CASE/out" execloop-p99-us) max $(sk_kv "$CASE/out" execloop-max-us) µs" >&2
    run_in "$v" "skbe-$$-$i-$v-g" "[\"exectest\", \"getppid\", \"$NPPID\"]" || die "round $i failed"
    [ "$i" -gt 0 ] && sk_kv "$CASE/out" getppid-ns >>"$CASE/ppid-$v"
  done
  [ "$i" -gt 0 ] && echo "bench/exec: round $i/$ROUNDS" >&2
done

# median of column COL of FILE
median() {
  cut -d' ' -f"$2" "$1" | sort -g | awk '{ a[NR] = $1 } END {
    printf "%.1f\n", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
calc() { awk "BEGIN { printf \"$1\n\", $2 }"; }

exec_rows=()
added_rows=()
ppid_rows=()
for rt in "${rts[@]}"; do
  for v in supervised plain hardened; do
    eval "p50_$v=$(median "$CASE/exec-$v-$rt" 1) p99_$v=$(median "$CASE/exec-$v-$rt" 2) ns_$v=$(median "$CASE/ppid-$v-$rt" 1)"
  done
  # shellcheck disable=SC2154 # set by the eval above
  {
    exec_rows+=("| $rt | $p50_plain | $p50_hardened | $p50_supervised | $p99_plain | $p99_hardened | $p99_supervised |")
    added_rows+=("| $rt | $(calc %+.1f "$p50_supervised - $p50_hardened") | $(calc %+.1f "$p99_supervised - $p99_hardened") | $(calc %.2f "$p50_supervised / $p50_hardened") | $(calc %.2f "$p99_supervised / $p99_hardened") | $(calc %.2f "$p50_supervised / $p50_plain") | $(calc %.2f "$p99_supervised / $p99_plain") |")
    ppid_rows+=("| $rt | $ns_plain | $ns_hardened | $ns_supervised | $(calc %.2f "$ns_supervised / $ns_hardened") | $(calc %.2f "$ns_supervised / $ns_plain") |")
  }
done

# ---------------------------------------------------------------------------
# memory of one supervisor

# rollup PID -> "RSS-kB PSS-kB"
rollup() {
  awk '/^Rss:/ { r = $2 } /^Pss:/ { p = $2 } END { print r + 0, p + 0 }' "/proc/$1/smaps_rollup"
}

mem_rows=()
for rt in "${rts[@]}"; do
  b=$CASE/b-supervised-$rt
  id=skbe-$$-mem-$rt
  # The container makes its fifo, then waits on it without any exec (read
  # is a shell built-in) until the bench writes to it.
  jq --arg s "mkfifo /tmp/go; read x </tmp/go; exectest execloop $MEMEXECS /bin/sktrue >/tmp/res; mv /tmp/res /tmp/done; exec sleep 300" \
    '.process.args = ["sh", "-c", $s]' "$CASE/config.base.json" >"$b/config.json"
  echo "$rt $id" >>"$CASE/containers"
  RT=$rt SK_CONFIG=$CASE/stockade-$rt.json sk_sk run -d --bundle "$b" "$id" </dev/null >/dev/null 2>"$CASE/err" ||
    die "$rt: stockade run -d failed: $(cat "$CASE/err")"
  sup=$(sk_sup_dir "$id")
  pid=$(tr -dc '0-9' <"$sup/sup.pid" 2>/dev/null)
  if [ -z "$pid" ] || [ ! -r "/proc/$pid/smaps_rollup" ]; then
    die "$rt: no supervisor process for $id"
  fi
  cpid=$(RT=$rt sk_rt state "$id" | jq -r .pid)
  root=/proc/$cpid/root
  for ((n = 0; n < 100; n++)); do
    [ -p "$root/tmp/go" ] && break
    sleep 0.1
  done
  [ -p "$root/tmp/go" ] || die "$rt: the container did not make its fifo"
  sleep 0.5
  read -r rss0 pss0 < <(rollup "$pid")
  echo go >"$root/tmp/go"
  for ((n = 0; n < 1200; n++)); do
    [ -f "$root/tmp/done" ] && break
    sleep 0.1
  done
  [ -f "$root/tmp/done" ] || die "$rt: $MEMEXECS execs did not finish in 120 s"
  errs=$(sk_kv "$root/tmp/done" execloop-errors)
  [ "$errs" = 0 ] || die "$rt: $errs of $MEMEXECS execs failed"
  sleep 0.5
  read -r rss1 pss1 < <(rollup "$pid")
  mem_rows+=("| $rt | $rss0 | $pss0 | $rss1 | $pss1 | $(sk_kv "$root/tmp/done" execloop-p50-us) |")
  RT=$rt SK_CONFIG=$CASE/stockade-$rt.json sk_sk delete -f "$id" </dev/null >/dev/null 2>&1
done

# ---------------------------------------------------------------------------
# report

report() {
  echo "$BEGIN_MARK"
  echo "# stockade supervisor: exec cost, syscall cost, memory"
  echo
  echo "Made by \`make bench\` (bench/exec.sh). Inside one container per run; the variants"
  echo "are interleaved, $ROUNDS rounds after one warm-up round, each figure the median over"
  echo "the rounds. \`plain\`: the runtime on the unhardened spec (no seccomp filter);"
  echo "\`hardened\`: the runtime alone on the spec stockade wrote, its notify rule turned into"
  echo "an allow and no listenerPath (stockade's filter without the supervisor);"
  echo "\`supervised\`: stockade, enforce, default profile, execve and execveat answered by"
  echo "the supervisor (seccomp notify, then fanotify on the opened file)."
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "- host: $(uname -sr), $(nproc) CPUs, cgroups $SK_CGROUP_LAYOUT"
  echo "- stockade: $sk_version"
  for rt in "${rts[@]}"; do
    echo "- $rt: $("$(sk_rt_path "$rt")" --version | head -n 1)"
  done
  echo
  echo "## exec"
  echo
  echo "One fork + execve of a static no-op (\`sktrue\`) + exit + wait, $NEXEC times a"
  echo "round (\`exectest execloop\`); microseconds per exec."
  echo
  echo "| runtime | p50 plain | p50 hardened | p50 supervised | p99 plain | p99 hardened | p99 supervised |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${exec_rows[@]}"
  echo
  echo "| runtime | **added by the supervisor, p50 µs** | **added, p99 µs** | supervised / hardened p50 | p99 | supervised / plain p50 | p99 |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${added_rows[@]}"
  echo
  echo "## syscalls the supervisor does not see"
  echo
  echo "\`getppid\`, $NPPID calls a round (\`exectest getppid\`); nanoseconds per call."
  echo
  echo "| runtime | plain (no filter) | hardened (filter, no notify rule) | supervised | supervised / hardened | supervised / plain |"
  echo "|---|---:|---:|---:|---:|---:|"
  printf '%s\n' "${ppid_rows[@]}"
  echo
  echo "## memory of one supervisor"
  echo
  echo "kB from /proc/PID/smaps_rollup: idle (the container started and waits), then after"
  echo "the container made $MEMEXECS execs (the last column: their p50, µs)."
  echo
  echo "| runtime | RSS idle | PSS idle | RSS after | PSS after | p50 µs of those execs |"
  echo "|---|---:|---:|---:|---:|---:|"
  printf '%s\n' "${mem_rows[@]}"
  echo "$END_MARK"
}

report >"$CASE/section.md"
cat "$CASE/section.md"
# Replace this script's section, keep everything else.
if [ -f "$OUT" ]; then
  awk -v b="$BEGIN_MARK" -v e="$END_MARK" '$0 == b { skip = 1 } !skip { print } $0 == e { skip = 0 }' "$OUT" |
    sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' >"$OUT.new"
  { echo && cat "$CASE/section.md"; } >>"$OUT.new"
else
  cp "$CASE/section.md" "$OUT.new"
fi
mv "$OUT.new" "$OUT"
echo "bench/exec: wrote ${OUT#"$repo"/}" >&2
