#!/bin/bash
# make bench (after bench/run.sh): what stockade costs an exec inside a
# running container, as a user sees it, and the supervisor's memory; for
# runc and for crun. Ratios, differences and percentiles only; nothing here
# asserts a time.
#
#   exec      `exectest execloop N PROG` inside the container: fork +
#             execve + exit + wait, N times; p50 and p99 of one such exec in
#             microseconds. PROG is /bin/sktiny (512 bytes, no libc: the
#             exec itself) and /bin/sktrue-dyn (linked against libc: ld.so
#             is opened and judged too). Variants, all on the same
#             unhardened spec:
#               plain     the runtime alone
#               filter    stockade, enforce, default profile, with neither
#                         supervisor (config "supervisor": false) nor
#                         Landlock (the profile's "landlock": "off")
#               landlock  the same with Landlock
#               sup       the same with the supervisor, without Landlock
#               shipped   stockade as shipped (both)
#             "added" is the median over the rounds of (variant - plain) in
#             the same round.
#   floor     what the two kernel mechanisms cost with nobody working in
#             them, on the host (tests/helpers/execfloor.c): the same
#             execloop of sktiny, from a tmpfs, plain; with execve sent to a
#             seccomp listener that answers CONTINUE at once; and with a
#             fanotify exec permission mark answered at once as well. Run
#             in every round with the rest: on a virtual machine, what a
#             wake-up costs changes by the minute.
#   memory    RSS, PSS and private dirty memory (/proc/PID/smaps_rollup) of
#             one supervisor, idle after the container started, and after
#             the container made 10,000 execs.
#
# Variants are interleaved round by round (order rotating) so that drift of
# the machine hits them alike. crun's containers run in cgroups of their
# own (bench/lib.sh). Writes its section of bench/results.md between the
# markers below, leaving the rest of the file as it is. Needs root.
#
# Environment: B (build dir, default build), BENCH_EXEC_ROUNDS (default 5),
# BENCH_EXEC_WARMUP warm-up rounds (default 1),
# BENCH_EXEC_N execs per run (default 2000), BENCH_MEM_EXECS (default
# 10000), BENCH_OUT (default bench/results.md), SK_RUNTIMES (default "runc
# crun"), BENCH_VERBOSE=1 (each run's figures on stderr).
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/integration/lib.sh
. "$repo/tests/integration/lib.sh"
# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"

ROUNDS=${BENCH_EXEC_ROUNDS:-5}
WARMUP=${BENCH_EXEC_WARMUP:-1}
NEXEC=${BENCH_EXEC_N:-2000}
MEMEXECS=${BENCH_MEM_EXECS:-10000}
OUT=${BENCH_OUT:-$repo/bench/results.md}
BEGIN_MARK='<!-- bench/exec.sh: begin -->'
END_MARK='<!-- bench/exec.sh: end -->'
PROGS=(sktiny sktrue-dyn)
KINDS=(plain filter landlock sup shipped)

die() {
  echo "bench/exec: $*" >&2
  exit 1
}
[ "$(id -u)" = 0 ] || die "must run as root (it runs real containers)"
[ -x "$SK_BIN" ] || die "$SK_BIN missing: run make B=$B all"
for h in exectest sktiny sktrue-dyn execfloor; do
  [ -x "$SK_HELPERS/$h" ] || die "$SK_HELPERS/$h missing: run make B=$B helpers"
done
command -v jq >/dev/null || die "jq not installed: run make deps"
for v in ROUNDS NEXEC MEMEXECS; do
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
  bench_cg_cleanup_all
  umount -l "$CASE" 2>/dev/null
  rm -rf "$CASE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

SK_RUN_DIR=$CASE
sk_build_rootfs "$CASE/rootfs" >/dev/null 2>&1 || die "cannot build the busybox rootfs"
# sktrue-dyn's C library and its ELF interpreter, from the host.
interp=$(readelf -l "$SK_HELPERS/sktrue-dyn" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
[ -n "$interp" ] || die "cannot read sktrue-dyn's ELF interpreter (readelf)"
for lib in "$interp" $(ldd "$SK_HELPERS/sktrue-dyn" | awk '$3 ~ /^\// { print $3 }'); do
  mkdir -p "$CASE/rootfs$(dirname "$lib")" && cp -L "$lib" "$CASE/rootfs$lib" || die "cannot copy $lib"
done
chroot "$CASE/rootfs" /bin/sktrue-dyn || die "sktrue-dyn does not run in the bench rootfs"
(cd "$CASE" && "$SK_RUNC" spec) || die "runc spec failed"
jq '.process.terminal=false | .process.args=["true"]' "$CASE/config.json" >"$CASE/config.base.json" || die "jq"
rm -f "$CASE/config.json"

# The profiles: the shipped ones, and the default without Landlock.
cp -a "$repo/profiles" "$CASE/profiles"
jq '.name = "nolandlock" | .landlock = "off"' "$repo/profiles/default.json" >"$CASE/profiles/nolandlock.json" || die "jq"

# stockade's configs per runtime and kind
variants=()
for rt in "${rts[@]}"; do
  RT=$rt sk_config 2>/dev/null || die "cannot write stockade's config"
  for kind in "${KINDS[@]}"; do
    case $kind in
      filter) f='.supervisor = false | .defaultProfile = "nolandlock"' ;;
      landlock) f='.supervisor = false' ;;
      sup) f='.defaultProfile = "nolandlock"' ;;
      *) f='.' ;;
    esac
    jq --arg pd "$CASE/profiles" ".profileDir = \$pd | $f" "$CASE/stockade.json" >"$CASE/stockade-$kind-$rt.json" || die "jq"
    variants+=("$kind-$rt")
    mkdir -p "$CASE/b-$kind-$rt"
    cp -a "$CASE/rootfs" "$CASE/b-$kind-$rt/rootfs"
  done
  rm -f "$CASE/stockade.json"
done
sk_version=$(STOCKADE_CONFIG=$CASE/stockade-shipped-${rts[0]}.json "$SK_BIN" --version 2>/dev/null | grep -m1 "^stockade")

# run_in VARIANT ID ARGS-JSON: run ARGS in a fresh container of the
# variant, in the foreground; its stdout in $CASE/out.
run_in() {
  local v=$1 id=$2 args=$3 kind rt b rc
  kind=${v%%-*}
  rt=${v#*-}
  b=$CASE/b-$v
  jq --argjson a "$args" '.process.args = $a' "$CASE/config.base.json" >"$b/config.json"
  echo "$rt $id" >>"$CASE/containers"
  if [ "$kind" = plain ]; then
    RT=$rt bench_cg_run "$id" "$rt" sk_rt run --bundle "$b" "$id" </dev/null >"$CASE/out" 2>"$CASE/err"
  else
    RT=$rt SK_CONFIG=$CASE/stockade-$v.json bench_cg_run "$id" "$rt" sk_sk run --bundle "$b" "$id" </dev/null >"$CASE/out" 2>"$CASE/err"
  fi
  rc=$?
  bench_cg_cleanup "$id"
  if [ "$rc" != 0 ]; then
    echo "bench/exec: $v: run failed:" >&2
    sed 's/^/  /' "$CASE/err" "$CASE/out" >&2
    return 1
  fi
  return 0
}

# The floor's programs, on the case's tmpfs (execfloor marks that mount
# while it runs; no container runs meanwhile).
mkdir -p "$CASE/floor"
cp "$SK_HELPERS/exectest" "$SK_HELPERS/sktiny" "$CASE/floor/" || die "cannot copy the floor's programs"
FLOORS=(none notify both)
variants+=("${FLOORS[@]/#/floor-}")

# ---------------------------------------------------------------------------
# exec, interleaved

echo "bench/exec: $ROUNDS rounds of ${variants[*]} x ${PROGS[*]}: execloop $NEXEC" >&2
nv=${#variants[@]}
for ((i = 1 - WARMUP; i <= ROUNDS; i++)); do # rounds up to 0 warm up
  for ((k = 0; k < nv; k++)); do
    v=${variants[$(((k + i) % nv))]}
    progs=("${PROGS[@]}")
    [ "${v%%-*}" = floor ] && progs=(sktiny)
    for prog in "${progs[@]}"; do
      if [ "${v%%-*}" = floor ]; then
        "$SK_HELPERS/execfloor" "${v#floor-}" "$CASE/floor" "$CASE/floor/exectest" execloop "$NEXEC" "$CASE/floor/$prog" \
          >"$CASE/out" 2>"$CASE/err" || die "$v failed: $(cat "$CASE/err")"
      else
        run_in "$v" "skbe-$$-$i-$v-$prog" "[\"exectest\", \"execloop\", \"$NEXEC\", \"/bin/$prog\"]" || die "round $i failed"
      fi
      errs=$(sk_kv "$CASE/out" execloop-errors)
      [ "$errs" = 0 ] || die "$v: $errs of $NEXEC execs of $prog failed ($(sk_kv "$CASE/out" execloop-first-error))"
      if [ "$i" -gt 0 ]; then
        echo "$i $(sk_kv "$CASE/out" execloop-p50-us)" >>"$CASE/p50-$v-$prog"
        echo "$i $(sk_kv "$CASE/out" execloop-p99-us)" >>"$CASE/p99-$v-$prog"
      fi
      [ -z "${BENCH_VERBOSE:-}" ] || echo "bench/exec: round $i $v $prog: p50 $(sk_kv "$CASE/out" execloop-p50-us) p99 $(sk_kv "$CASE/out" execloop-p99-us) µs" >&2
    done
  done
  [ "$i" -gt 0 ] && echo "bench/exec: round $i/$ROUNDS" >&2
done

med() { cut -d' ' -f2 "$1" >"$1.n" && bench_stats "$1.n" | cut -d' ' -f1; }
f1() { awk -v x="$1" 'BEGIN { printf "%.1f", x }'; }

exec_rows=()
added_rows=()
for rt in "${rts[@]}"; do
  for prog in "${PROGS[@]}"; do
    row="| $rt | $prog"
    for kind in "${KINDS[@]}"; do
      row+=" | $(f1 "$(med "$CASE/p50-$kind-$rt-$prog")") / $(f1 "$(med "$CASE/p99-$kind-$rt-$prog")")"
    done
    exec_rows+=("$row |")
    row="| $rt | $prog"
    for kind in "${KINDS[@]}"; do
      [ "$kind" = plain ] && continue
      bench_round_diffs "$CASE/p50-$kind-$rt-$prog" "$CASE/p50-plain-$rt-$prog" "$CASE/d50"
      bench_round_diffs "$CASE/p99-$kind-$rt-$prog" "$CASE/p99-plain-$rt-$prog" "$CASE/d99"
      a50=$(bench_stats "$CASE/d50" | cut -d' ' -f1)
      a99=$(bench_stats "$CASE/d99" | cut -d' ' -f1)
      if [ "$kind" = shipped ]; then
        row+=" | **$(awk -v x="$a50" 'BEGIN { printf "%+.1f", x }')** / $(awk -v x="$a99" 'BEGIN { printf "%+.1f", x }')"
      else
        row+=" | $(awk -v x="$a50" 'BEGIN { printf "%+.1f", x }') / $(awk -v x="$a99" 'BEGIN { printf "%+.1f", x }')"
      fi
    done
    added_rows+=("$row |")
  done
done
floor_row="| sktiny | $(f1 "$(med "$CASE/p50-floor-none-sktiny")") / $(f1 "$(med "$CASE/p99-floor-none-sktiny")")"
for f in notify both; do
  bench_round_diffs "$CASE/p50-floor-$f-sktiny" "$CASE/p50-floor-none-sktiny" "$CASE/d50"
  bench_round_diffs "$CASE/p99-floor-$f-sktiny" "$CASE/p99-floor-none-sktiny" "$CASE/d99"
  floor_row+=" | $(bench_stats "$CASE/d50" | cut -d' ' -f1 | awk '{ printf "%+.1f", $1 }') / $(bench_stats "$CASE/d99" | cut -d' ' -f1 | awk '{ printf "%+.1f", $1 }')"
done
floor_row+=" |"

# ---------------------------------------------------------------------------
# memory of one supervisor

# rollup PID -> "RSS PSS PRIVATE-DIRTY" (kB)
rollup() {
  awk '/^Rss:/ { r = $2 } /^Pss:/ { p = $2 } /^Private_Dirty:/ { d = $2 } END { print r + 0, p + 0, d + 0 }' "/proc/$1/smaps_rollup"
}

# A binary just built has dirty pages in the page cache until written
# back, which smaps counts as the supervisor's private dirty memory: not
# what an installed stockade has.
sync "$SK_BIN" || die "cannot sync $SK_BIN"
mem_rows=()
for rt in "${rts[@]}"; do
  v=shipped-$rt
  b=$CASE/b-$v
  id=skbe-$$-mem-$rt
  # The container makes its fifo, then waits on it without any exec (read
  # is a shell built-in) until the bench writes to it.
  jq --arg s "mkfifo /tmp/go; read x </tmp/go; exectest execloop $MEMEXECS /bin/sktiny >/tmp/res; mv /tmp/res /tmp/done; exec sleep 300" \
    '.process.args = ["sh", "-c", $s]' "$CASE/config.base.json" >"$b/config.json"
  echo "$rt $id" >>"$CASE/containers"
  RT=$rt SK_CONFIG=$CASE/stockade-$v.json bench_cg_run "$id" "$rt" sk_sk run -d --bundle "$b" "$id" </dev/null >/dev/null 2>"$CASE/err" ||
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
  read -r rss0 pss0 pd0 < <(rollup "$pid")
  echo go >"$root/tmp/go"
  for ((n = 0; n < 3000; n++)); do
    [ -f "$root/tmp/done" ] && break
    sleep 0.1
  done
  [ -f "$root/tmp/done" ] || die "$rt: $MEMEXECS execs did not finish in 300 s"
  errs=$(sk_kv "$root/tmp/done" execloop-errors)
  [ "$errs" = 0 ] || die "$rt: $errs of $MEMEXECS execs failed"
  sleep 0.5
  read -r rss1 pss1 pd1 < <(rollup "$pid")
  mem_rows+=("| $rt | $rss0 | $pss0 | $pd0 | $rss1 | $pss1 | $pd1 |")
  RT=$rt SK_CONFIG=$CASE/stockade-$v.json sk_sk delete -f "$id" </dev/null >/dev/null 2>&1
  bench_cg_cleanup "$id"
done

# ---------------------------------------------------------------------------
# report

report() {
  echo "$BEGIN_MARK"
  echo "# stockade: exec cost and supervisor memory"
  echo
  echo "Made by \`make bench\` (bench/exec.sh). Timed inside the container: one fork +"
  echo "execve + exit + wait, $NEXEC times a run (\`exectest execloop\`); microseconds"
  echo "per exec, p50 / p99 of each run, each figure the median over $ROUNDS interleaved"
  echo "rounds (after $WARMUP warm-up rounds). All variants run the same unhardened spec:"
  echo "\`plain\`, the runtime alone; \`filter\`, stockade (enforce, default profile) without"
  echo "its supervisor and without Landlock; \`landlock\`, with Landlock; \`sup\`, with the"
  echo "supervisor (seccomp notify, then fanotify on the opened file), without Landlock;"
  echo "\`shipped\`, stockade as shipped. \`sktiny\`: 512 bytes, no libc; \`sktrue-dyn\`:"
  echo "linked against libc (ld.so is opened and judged too)."
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "- host: $(uname -sr), $(nproc) CPUs, cgroups $SK_CGROUP_LAYOUT, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- stockade: $sk_version"
  for rt in "${rts[@]}"; do
    echo "- $rt: $("$(sk_rt_path "$rt")" --version | head -n 1)"
  done
  echo
  echo "## exec: added over plain, µs (median of per-round differences), p50 / p99"
  echo
  echo "| runtime | program | filter | + Landlock | + supervisor | **as shipped** |"
  echo "|---|---|---:|---:|---:|---:|"
  printf '%s\n' "${added_rows[@]}"
  echo
  echo "## the floor: both mechanisms answered at once, nothing judged (host, no container)"
  echo
  echo "tests/helpers/execfloor.c, in the same rounds: what any supervisor built on seccomp"
  echo "user-notify and a fanotify permission event pays on this machine before doing any work."
  echo
  echo "| program | plain µs, p50 / p99 | seccomp notify, added | notify + fanotify, added |"
  echo "|---|---:|---:|---:|"
  echo "$floor_row"
  echo
  echo "## exec: µs per exec, p50 / p99"
  echo
  echo "| runtime | program | plain | filter | + Landlock | + supervisor | as shipped |"
  echo "|---|---|---:|---:|---:|---:|---:|"
  printf '%s\n' "${exec_rows[@]}"
  echo
  echo "## memory of one supervisor"
  echo
  echo "kB from /proc/PID/smaps_rollup: idle (the container started and waits), then after"
  echo "the container made $MEMEXECS execs of sktiny."
  echo
  echo "| runtime | RSS idle | PSS idle | private dirty idle | RSS after | PSS after | private dirty after |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
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
