# shellcheck shell=bash
# Shared by bench/run.sh and bench/exec.sh (sourced after
# tests/integration/lib.sh). Nothing here asserts a time.

# Engine's default seccomp profile, as podman 4.3 writes it into a
# container's config.json (what really reaches a runtime; the test data).
BENCH_ENGINE_SECCOMP=${BENCH_ENGINE_SECCOMP:-$SK_REPO/tests/fixtures/podman-4.3-seccomp.json}

# bench_case NAME: CASE, a tmpfs at /tmp/stockade-NAME.XXXXXX (bundles,
# runtime roots and stockade's state on a tmpfs, as on a node: there
# containerd's bundles, runc's --root and stockade's stateDir all live under
# /run), with the busybox rootfs and runc's default spec (config.json) in
# it. The caller unmounts and removes it (its own cleanup trap). Calls die.
bench_case() {
  CASE=$(mktemp -d "/tmp/stockade-$1.XXXXXX") || die "cannot make a temp dir"
  mount -t tmpfs -o mode=0755 tmpfs "$CASE" || die "cannot mount a tmpfs on $CASE"
  # shellcheck disable=SC2034 # read by sk_build_rootfs and the sk_* helpers
  SK_RUN_DIR=$CASE
  sk_build_rootfs "$CASE/rootfs" >/dev/null 2>&1 || die "cannot build the busybox rootfs"
  (cd "$CASE" && "$SK_RUNC" spec) || die "runc spec failed"
}

# bench_cg_run ID RT CMD...: run CMD. On a hybrid-cgroup host crun runs
# with its cgroup manager disabled (tests/integration/lib.sh), which would
# leave its containers in the caller's cpu cgroup (here the root one)
# while runc gives each container cpu and cpuacct cgroups of their own:
# so crun's command is started in cgroups of its own, which its container
# inherits, as runc's container gets. Removed by bench_cg_cleanup ID.
bench_cg_run() {
  local id=$1 rt=$2 c
  shift 2
  if [ "$rt" != crun ] || [ "$SK_CGROUP_LAYOUT" != hybrid ]; then
    "$@"
    return
  fi
  (
    for c in cpu cpuacct; do
      if [ -d "/sys/fs/cgroup/$c" ]; then
        mkdir -p "/sys/fs/cgroup/$c/stockade-bench/$id" && echo "$BASHPID" >"/sys/fs/cgroup/$c/stockade-bench/$id/cgroup.procs" || exit 125
      fi
    done
    "$@" # a shell function too (sk_rt, sk_sk): its children inherit the cgroups
  )
}

bench_cg_cleanup() {
  local c
  for c in cpu cpuacct; do
    rmdir "/sys/fs/cgroup/$c/stockade-bench/$1" 2>/dev/null
  done
  return 0
}

bench_cg_cleanup_all() {
  local c d
  for c in cpu cpuacct; do
    for d in /sys/fs/cgroup/$c/stockade-bench/*/; do
      [ -d "$d" ] && rmdir "$d" 2>/dev/null
    done
    rmdir "/sys/fs/cgroup/$c/stockade-bench" 2>/dev/null
  done
  return 0
}

# bench_stats FILE -> "median p95 p99" of the numbers in FILE (nearest rank)
bench_stats() {
  sort -g "$1" | awk '{ a[NR] = $1 } END {
    if (NR == 0) { print "- - -"; exit }
    m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
    r = int(0.95 * NR); if (r < 0.95 * NR) r++; if (r < 1) r = 1
    q = int(0.99 * NR); if (q < 0.99 * NR) q++; if (q < 1) q = 1
    printf "%.3f %.3f %.3f\n", m, a[r], a[q] }'
}

# bench_round_ratios A B OUT: per-round ratios of the files "ROUND VALUE"
# A and B (the same rounds), one a line, into OUT.
bench_round_ratios() {
  join <(sort -k1,1 "$1") <(sort -k1,1 "$2") | awk '$3 > 0 { printf "%.4f\n", $2 / $3 }' >"$3"
}

# bench_round_diffs A B OUT: per-round differences A - B.
bench_round_diffs() {
  join <(sort -k1,1 "$1") <(sort -k1,1 "$2") | awk '{ printf "%.2f\n", $2 - $3 }' >"$3"
}
