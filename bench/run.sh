#!/bin/bash
# make bench: start latency of `run` of a trivial command (busybox true),
# stockade (enforce, default profile) against the plain runtime, for runc and
# for crun. The four variants are interleaved in every round (the order
# rotates from round to round) so that drift of the machine hits all alike.
# Prints median and p95 (milliseconds) of each variant, and the ratios
# stockade/plain of the medians and of the p95s, plus the median and p95 of
# the per-round ratios; writes the same as a markdown table to
# bench/results.md. Needs root.
#
# Environment: B (build dir, default build), BENCH_N rounds (default 50, at
# least 30 for a result worth keeping), BENCH_OUT (default bench/results.md),
# SK_RUNTIMES (default "runc crun").
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/integration/lib.sh
. "$repo/tests/integration/lib.sh"

N=${BENCH_N:-50}
OUT=${BENCH_OUT:-$repo/bench/results.md}
WARMUP=3

die() {
  echo "bench: $*" >&2
  exit 1
}
[ "$(id -u)" = 0 ] || die "must run as root (it runs real containers)"
[ -x "$SK_BIN" ] || die "$SK_BIN missing: run make B=$B all"
[ -x "$SK_PROBE" ] || die "$SK_PROBE missing: run make B=$B helpers"
command -v jq >/dev/null || die "jq not installed: run make deps"
[ -n "${EPOCHREALTIME:-}" ] || die "needs bash 5 (EPOCHREALTIME)"
[ "$N" -ge 1 ] 2>/dev/null || die "BENCH_N must be a positive number"

mapfile -t rts < <(sk_usable_runtimes bench)
[ ${#rts[@]} -gt 0 ] || die "no runtime to measure"

CASE=$(mktemp -d /tmp/stockade-bench.XXXXXX) || die "cannot make a temp dir"
# Bundles, runtime roots and stockade's state on a tmpfs, as on a node: there
# containerd's bundles, runc's --root and stockade's stateDir all live under
# /run, a tmpfs. (On this VM /tmp and /run are on the disk, where every file
# created costs ext4 block allocation that a node does not pay.)
mount -t tmpfs -o mode=0755 tmpfs "$CASE" || die "cannot mount a tmpfs on $CASE"
cleanup() {
  sk_cleanup_containers
  umount -l "$CASE" 2>/dev/null
  rm -rf "$CASE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

SK_RUN_DIR=$CASE
sk_build_rootfs "$CASE/rootfs" >/dev/null 2>&1 || die "cannot build the busybox rootfs"
(cd "$CASE" && "$SK_RUNC" spec) || die "runc spec failed"
jq '.process.terminal=false | .process.args=["true"]' "$CASE/config.json" >"$CASE/config.base.json" || die "jq"

# One bundle per variant, its config.json restored before every run (stockade
# rewrites it), outside the timed part. Variants per runtime:
#   plain-RT     the runtime on the unhardened spec
#   stockade-RT  stockade (enforce, default profile) in front of it
#   hardened-RT  the runtime alone on the spec stockade wrote, minus the
#                supervisor's listener: the cost of the hardening itself
#                (seccomp, mounts), without stockade's own work (which now
#                includes starting the supervisor and connecting to it)
variants=()
for rt in "${rts[@]}"; do
  for v in plain stockade hardened; do
    variants+=("$v-$rt")
    mkdir -p "$CASE/b-$v-$rt"
    cp -a "$CASE/rootfs" "$CASE/b-$v-$rt/rootfs"
  done
  RT=$rt sk_config 2>/dev/null || die "cannot write stockade's config"
  mv "$CASE/stockade.json" "$CASE/stockade-$rt.json"
  cp "$CASE/config.base.json" "$CASE/b-hardened-$rt/config.json"
  id=skb-$$-spec-$rt
  echo "$rt $id" >>"$CASE/containers"
  RT=$rt SK_CONFIG=$CASE/stockade-$rt.json sk_sk create --bundle "$CASE/b-hardened-$rt" "$id" </dev/null >/dev/null 2>"$CASE/err" ||
    die "stockade create (to get the hardened spec) failed: $(cat "$CASE/err")"
  # Without the supervisor: its socket goes with the container deleted
  # below, and the runtime alone has no agent to connect to. The notify
  # rule's syscalls are allowed instead (bench/exec.sh measures the
  # supervisor's own cost).
  jq 'del(.linux.seccomp.listenerPath, .linux.seccomp.listenerMetadata)
      | if .linux.seccomp.syscalls then .linux.seccomp.syscalls |= map(if .action == "SCMP_ACT_NOTIFY" then .action = "SCMP_ACT_ALLOW" else . end) else . end' \
    "$CASE/b-hardened-$rt/config.json" >"$CASE/config.hardened-$rt.json" || die "jq"
  RT=$rt SK_CONFIG=$CASE/stockade-$rt.json sk_sk delete -f "$id" </dev/null >/dev/null 2>&1
done
sk_version=$(STOCKADE_CONFIG=$CASE/stockade-${rts[0]}.json "$SK_BIN" --version 2>/dev/null | head -n 1)

# run_once VARIANT ID: one timed `run`; prints the milliseconds.
run_once() {
  local v=$1 id=$2 kind rt t0 t1 rc
  kind=${v%%-*}
  rt=${v#*-}
  if [ "$kind" = hardened ]; then
    cp "$CASE/config.hardened-$rt.json" "$CASE/b-$v/config.json"
  else
    cp "$CASE/config.base.json" "$CASE/b-$v/config.json"
  fi
  echo "$rt $id" >>"$CASE/containers"
  t0=$EPOCHREALTIME
  if [ "$kind" != stockade ]; then
    RT=$rt sk_rt run --bundle "$CASE/b-$v" "$id" </dev/null >/dev/null 2>"$CASE/err"
  else
    RT=$rt SK_CONFIG=$CASE/stockade-$rt.json sk_sk run --bundle "$CASE/b-$v" "$id" </dev/null >/dev/null 2>"$CASE/err"
  fi
  rc=$?
  t1=$EPOCHREALTIME
  if [ "$rc" != 0 ]; then
    echo "bench: $v run failed (exit $rc):" >&2
    sed 's/^/  /' "$CASE/err" >&2
    return 1
  fi
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) * 1000 }'
}

echo "bench: $N rounds of ${variants[*]} (+$WARMUP warm-up), cgroups: $SK_CGROUP_LAYOUT"
for ((i = 1; i <= WARMUP; i++)); do
  for v in "${variants[@]}"; do
    run_once "$v" "skb-$$-w$i-$v" >/dev/null || die "warm-up failed"
  done
done
nv=${#variants[@]}
for ((i = 1; i <= N; i++)); do
  for ((k = 0; k < nv; k++)); do
    v=${variants[$(((k + i) % nv))]}
    ms=$(run_once "$v" "skb-$$-$i-$v") || die "round $i failed"
    echo "$i $ms" >>"$CASE/t-$v"
  done
  [ $((i % 10)) = 0 ] && echo "bench: $i/$N rounds" >&2
done

# stats FILE-OF-NUMBERS -> "median p95" (p95 by nearest rank)
stats() {
  sort -g "$1" | awk '{ a[NR] = $1 } END {
    m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
    r = int(0.95 * NR); if (r < 0.95 * NR) r++; if (r < 1) r = 1
    printf "%.2f %.2f\n", m, a[r] }'
}

rows=()
ratio_rows=()
for v in "${variants[@]}"; do
  cut -d' ' -f2 "$CASE/t-$v" >"$CASE/n-$v"
  read -r med p95 < <(stats "$CASE/n-$v")
  rows+=("| $v | $N | $med | $p95 |")
  eval "med_${v//-/_}=$med p95_${v//-/_}=$p95"
done
# ratio_row LABEL NUM-VARIANT DEN-VARIANT
ratio_row() {
  local a=${2//-/_} b=${3//-/_} rmed rp95
  # per-round ratios (same round = neighbouring runs)
  paste -d' ' "$CASE/t-$2" "$CASE/t-$3" | awk '$1 == $3 { printf "%.4f\n", $2 / $4 }' >"$CASE/r-$2-$3"
  read -r rmed rp95 < <(stats "$CASE/r-$2-$3")
  ratio_rows+=("| $1 | $(awk -v a="$(eval "echo \$med_$a")" -v b="$(eval "echo \$med_$b")" 'BEGIN { printf "%.2f", a / b }') | $(awk -v a="$(eval "echo \$p95_$a")" -v b="$(eval "echo \$p95_$b")" 'BEGIN { printf "%.2f", a / b }') | $rmed | $rp95 |")
}
for rt in "${rts[@]}"; do
  ratio_row "**stockade / plain $rt**" "stockade-$rt" "plain-$rt"
done
for rt in "${rts[@]}"; do
  ratio_row "hardened spec / plain $rt (cost of the hardening)" "hardened-$rt" "plain-$rt"
  ratio_row "stockade / hardened spec $rt (stockade's own work)" "stockade-$rt" "hardened-$rt"
done

report() {
  echo "# stockade start latency"
  echo
  echo "\`run\` of \`true\` in a busybox bundle, wall clock from the caller, milliseconds."
  echo "stockade in enforce mode with the default profile (user, capabilities, read-only"
  echo "root, seccomp, no new privileges). The variants are interleaved, $N rounds"
  echo "after $WARMUP warm-up rounds; p95 by nearest rank. \`plain\`: the runtime on the"
  echo "unhardened spec; \`stockade\`: stockade in front of it; \`hardened\`: the runtime alone"
  echo "on the spec stockade wrote, without the supervisor's listener (what the hardening itself"
  echo "costs in the runtime); \`stockade\` includes starting the supervisor and the runtime's"
  echo "connection to it."
  echo "Made by \`make bench\` (bench/run.sh)."
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "- host: $(uname -sr), $(nproc) CPUs, cgroups $SK_CGROUP_LAYOUT"
  echo "- stockade: $sk_version"
  for rt in "${rts[@]}"; do
    echo "- $rt: $("$(sk_rt_path "$rt")" --version | head -n 1)"
  done
  if [ "$SK_CGROUP_LAYOUT" = hybrid ] && printf '%s\n' "${rts[@]}" | grep -qx crun; then
    echo "- crun (plain and under stockade) runs in \`unshare -m\` with a cgroup2 /sys/fs/cgroup and"
    echo "  \`--cgroup-manager=disabled\`: crun 1.8 refuses this host's hybrid cgroups"
  fi
  echo
  echo "| variant | runs | median ms | p95 ms |"
  echo "|---|---:|---:|---:|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "| ratio | of medians | of p95s | median of per-round ratios | p95 of per-round ratios |"
  echo "|---|---:|---:|---:|---:|"
  printf '%s\n' "${ratio_rows[@]}"
}

report | tee "$OUT.new" && mv "$OUT.new" "$OUT"
echo "bench: wrote ${OUT#"$repo"/}" >&2
