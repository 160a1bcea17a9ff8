#!/bin/bash
# Integration tests: real containers under stockade in front of runc and crun.
#
#   tests/integration/run.sh            every tests/integration/t_*.sh
#   tests/integration/run.sh t_refusal  one of them (name, name.sh or path)
#
# Prints one line per test case ("ok - NAME", "not ok - NAME" followed by its
# log as "# " lines, "skip - NAME: REASON") and, last, alone on its line:
#   N passed, N failed, N skipped
# Exits 1 if any case failed (or a test file broke), else 0. Needs root.
# Knobs (environment): see lib.sh (B, SK_RUNTIMES, SK_TIMEOUT, SK_STRICT,
# SK_KEEP, SK_VERBOSE).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"

files=()
if [ $# -eq 0 ]; then
  for f in "$here"/t_*.sh; do
    [ -e "$f" ] && files+=("$f")
  done
else
  for a in "$@"; do
    if [ -f "$a" ]; then
      files+=("$(cd "$(dirname "$a")" && pwd)/$(basename "$a")")
    elif [ -f "$here/$a" ]; then
      files+=("$here/$a")
    elif [ -f "$here/$a.sh" ]; then
      files+=("$here/$a.sh")
    else
      echo "run.sh: no test file \"$a\" in $here" >&2
      exit 2
    fi
  done
fi

# Preconditions that concern every test: say which is missing and stop.
problems=()
[ "$(id -u)" = 0 ] || problems+=("must run as root (real containers)")
for tool in jq timeout cmp sha256sum unshare chroot; do
  command -v "$tool" >/dev/null || problems+=("$tool not installed (run make deps)")
done
[ -x "$SK_BUSYBOX" ] || problems+=("busybox not found (install busybox-static)")
[ -x "$SK_PROBE" ] || problems+=("probe helper $SK_PROBE missing (run make B=$B helpers)")
if [ ${#problems[@]} -gt 0 ]; then
  for p in "${problems[@]}"; do
    echo "not ok - preconditions: $p"
  done
  echo "0 passed, ${#problems[@]} failed"
  exit 1
fi

start=$(date +%s)
SK_RUN_DIR=
# Supervisors' cgroups (shim/supervisor/cgroup.c) before the run: one the
# run adds and leaves is a leftover like a process.
sup_cgroups() {
  local d
  for d in /sys/fs/cgroup/cpu/stockade/*/ /sys/fs/cgroup/stockade/*/; do
    [ -d "$d" ] && echo "$d"
  done | sort
}
cgroups_before=$(sup_cgroups)
cleanup_run() {
  local c
  # A case cleans up after itself; this sweep is for a run cut short.
  if [ -n "$SK_RUN_DIR" ]; then
    for c in "$SK_RUN_DIR"/case.*/; do
      [ -d "$c" ] && CASE=${c%/} sk_cleanup_containers
    done
  fi
  if [ -n "$SK_RUN_DIR" ] && [ "${SK_KEEP:-0}" != 1 ]; then
    rm -rf "$SK_RUN_DIR"
  elif [ -n "$SK_RUN_DIR" ]; then
    echo "# kept $SK_RUN_DIR" >&2
  fi
}
trap cleanup_run EXIT
trap 'exit 130' INT TERM

if ! sk_setup_run >"/tmp/stockade-it-setup.$$.log" 2>&1; then
  echo "not ok - setup: cannot build the test rootfs"
  sed 's/^/#   /' "/tmp/stockade-it-setup.$$.log"
  rm -f "/tmp/stockade-it-setup.$$.log"
  echo "0 passed, 1 failed"
  exit 1
fi
rm -f "/tmp/stockade-it-setup.$$.log"
export SK_RUN_DIR B
echo "# stockade $SK_BIN; runtimes: $SK_RUNTIMES; cgroups: $SK_CGROUP_LAYOUT"

broken=0
for f in "${files[@]}"; do
  before=$(wc -l <"$SK_RUN_DIR/results")
  bash "$f"
  rc=$?
  after=$(wc -l <"$SK_RUN_DIR/results")
  if [ "$rc" != 0 ] || [ "$after" = "$before" ]; then
    echo "not ok - $(basename "$f"): the test file itself broke (exit $rc, $((after - before)) cases reported)"
    broken=$((broken + 1))
  fi
done

# Nothing the tests started may outlive them: no process (container, stockade
# supervisor, runtime) whose command line, working directory or root is in
# this run's directory, no mount below it, and no supervisor cgroup the run
# added. Any found is reported and then ended by its pid (the tests started
# it), or removed.
leftovers() {
  local p pid what cwd root cg i
  # Only shell built-ins and readlink here: a grep with the directory in its
  # own arguments would find itself.
  for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    [ "$pid" = $$ ] || [ "$pid" = "$BASHPID" ] && continue
    what=$({ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null)
    cwd=$(readlink "$p/cwd" 2>/dev/null)
    root=$(readlink "$p/root" 2>/dev/null)
    if [[ $what == *"$SK_RUN_DIR"* || $cwd == "$SK_RUN_DIR"* || $root == "$SK_RUN_DIR"* ]]; then
      echo "process $pid: ${what:-?} (cwd $cwd, root $root)"
      kill -KILL "$pid" 2>/dev/null
    fi
  done
  while read -r _ _ _ _ mnt _; do
    [[ $mnt == "$SK_RUN_DIR"* ]] && echo "mount $mnt"
  done </proc/self/mountinfo
  # A supervisor that has just ended removes its own cgroup on its way
  # out (a `run` in the foreground does not wait for it): given 2 s.
  while read -r cg; do
    [ -n "$cg" ] || continue
    for ((i = 0; i < 20; i++)); do
      [ -d "$cg" ] || break
      sleep 0.1
    done
    [ -d "$cg" ] || continue
    echo "supervisor cgroup $cg"
    rmdir "$cg" 2>/dev/null
  done < <(comm -13 <(echo "$cgroups_before") <(sup_cgroups))
}
left=$(leftovers)
if [ -n "$left" ]; then
  echo "not ok - cleanup: the tests left processes, mounts or supervisor cgroups behind"
  printf '%s\n' "$left" | sed 's/^/#   /'
  echo "not ok" >>"$SK_RUN_DIR/results"
else
  echo "ok - cleanup: no process, mount or supervisor cgroup left behind"
  echo "ok" >>"$SK_RUN_DIR/results"
fi

passed=$(grep -cx 'ok' "$SK_RUN_DIR/results")
failed=$(grep -cx 'not ok' "$SK_RUN_DIR/results")
skipped=$(grep -cx 'skip' "$SK_RUN_DIR/results")
failed=$((failed + broken))
echo "# $(($(date +%s) - start))s"
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ "$failed" = 0 ]
