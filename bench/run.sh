#!/bin/bash
# make bench: start latency of `run` of a trivial command (busybox true),
# stockade (enforce, default profile) against the plain runtime, for runc and
# for crun, with two inputs: a spec without seccomp, and one carrying the
# engine's default profile (podman 4.3's, as it writes it into config.json,
# tests/fixtures/podman-4.3-seccomp.json), given to both. Every variant runs
# once per round, the order rotating from round to round, so that drift of
# the machine hits them alike; each ratio is the median (and p95) of the
# per-round ratios. The split of stockade's start: the same run with the
# supervisor off, with and without Landlock. Also stockade's own CPU per
# create: the same create with a runtime that only exits (sktiny), less
# sktiny's own, beside the same figure for a C program that only exits
# (static and dynamically linked: the floor on this machine). Writes
# bench/results.md (this part; bench/exec.sh adds its own). Needs root.
#
# Environment: B (build dir, default build), BENCH_N rounds (default 30, at
# least 30 for a result worth keeping), BENCH_OUT (default bench/results.md),
# SK_RUNTIMES (default "runc crun").
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/integration/lib.sh
. "$repo/tests/integration/lib.sh"
# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"

N=${BENCH_N:-30}
OUT=${BENCH_OUT:-$repo/bench/results.md}
WARMUP=2

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
[ -r "$BENCH_ENGINE_SECCOMP" ] || die "$BENCH_ENGINE_SECCOMP missing"

mapfile -t rts < <(sk_usable_runtimes bench)
[ ${#rts[@]} -gt 0 ] || die "no runtime to measure"

CASE=
cleanup() {
  sk_cleanup_containers
  sk_cleanup_supervisors
  bench_cg_cleanup_all
  [ -n "$CASE" ] || return 0
  umount -l "$CASE" 2>/dev/null
  rm -rf "$CASE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
bench_case bench
jq '.process.terminal=false | .process.args=["true"]' "$CASE/config.json" >"$CASE/config.none.json" || die "jq"
jq --slurpfile s "$BENCH_ENGINE_SECCOMP" '.linux.seccomp = $s[0]' "$CASE/config.none.json" >"$CASE/config.engine.json" || die "jq"

# Variants: KIND-INPUT-RT, KIND plain (the runtime alone) or stockade (in
# front of it), INPUT none (no seccomp in the spec) or engine. For the
# split of stockade's start, with input none only: filter (the supervisor
# off and the default profile without Landlock) and landlock (the
# supervisor off). With the supervisor off, vm.memfd_noexec is set by a
# createRuntime hook, which the runtime runs (stockade, executed again).
cp -a "$repo/profiles" "$CASE/profiles"
jq '.name = "nolandlock" | .landlock = "off"' "$repo/profiles/default.json" >"$CASE/profiles/nolandlock.json" || die "jq"
variants=()
for rt in "${rts[@]}"; do
  RT=$rt sk_config 2>/dev/null || die "cannot write stockade's config"
  jq --arg pd "$CASE/profiles" '.profileDir = $pd' "$CASE/stockade.json" >"$CASE/stockade-$rt.json" || die "jq"
  jq '.supervisor = false | .defaultProfile = "nolandlock"' "$CASE/stockade-$rt.json" >"$CASE/stockade-filter-$rt.json" || die "jq"
  jq '.supervisor = false' "$CASE/stockade-$rt.json" >"$CASE/stockade-landlock-$rt.json" || die "jq"
  rm -f "$CASE/stockade.json"
  for input in none engine; do
    kinds=(plain stockade)
    [ "$input" = none ] && kinds+=(filter landlock)
    for kind in "${kinds[@]}"; do
      v=$kind-$input-$rt
      variants+=("$v")
      mkdir -p "$CASE/b-$v"
      cp -a "$CASE/rootfs" "$CASE/b-$v/rootfs"
    done
  done
done
sk_version=$(STOCKADE_CONFIG=$CASE/stockade-${rts[0]}.json "$SK_BIN" --version 2>/dev/null | grep -m1 "^stockade")

# run_once VARIANT ID: one timed `run`; prints the milliseconds.
run_once() {
  local v=$1 id=$2 kind input rt t0 t1 rc
  kind=${v%%-*}
  rt=${v##*-}
  input=${v#*-}
  input=${input%-*}
  cp "$CASE/config.$input.json" "$CASE/b-$v/config.json"
  echo "$rt $id" >>"$CASE/containers"
  t0=$EPOCHREALTIME
  if [ "$kind" = plain ]; then
    RT=$rt bench_cg_run "$id" "$rt" sk_rt run --bundle "$CASE/b-$v" "$id" </dev/null >/dev/null 2>"$CASE/err"
  elif [ "$kind" = stockade ]; then
    RT=$rt SK_CONFIG=$CASE/stockade-$rt.json bench_cg_run "$id" "$rt" sk_sk run --bundle "$CASE/b-$v" "$id" </dev/null >/dev/null 2>"$CASE/err"
  else
    RT=$rt SK_CONFIG=$CASE/stockade-$kind-$rt.json bench_cg_run "$id" "$rt" sk_sk run --bundle "$CASE/b-$v" "$id" </dev/null >/dev/null 2>"$CASE/err"
  fi
  rc=$?
  t1=$EPOCHREALTIME
  bench_cg_cleanup "$id"
  if [ "$rc" != 0 ]; then
    echo "bench: $v run failed (exit $rc):" >&2
    sed 's/^/  /' "$CASE/err" >&2
    return 1
  fi
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) * 1000 }'
}

# cpu_ms CMD...: CPU time (ms) of CMD's process itself, across its exec
# of the runtime, not its children (perf's task-clock, from the scheduler's
# clock: getrusage is counted in ticks on many kernels, 4 or 10 ms). Fails,
# with CMD's messages on stderr, when CMD fails: a create refused at once
# (a config error) costs almost nothing, and must not pass for a figure.
cpu_ms() {
  local out rc ms
  out=$(perf stat -x, --no-inherit -e task-clock -- "$@" </dev/null 2>&1 >/dev/null)
  rc=$?
  ms=$(awk -F, '$3 == "task-clock" || $3 ~ /^task-clock/ { printf "%.3f\n", $1 }' <<<"$out")
  if [ "$rc" != 0 ] || [ -z "$ms" ]; then
    echo "bench: $* failed (exit $rc):" >&2
    sed 's/^/  /' <<<"$out" >&2
    return 1
  fi
  echo "$ms"
}
have_perf=1
command -v perf >/dev/null || { have_perf=0; echo "bench: perf not installed (Debian: linux-perf): stockade's own CPU is not measured" >&2; }

# stockade's own CPU for one create, its runtime being sktiny (512 bytes,
# no libc: it exits at once, so there is no container and the supervisor
# ends by itself; its own exec is measured alone and taken off). A path:
# `command -v true` names bash's builtin, which stockade rightly refuses.
NULL_RT=$SK_HELPERS/sktiny
[ -x "$NULL_RT" ] || die "$NULL_RT missing: run make B=$B helpers"
jq --arg t "$NULL_RT" '.runtime = $t' "$CASE/stockade-${rts[0]}.json" >"$CASE/stockade-true.json"
create_cpu() {
  local input=$1 id=$2 b=$CASE/b-stockade-$1-${rts[0]} ms
  cp "$CASE/config.$input.json" "$b/config.json"
  ms=$(STOCKADE_CONFIG=$CASE/stockade-true.json cpu_ms "$SK_BIN" --root "$CASE/root-true" create --bundle "$b" "$id") || return 1
  rm -rf "$CASE/state"/*/
  echo "$ms"
}

echo "bench: $N rounds of ${variants[*]} (+$WARMUP warm-up), cgroups: $SK_CGROUP_LAYOUT" >&2
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
  if [ "$have_perf" = 1 ]; then
    for input in none engine; do
      ms=$(create_cpu "$input" "skc-$$-$i-$input") || die "stockade create (its runtime $NULL_RT) failed in round $i"
      echo "$i $ms" >>"$CASE/cpu-$input"
    done
    ms=$(cpu_ms "$NULL_RT") || die "$NULL_RT failed"
    echo "$i $ms" >>"$CASE/cpu-true"
    # What any C program that exits at once costs here, measured alike:
    # the floor under stockade's own figure on this machine.
    for f in sktrue sktrue-dyn; do
      ms=$(cpu_ms "$SK_HELPERS/$f") || die "$SK_HELPERS/$f failed"
      echo "$i $ms" >>"$CASE/cpu-$f"
    done
  fi
  [ $((i % 10)) = 0 ] && echo "bench: $i/$N rounds" >&2
done

rows=()
for v in "${variants[@]}"; do
  cut -d' ' -f2 "$CASE/t-$v" >"$CASE/n-$v"
  read -r med p95 _ < <(bench_stats "$CASE/n-$v")
  rows+=("| $v | $N | $(printf %.1f "$med") | $(printf %.1f "$p95") |")
done
ratio_rows=()
for rt in "${rts[@]}"; do
  for input in none engine; do
    bench_round_ratios "$CASE/t-stockade-$input-$rt" "$CASE/t-plain-$input-$rt" "$CASE/r-$input-$rt"
    read -r rmed rp95 _ < <(bench_stats "$CASE/r-$input-$rt")
    label="no seccomp in the spec"
    [ "$input" = engine ] && label="the engine's default profile in the spec (both)"
    ratio_rows+=("| **stockade / plain $rt**, $label | **$(printf %.2f "$rmed")** | $(printf %.2f "$rp95") |")
  done
done
# the engine's profile against none, plain runtime: what that filter costs
for rt in "${rts[@]}"; do
  bench_round_ratios "$CASE/t-plain-engine-$rt" "$CASE/t-plain-none-$rt" "$CASE/r-pe-$rt"
  read -r rmed rp95 _ < <(bench_stats "$CASE/r-pe-$rt")
  ratio_rows+=("| plain $rt: engine profile / no seccomp (what the engine's filter costs) | $(printf %.2f "$rmed") | $(printf %.2f "$rp95") |")
done
cpu_rows=()
touch "$CASE/cpu-true" "$CASE/cpu-none" "$CASE/cpu-engine"
for input in none engine; do
  bench_round_diffs "$CASE/cpu-$input" "$CASE/cpu-true" "$CASE/d-$input"
  read -r cmed cp95 _ < <(bench_stats "$CASE/d-$input")
  cpu_rows+=("| $input | $(printf %.2f "$cmed") | $(printf %.2f "$cp95") |")
done
touch "$CASE/cpu-sktrue" "$CASE/cpu-sktrue-dyn"
for f in sktrue-dyn sktrue; do
  bench_round_diffs "$CASE/cpu-$f" "$CASE/cpu-true" "$CASE/d-$f"
  read -r cmed cp95 _ < <(bench_stats "$CASE/d-$f")
  case $f in
    sktrue) label="floor: \`sktrue\`, a static glibc program that exits at once" ;;
    *) label="floor: \`sktrue-dyn\`, the same linked against libc.so (as stockade is)" ;;
  esac
  cpu_rows+=("| $label | $(printf %.2f "$cmed") | $(printf %.2f "$cp95") |")
done
read -r tmed _ < <(cut -d' ' -f2 "$CASE/cpu-true" >"$CASE/n-true" && bench_stats "$CASE/n-true")
# The split of stockade's start (input none): each kind over plain.
split_rows=()
for rt in "${rts[@]}"; do
  row="| $rt"
  for kind in filter landlock stockade; do
    bench_round_ratios "$CASE/t-$kind-none-$rt" "$CASE/t-plain-none-$rt" "$CASE/r-$kind-$rt"
    read -r rmed _ < <(bench_stats "$CASE/r-$kind-$rt")
    row+=" | $(printf %.2f "$rmed")"
  done
  split_rows+=("$row |")
done

report() {
  echo "# stockade start latency"
  echo
  echo "\`run\` of \`true\` in a busybox bundle, wall clock from the caller, milliseconds."
  echo "stockade in enforce mode with the default profile (user, capabilities, read-only"
  echo "root, seccomp, Landlock, supervisor). \`plain\`: the runtime alone. Inputs: \`none\`, a"
  echo "spec without seccomp; \`engine\`, the same spec with the engine's default profile"
  echo "(podman 4.3's, as it writes it into config.json), given to both. $N rounds after"
  echo "$WARMUP warm-up rounds, every variant once a round (the order rotating); each ratio"
  echo "is the median of the per-round ratios, p95 by nearest rank."
  echo "Made by \`make bench\` (bench/run.sh)."
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "- host: $(uname -sr), $(nproc) CPUs, cgroups $SK_CGROUP_LAYOUT, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- stockade: $sk_version"
  for rt in "${rts[@]}"; do
    echo "- $rt: $("$(sk_rt_path "$rt")" --version | head -n 1)"
  done
  if [ "$SK_CGROUP_LAYOUT" = hybrid ] && printf '%s\n' "${rts[@]}" | grep -qx crun; then
    echo "- crun (plain and under stockade) runs in \`unshare -m\` with a cgroup2 /sys/fs/cgroup and"
    echo "  \`--cgroup-manager=disabled\` (crun 1.8 refuses this host's hybrid cgroups); its command,"
    echo "  and so its container, is started in cpu and cpuacct cgroups of its own, as runc's"
    echo "  containers get"
  fi
  echo
  echo "| ratio | median of per-round ratios | p95 |"
  echo "|---|---:|---:|"
  printf '%s\n' "${ratio_rows[@]}"
  echo
  echo "| variant | runs | median ms | p95 ms |"
  echo "|---|---:|---:|---:|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "stockade's own CPU for one \`create\` (perf's task-clock of its process, ms; its runtime"
  echo "sktiny, 512 bytes that only exit, whose own $(printf %.2f "$tmed") ms under perf are taken off round"
  echo "by round):"
  echo
  echo "| create's input, or the floor | median ms | p95 ms |"
  echo "|---|---:|---:|"
  printf '%s\n' "${cpu_rows[@]}"
  echo
  echo "Where stockade's start goes (no seccomp in the spec; median of per-round ratios to"
  echo "plain): \`filter\`, the default profile without Landlock and the supervisor off (so"
  echo "vm.memfd_noexec is set by a createRuntime hook the runtime runs: stockade executed"
  echo "again); \`+ Landlock\`, the supervisor still off; \`as shipped\`, with the supervisor"
  echo "(which sets vm.memfd_noexec itself, no hook) and stockade-init."
  echo
  echo "| runtime | filter | + Landlock | as shipped |"
  echo "|---|---:|---:|---:|"
  printf '%s\n' "${split_rows[@]}"
}

BEGIN_MARK='<!-- bench/exec.sh: begin -->'
report >"$CASE/section.md"
cat "$CASE/section.md"
# Replace this part, keep bench/exec.sh's section.
{
  cat "$CASE/section.md"
  if [ -f "$OUT" ] && grep -qxF "$BEGIN_MARK" "$OUT"; then
    echo
    awk -v b="$BEGIN_MARK" '$0 == b { keep = 1 } keep { print }' "$OUT"
  fi
} >"$OUT.new" && mv "$OUT.new" "$OUT"
echo "bench: wrote ${OUT#"$repo"/}" >&2
