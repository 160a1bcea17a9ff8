#!/bin/bash
# make stress, second part: how start time and supervisor memory grow with
# the number of containers. For each runtime and each count (1, 10, 50 by
# default): start that many supervised containers one after the other
# (stockade run -d, enforce, default profile), then measure every
# supervisor's RSS, PSS and private dirty memory (/proc/PID/smaps_rollup)
# while all of them run, then delete them all. Prints per count the start
# time per container and the memory per supervisor, and says whether growth
# is linear: the per-container figures at the largest count within 1.5
# times (start) and 1.25 times (memory) those at the smallest. A report, not
# a test: it fails only when a container cannot be started.
#
# Knobs (environment): SCALE_COUNTS (default "1 10 50"), B, SK_RUNTIMES.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/integration/lib.sh
. "$repo/tests/integration/lib.sh"
# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"

COUNTS=${SCALE_COUNTS:-1 10 50}
die() {
  echo "scale: $*" >&2
  exit 1
}
[ "$(id -u)" = 0 ] || die "must run as root (it runs real containers)"
[ -x "$SK_BIN" ] || die "$SK_BIN missing: run make B=$B all"
mapfile -t rts < <(sk_usable_runtimes scale)
[ ${#rts[@]} -gt 0 ] || die "no runtime to measure"

CASE=
cleanup() {
  sk_cleanup_containers
  sk_cleanup_supervisors
  [ -n "$CASE" ] || return 0
  umount -l "$CASE" 2>/dev/null
  rm -rf "$CASE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
bench_case scale
jq '.process.terminal=false | .process.args=["sleep", "3600"] | .root.path = "'"$CASE"'/rootfs"' "$CASE/config.json" >"$CASE/config.base.json" || die "jq"

printf '| runtime | containers | start ms per container | RSS kB per supervisor | PSS kB per supervisor | private dirty kB per supervisor |\n'
printf '|---|---:|---:|---:|---:|---:|\n'
for rt in "${rts[@]}"; do
  RT=$rt sk_config 2>/dev/null || die "cannot write stockade's config"
  first_ms="" first_pss="" last_ms="" last_pss=""
  for n in $COUNTS; do
    ids=()
    t0=$EPOCHREALTIME
    for ((i = 0; i < n; i++)); do
      id=sks-$$-$rt-$n-$i
      b=$CASE/b-$id
      mkdir -p "$b" && cp "$CASE/config.base.json" "$b/config.json"
      echo "$rt $id" >>"$CASE/containers"
      RT=$rt sk_sk run -d --bundle "$b" "$id" </dev/null >/dev/null 2>"$CASE/err" || die "$rt: container $i of $n: $(cat "$CASE/err")"
      ids+=("$id")
    done
    t1=$EPOCHREALTIME
    sleep 1
    rss=0 pss=0 pd=0 m=0
    for id in "${ids[@]}"; do
      pid=$(tr -dc '0-9' <"$(sk_sup_dir "$id")/sup.pid" 2>/dev/null)
      [ -n "$pid" ] && [ -r "/proc/$pid/smaps_rollup" ] || continue
      read -r r p d < <(awk '/^Rss:/ { r = $2 } /^Pss:/ { p = $2 } /^Private_Dirty:/ { d = $2 } END { print r + 0, p + 0, d + 0 }' "/proc/$pid/smaps_rollup")
      rss=$((rss + r)) pss=$((pss + p)) pd=$((pd + d)) m=$((m + 1))
    done
    [ "$m" -gt 0 ] || die "$rt: no supervisor found for $n containers"
    ms=$(awk -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN { printf "%.1f", (b - a) * 1000 / n }')
    printf '| %s | %d | %s | %d | %d | %d |\n' "$rt" "$n" "$ms" $((rss / m)) $((pss / m)) $((pd / m))
    [ -n "$first_ms" ] || { first_ms=$ms first_pss=$((pss / m)); }
    last_ms=$ms last_pss=$((pss / m))
    for id in "${ids[@]}"; do
      RT=$rt sk_sk delete -f "$id" </dev/null >/dev/null 2>&1
    done
  done
  lin_t=$(awk -v a="$first_ms" -v b="$last_ms" 'BEGIN { print (b <= 1.5 * a) ? "yes" : "no" }')
  lin_m=$(awk -v a="$first_pss" -v b="$last_pss" 'BEGIN { print (b <= 1.25 * a) ? "yes" : "no" }')
  echo "scale: $rt: start time grows linearly: $lin_t (per container $first_ms ms at the smallest count, $last_ms ms at the largest); supervisor memory grows linearly: $lin_m (PSS per supervisor $first_pss kB, then $last_pss kB)" >&2
done
