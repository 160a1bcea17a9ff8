# shellcheck shell=bash
# shellcheck disable=SC2016 # jq filters are single-quoted on purpose
# Shared helpers for the integration tests (sourced by run.sh and every
# t_*.sh). Everything here runs real containers with runc and crun, so it
# needs root.
#
# Layout of one run (run.sh creates it and removes it at the end):
#   $SK_RUN_DIR/rootfs        busybox + probe, built once, copied per bundle
#   $SK_RUN_DIR/config.base.json  `runc spec` with terminal=false
#   $SK_RUN_DIR/results       one line per finished test case
#   $SK_RUN_DIR/case.XXXX/    one per test case, removed when the case ends:
#       root-<rt>/            the runtime's --root (state of its containers)
#       state/ events.json    stockade's stateDir and eventFile
#       stockade.json         the STOCKADE_CONFIG the case uses
#       bin/                  symlinks to stockade under other names
#
# Environment knobs:
#   B             build directory (default build), relative to the repo or absolute
#   SK_RUNTIMES   runtimes to test (default "runc crun")
#   SK_TIMEOUT    seconds any one runtime command may take (default 30)
#   SK_STRICT=1   a skipped case counts as failed (except sk_skip_kernel: a
#                 feature the running kernel lacks)
#   SK_KEEP=1     keep the run directory (for debugging)
#   SK_VERBOSE=1  print each case's log even when it passes

SK_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
B=${B:-build}
case $B in
  /*) SK_BUILD=$B ;;
  *) SK_BUILD=$SK_REPO/$B ;;
esac
SK_BIN=$SK_BUILD/stockade
SK_HELPERS=$SK_BUILD/helpers
SK_PROBE=$SK_HELPERS/probe
SK_ATTACKS=$SK_BUILD/attacks
SK_RUNTIMES=${SK_RUNTIMES:-runc crun}
SK_TIMEOUT=${SK_TIMEOUT:-30}
SK_RUNC=${SK_RUNC:-$(command -v runc || echo /usr/sbin/runc)}
SK_CRUN=${SK_CRUN:-$(command -v crun || echo /usr/bin/crun)}
SK_BUSYBOX=${SK_BUSYBOX:-$(command -v busybox || echo /bin/busybox)}

# ---------------------------------------------------------------------------
# Host facts

# cgroup layout of the host: "unified" (cgroup2 only) or "hybrid" (v1 or
# hybrid: a tmpfs with controllers below it).
sk_cgroup_layout() {
  case $(stat -f -c %T /sys/fs/cgroup 2>/dev/null) in
    cgroup2fs) echo unified ;;
    *) echo hybrid ;;
  esac
}
SK_CGROUP_LAYOUT=${SK_CGROUP_LAYOUT:-$(sk_cgroup_layout)}

# The path of a runtime by its short name.
sk_rt_path() {
  case $1 in
    runc) echo "$SK_RUNC" ;;
    crun) echo "$SK_CRUN" ;;
    *) echo "sk_rt_path: unknown runtime $1" >&2; return 1 ;;
  esac
}

# Why a runtime cannot be tested here, or nothing when it can.
sk_rt_missing() {
  local p
  p=$(sk_rt_path "$1" 2>/dev/null) || { echo "unknown runtime $1"; return; }
  [ -x "$p" ] || { echo "$1 not installed ($p)"; return; }
  if [ "$1" = crun ] && [ "$SK_CGROUP_LAYOUT" = hybrid ] && ! command -v unshare >/dev/null; then
    echo "crun needs unshare(1) to get a cgroup2 view on this hybrid-cgroup host"
  fi
}

# sk_usable_runtimes WHO: the runtimes of SK_RUNTIMES this host can run,
# one a line; each other is named on stderr, with why, after "WHO: ".
sk_usable_runtimes() {
  local rt why
  for rt in $SK_RUNTIMES; do
    why=$(sk_rt_missing "$rt")
    if [ -n "$why" ]; then
      echo "$1: skipping $rt: $why" >&2
    else
      echo "$rt"
    fi
  done
}

# ---------------------------------------------------------------------------
# Running runtimes
#
# crun 1.8 refuses hybrid cgroups. On such a host every crun command (plain or
# under stockade) runs in a private mount namespace where /sys/fs/cgroup is a
# pure cgroup2 mount, with crun's cgroup manager disabled. The container keeps
# that mount namespace's view; the host's own mounts are untouched (unshare's
# default propagation is private).

# sk_rt_exec RT PROGRAM [GLOBAL-FLAGS-AND-ARGS...]: run PROGRAM (the runtime
# itself or stockade in front of it) the way RT needs on this host.
sk_rt_exec() {
  local rt=$1 prog=$2
  shift 2
  if [ "$rt" = crun ] && [ "$SK_CGROUP_LAYOUT" = hybrid ]; then
    timeout -k 5 "$SK_TIMEOUT" unshare -m sh -c \
      'umount -l /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup && exec "$@"' \
      sk-crun "$prog" --cgroup-manager=disabled "$@"
  else
    timeout -k 5 "$SK_TIMEOUT" "$prog" "$@"
  fi
}

# The global flags every test passes (its own --root so that nothing of the
# host's containers is seen or touched).
sk_rt_root() { echo "$CASE/root-$1"; }

# sk_rt ARGS...: the plain runtime $RT of the current case.
sk_rt() { sk_rt_exec "$RT" "$(sk_rt_path "$RT")" --root "$(sk_rt_root "$RT")" "$@"; }

# sk_sk ARGS...: stockade in front of $RT, with the case's config. Set SK_AS
# to run it under another program name (stockade-complain, stockade-off):
# a symlink of that name in $CASE/bin is made on demand.
sk_sk() {
  local prog=$SK_BIN
  if [ -n "${SK_AS:-}" ]; then
    mkdir -p "$CASE/bin"
    [ -L "$CASE/bin/$SK_AS" ] || ln -s "$SK_BIN" "$CASE/bin/$SK_AS"
    prog=$CASE/bin/$SK_AS
  fi
  STOCKADE_CONFIG=${SK_CONFIG:-$CASE/stockade.json} \
    sk_rt_exec "$RT" "$prog" --root "$(sk_rt_root "$RT")" "$@"
}

# sk_config [JQ-FILTER]: write the case's stockade config for $RT (then apply
# the filter, e.g. '.defaultMode="complain"').
sk_config() {
  local filter=${1:-.}
  sk_require_stockade
  jq -n --arg rt "$(sk_rt_path "$RT")" --arg pd "$SK_REPO/profiles" \
    --arg sd "$CASE/state" --arg ev "$CASE/events.json" \
    '{runtime: $rt, profileDir: $pd, defaultProfile: "default",
      defaultMode: "enforce", stateDir: $sd, eventFile: $ev,
      annotationModes: ["complain"]}' | jq "$filter" >"$CASE/stockade.json"
}

# sk_config_edit JQ-FILTER [JQ-ARGS...]: change the case's stockade config.
sk_config_edit() {
  local filter=$1
  shift
  jq "$@" "$filter" "$CASE/stockade.json" >"$CASE/stockade.json.new" && mv "$CASE/stockade.json.new" "$CASE/stockade.json"
}

# sk_profile_dir: a copy of the shipped profiles in $CASE/profiles (for tests
# that add their own); prints its path and points the config at it.
sk_profile_dir() {
  local d=$CASE/profiles
  if [ ! -d "$d" ]; then
    cp -a "$SK_REPO/profiles" "$d"
    sk_config_edit '.profileDir=$pd' --arg pd "$d"
  fi
  echo "$d"
}

# sk_default_profile NAME JQ-FILTER: a profile NAME made from the shipped
# default by the filter, in the case's profile directory, and made the
# config's defaultProfile.
sk_default_profile() {
  local pd
  pd=$(sk_profile_dir)
  jq --arg n "$1" "$2"' | .name=$n' "$pd/default.json" >"$pd/$1.json" || sk_fail "profile $1"
  sk_config_edit '.defaultProfile=$n' --arg n "$1"
}

# ---------------------------------------------------------------------------
# Bundles

# sk_build_rootfs DIR: busybox (static) with its applets, every helper built
# in $SK_HELPERS (probe, exectest, sktrue, ...) and every attack program in
# $SK_ATTACKS (when built: make attacks) in /bin, and the directories the
# specs mount over.
sk_build_rootfs() {
  local r=$1
  mkdir -p "$r"/bin "$r"/proc "$r"/dev "$r"/sys "$r"/tmp "$r"/etc "$r"/work "$r"/root "$r"/run \
    "$r"/var/run "$r"/var/cache/nginx
  chmod 0755 "$r"
  chmod 1777 "$r"/tmp
  cp "$SK_BUSYBOX" "$r"/bin/busybox
  cp "$SK_PROBE" "$r"/bin/probe
  chmod 0755 "$r"/bin/busybox "$r"/bin/probe
  local h
  for h in "$SK_HELPERS"/* "$SK_ATTACKS"/*; do
    if [ ! -f "$h" ] || [ ! -x "$h" ]; then
      continue
    fi
    cp "$h" "$r/bin/${h##*/}" && chmod 0755 "$r/bin/${h##*/}" || return 1
  done
  chroot "$r" /bin/busybox --install -s /bin
  printf 'root:x:0:0:root:/root:/bin/sh\nwww:x:101:101:www:/tmp:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$r"/etc/passwd
  printf 'root:x:0:\nwww:x:101:\nnogroup:x:65534:\n' >"$r"/etc/group
}

# sk_setup_run: the run-wide directory, rootfs and base spec. Idempotent;
# run.sh calls it once and exports the result to every t_*.sh.
sk_setup_run() {
  if [ -n "${SK_RUN_DIR:-}" ] && [ -d "$SK_RUN_DIR/rootfs" ]; then
    return 0
  fi
  SK_RUN_DIR=$(mktemp -d /tmp/stockade-it.XXXXXX) || return 1
  chmod 0755 "$SK_RUN_DIR"
  export SK_RUN_DIR
  sk_build_rootfs "$SK_RUN_DIR/rootfs" || return 1
  (cd "$SK_RUN_DIR" && "$SK_RUNC" spec) || return 1
  jq '.process.terminal=false | .hostname="sk-test"' "$SK_RUN_DIR/config.json" >"$SK_RUN_DIR/config.base.json" &&
    rm -f "$SK_RUN_DIR/config.json"
  : >"$SK_RUN_DIR/results"
}

# sk_bundle NAME [JQ-FILTER [JQ-ARGS...]]: a bundle in $CASE/NAME with a
# fresh copy of the rootfs and the base spec passed through the filter.
# Prints its path.
sk_bundle() {
  local b=$CASE/$1 filter=${2:-.}
  shift 2 2>/dev/null || shift $#
  mkdir -p "$b"
  cp -a "$SK_RUN_DIR/rootfs" "$b/rootfs"
  jq "$@" "$filter" "$SK_RUN_DIR/config.base.json" >"$b/config.json" || return 1
  echo "$b"
}

# sk_spec BUNDLE JQ-FILTER [jq args...]: edit a bundle's config.json.
sk_spec() {
  local b=$1 filter=$2
  shift 2
  jq "$@" "$filter" "$b/config.json" >"$b/config.json.new" && mv "$b/config.json.new" "$b/config.json"
}

# jq filter: process.args = the shell script $1 (run with sh -c).
sk_args_sh() { jq -n --arg s "$1" '["sh", "-c", $s]'; }

# ---------------------------------------------------------------------------
# Containers: unique ids, registered for cleanup

SK_ID_N=0
# sk_new_id TAG: a unique container id, remembered so the case's cleanup
# kills and deletes it whatever happens. Sets SK_ID (no subshell, so the
# counter and the registration stick).
sk_new_id() {
  SK_ID_N=$((SK_ID_N + 1))
  SK_ID="sk-test-$BASHPID-$SK_ID_N-$1"
  echo "$RT $SK_ID" >>"$CASE/containers"
}

# Kill and delete every container the case registered, plus any other
# container left in the case's runtime roots; by id, with the plain runtime.
sk_cleanup_containers() {
  local rt id root
  [ -n "${CASE:-}" ] || return 0
  {
    [ -f "$CASE/containers" ] && cat "$CASE/containers"
    for rt in runc crun; do
      root=$CASE/root-$rt
      [ -d "$root" ] || continue
      RT=$rt sk_rt_exec "$rt" "$(sk_rt_path "$rt")" --root "$root" list -q 2>/dev/null | sed "s/^/$rt /"
    done
  } | sort -u | while read -r rt id; do
    [ -n "$id" ] || continue
    sk_rt_exec "$rt" "$(sk_rt_path "$rt")" --root "$CASE/root-$rt" kill "$id" KILL >/dev/null 2>&1
    sk_rt_exec "$rt" "$(sk_rt_path "$rt")" --root "$CASE/root-$rt" delete -f "$id" >/dev/null 2>&1
  done
  return 0
}

# sk_state_status ID [sk]: the container's status (created, running, paused,
# stopped) per the plain runtime, or "absent".
sk_state_status() {
  local s
  s=$(sk_rt state "$1" 2>/dev/null | jq -r .status 2>/dev/null) || s=
  echo "${s:-absent}"
}

# sk_wait_status ID STATUS [SECONDS]: poll until the container has STATUS.
sk_wait_status() {
  local id=$1 want=$2 n=$((${3:-20} * 10)) s
  while [ $n -gt 0 ]; do
    s=$(sk_state_status "$id")
    [ "$s" = "$want" ] && return 0
    sleep 0.1
    n=$((n - 1))
  done
  sk_log "container $id: status $s, wanted $want"
  return 1
}

# ---------------------------------------------------------------------------
# Commands and assertions inside a case

sk_log() { printf '%s\n' "$*" >&2; }

# sk_run NAME CMD...: run CMD with no stdin; stdout to $CASE/NAME.out,
# stderr to $CASE/NAME.err, status in SK_RC. Logged for failure reports.
sk_run() {
  local name=$1
  shift
  "$@" </dev/null >"$CASE/$name.out" 2>"$CASE/$name.err"
  SK_RC=$?
  sk_log "\$ $*"
  sk_log "  -> exit $SK_RC"
  awk 'NR <= 25 { print "  out| " $0 }' "$CASE/$name.out" >&2
  awk 'NR <= 25 { print "  err| " $0 }' "$CASE/$name.err" >&2
  return 0
}

# sk_fail MESSAGE: end the case as failed.
sk_fail() {
  printf 'FAIL: %s\n' "$*" >&2
  exit 1
}

# sk_skip REASON: end the case as skipped, saying why.
sk_skip() {
  printf '%s\n' "$*" >"$CASE/.skip"
  exit 77
}

# sk_cleanup_hook_sups: kill (by the pids in their pid files) the
# stockade-hook supervisors a case's hooks started and left running.
sk_cleanup_hook_sups() {
  local f pid
  [ -d "$CASE/state/hook" ] || return 0
  for f in "$CASE"/state/hook/*/sup.pid; do
    [ -f "$f" ] || continue
    pid=$(tr -dc '0-9' <"$f")
    [ -n "$pid" ] || continue
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = stockade-hook ] || continue
    sk_log "cleanup: hook supervisor pid $pid ($f) still running; killed"
    kill -KILL "$pid" 2>/dev/null
  done
  return 0
}

# sk_skip_kernel REASON: skip because the running kernel lacks a feature
# (not built in, or not active since boot). Unlike sk_skip, this stays a
# skip under SK_STRICT=1: CI installs every package the tests need, but no
# package can change the kernel it boots. Use it only after checking the
# kernel itself (/sys, /proc), never for a missing tool.
sk_skip_kernel() {
  : >"$CASE/.kernel"
  sk_skip "$@"
}

sk_assert_eq() { # ACTUAL EXPECTED WHAT
  [ "$1" = "$2" ] || sk_fail "$3: got \"$1\", expected \"$2\""
}

sk_assert_ne() { # ACTUAL UNEXPECTED WHAT
  [ "$1" != "$2" ] || sk_fail "$3: got \"$1\", which it must not be"
}

sk_assert_rc() { # EXPECTED WHAT  (checks SK_RC)
  [ "$SK_RC" = "$1" ] || sk_fail "$2: exit status $SK_RC, expected $1"
}

sk_assert_rc_nonzero() { # WHAT
  [ "$SK_RC" != 0 ] || sk_fail "$1: exit status 0, expected a failure"
}

# sk_assert_grep FILE ERE WHAT: some line of FILE matches the extended regex.
sk_assert_grep() {
  grep -Eq -- "$2" "$1" || sk_fail "$3: no line of $(basename "$1") matches /$2/"
}

sk_assert_no_grep() {
  ! grep -Eq -- "$2" "$1" || sk_fail "$3: a line of $(basename "$1") matches /$2/: $(grep -Em1 -- "$2" "$1")"
}

# sk_assert_same FILE SAVED WHAT: byte-identical.
sk_assert_same() {
  cmp -s "$1" "$2" || sk_fail "$3: $1 differs from the saved copy"
}

# sk_kv FILE KEY [PREFIX]: the value of the last "PREFIXKEY=value" line.
sk_kv() {
  sed -n "s/^${3:-}$2=//p" "$1" | tail -n 1
}

sk_assert_kv() { # FILE KEY EXPECTED WHAT [PREFIX]
  local v
  v=$(sk_kv "$1" "$2" "${5:-}")
  [ "$v" = "$3" ] || sk_fail "$4: ${5:-}$2=\"$v\", expected \"$3\""
}

# sk_assert_no_placeholders FILE WHAT: a message a person reads has no
# printf placeholder left unfilled and no "(null)".
sk_assert_no_placeholders() {
  sk_assert_no_grep "$1" '%[-0-9.]*[sdiuxzlcp]|\(null\)' "$2: unfilled placeholder in the message"
}

# sk_state_empty: stockade's state dir has nothing in it (or does not exist).
sk_assert_state_empty() {
  local left
  [ -d "$CASE/state" ] || return 0
  left=$(find "$CASE/state" -mindepth 1 | head -n 5)
  [ -z "$left" ] || sk_fail "$1: stockade's state dir is not empty: $left"
}

sk_require_stockade() {
  [ -x "$SK_BIN" ] || sk_fail "stockade binary $SK_BIN missing (run make B=${B} all)"
}

# ---------------------------------------------------------------------------
# The supervisor (DESIGN.md, "The supervisor"): one per supervised container,
# pid in <stateDir>/<key>/sup.pid, socket <stateDir>/<key>/sup.sock.

# sk_sup_dir ID: stockade's state directory of container ID in this case
# (the one whose meta.json names it); nothing when there is none.
sk_sup_dir() {
  local m
  for m in "$CASE"/state/*/meta.json; do
    [ -f "$m" ] || continue
    if [ "$(jq -r .id "$m" 2>/dev/null)" = "$1" ]; then
      dirname "$m"
      return 0
    fi
  done
  return 0
}

# sk_proc_ident PID: "PID:STARTTIME" (field 22 of /proc/PID/stat), which
# names one process even after its pid is reused; nothing if PID is gone.
sk_proc_ident() {
  local st f
  st=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  # the fields after "(comm) ": state (field 3) is f[0], starttime (22) f[19]
  read -ra f <<<"${st##*) }"
  echo "$1:${f[19]}"
}

# sk_proc_alive IDENT: the process named by sk_proc_ident is still there
# and not a zombie.
sk_proc_alive() {
  local pid=${1%%:*} st
  [ "$(sk_proc_ident "$pid")" = "$1" ] || return 1
  st=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  st=${st##*) }
  [ "${st%% *}" != Z ]
}

# sk_wait_gone IDENT [SECONDS]: poll until the process is gone.
sk_wait_gone() {
  local n=$((${2:-10} * 10))
  while [ $n -gt 0 ]; do
    sk_proc_alive "$1" || return 0
    sleep 0.1
    n=$((n - 1))
  done
  return 1
}

# sk_assert_supervised ID BUNDLE: container ID has a live supervisor whose
# socket is the hardened spec's linux.seccomp.listenerPath, and the spec's
# filter sends execve and execveat to it. Sets SK_SUP_DIR, SK_SUP_PID and
# SK_SUP_IDENT (for sk_assert_unsupervised after delete).
sk_assert_supervised() {
  local id=$1 b=$2 n
  SK_SUP_DIR=$(sk_sup_dir "$id")
  [ -n "$SK_SUP_DIR" ] || sk_fail "container $id: no state directory of stockade's names it"
  [ -f "$SK_SUP_DIR/sup.pid" ] || sk_fail "container $id: no sup.pid in $SK_SUP_DIR ($(find "$SK_SUP_DIR" -mindepth 1 -printf '%f ' 2>/dev/null))"
  SK_SUP_PID=$(tr -dc '0-9' <"$SK_SUP_DIR/sup.pid")
  [ -n "$SK_SUP_PID" ] || sk_fail "container $id: sup.pid holds no pid: \"$(cat "$SK_SUP_DIR/sup.pid")\""
  SK_SUP_IDENT=$(sk_proc_ident "$SK_SUP_PID")
  sk_proc_alive "$SK_SUP_IDENT" || sk_fail "container $id: supervisor pid $SK_SUP_PID (sup.pid) is not running"
  [ -S "$SK_SUP_DIR/sup.sock" ] || sk_fail "container $id: $SK_SUP_DIR/sup.sock is not a socket"
  sk_assert_eq "$(jq -r '.linux.seccomp.listenerPath // "none"' "$b/config.json")" "$SK_SUP_DIR/sup.sock" \
    "container $id: linux.seccomp.listenerPath of the spec the runtime runs"
  for n in execve execveat; do
    jq -e --arg n "$n" '[.linux.seccomp.syscalls[]? | select(.action == "SCMP_ACT_NOTIFY") | .names[]] | index($n)' \
      "$b/config.json" >/dev/null ||
      sk_fail "container $id: the spec's seccomp filter does not send $n to the supervisor (SCMP_ACT_NOTIFY)"
  done
  sk_log "container $id: supervisor pid $SK_SUP_PID, socket $SK_SUP_DIR/sup.sock"
}

# sk_assert_unsupervised ID IDENT WHAT: after `stockade delete`, nothing of
# the container's supervision is left: the process IDENT (from
# sk_assert_supervised) is gone, and so is the state directory with its
# socket and pid file.
sk_assert_unsupervised() {
  local id=$1 ident=$2 what=$3
  sk_wait_gone "$ident" 5 || sk_fail "$what: supervisor pid ${ident%%:*} of $id still runs: $(tr '\0' ' ' <"/proc/${ident%%:*}/cmdline")"
  [ -z "$(sk_sup_dir "$id")" ] || sk_fail "$what: stockade's state for $id is still there: $(sk_sup_dir "$id")"
  [ -z "$(find "$CASE/state" -name 'sup.*' 2>/dev/null)" ] ||
    sk_fail "$what: supervisor files left in the state dir: $(find "$CASE/state" -name 'sup.*' | tr '\n' ' ')"
}

# sk_events ID [JQ-FILTER [JQ-ARGS...]]: the events of container ID (one
# compact JSON object a line, schema stockade.event/v1: docs/events.md)
# that pass the filter (a select(...)).
sk_events() {
  local id=$1 filter=${2:-.}
  shift 2 2>/dev/null || shift $#
  [ -f "$CASE/events.json" ] || return 0
  jq -c --arg id "$id" "$@" "select(.container.id == \$id) | $filter" "$CASE/events.json" 2>/dev/null
}

# sk_validate_events FILE...: every line of each event file follows schema
# v1 (stockadectl events --validate, the rules of docs/event.schema.json);
# what does not is printed. Status 1 when one does not.
sk_validate_events() {
  local f rc=0
  for f in "$@"; do
    [ -f "$f" ] || continue
    if ! "$SK_BUILD/stockadectl" events --validate --file "$f" >"$f.validate" 2>&1; then
      printf 'FAIL: events that do not follow schema stockade.event/v1 in %s:\n' "$f"
      sed 's/^/  /' "$f.validate" | head -n 20
      rc=1
    fi
    rm -f "$f.validate"
  done
  return $rc
}

# sk_wait_event ID JQ-SELECT [SECONDS [JQ-ARGS...]]: poll (the supervisor
# writes events after it answered) until an event of ID passes the select;
# prints the first one.
sk_wait_event() {
  local id=$1 filter=$2 n=$((${3:-5} * 10)) e
  shift 3 2>/dev/null || shift $#
  while :; do
    e=$(sk_events "$id" "$filter" "$@" | head -n 1)
    [ -n "$e" ] && { echo "$e"; return 0; }
    [ $n -le 0 ] && return 1
    sleep 0.1
    n=$((n - 1))
  done
}

# sk_assert_event ID JQ-SELECT WHAT [JQ-ARGS...]: an event of ID passes
# the select (waited for up to 5 s); sets SK_EVENT to it. On failure the
# container's events are logged.
sk_assert_event() {
  local id=$1 filter=$2 what=$3
  shift 3
  SK_EVENT=$(sk_wait_event "$id" "$filter" 5 "$@") || {
    sk_log "events of $id:"
    sk_events "$id" | sed 's/^/  event| /' >&2
    sk_fail "$what: no event of $id matches $filter"
  }
  sk_log "  event| $SK_EVENT"
}

# sk_wait_grep FILE ERE [SECONDS]: poll until a line of FILE matches.
sk_wait_grep() {
  local n=$((${3:-10} * 10))
  while [ $n -gt 0 ]; do
    grep -Eq -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
    n=$((n - 1))
  done
  return 1
}

# Kill the supervisors of this case that are still running (by the pids in
# their sup.pid files, and only if that process runs the stockade binary
# under test). For a case's cleanup after its containers are gone; a case
# that asserts on supervisors' lifetimes must do so before.
sk_cleanup_supervisors() {
  local d f pid exe c i
  [ -n "${CASE:-}" ] && [ -d "$CASE/state" ] || return 0
  for d in "$CASE"/state/*/; do
    f=${d}sup.pid
    pid=
    [ -f "$f" ] && pid=$(tr -dc '0-9' <"$f")
    if [ -n "$pid" ] && exe=$(readlink "/proc/$pid/exe" 2>/dev/null) && [ "$exe" = "$(readlink -f "$SK_BIN")" ]; then
      sk_log "cleanup: supervisor pid $pid ($f) still running; killed"
      kill -KILL "$pid" 2>/dev/null
    fi
    # The cgroup of a supervisor that could not leave it (killed, or
    # SIGSYS from its own filter): what `stockade delete` removes, which
    # a case cleaning up with the plain runtime does not run. Busy until
    # the killed process is gone.
    for c in "/sys/fs/cgroup/cpu/stockade/$(basename "$d")" "/sys/fs/cgroup/stockade/$(basename "$d")"; do
      for ((i = 0; i < 50; i++)); do
        [ -d "$c" ] || break
        rmdir "$c" 2>/dev/null && break
        sleep 0.1
      done
    done
  done
  return 0
}

# ---------------------------------------------------------------------------
# Supervised containers, for the suites that run one and read its events
# (t_supervisor.sh, tests/attacks/). The sv_* helpers keep their state in
# SV_ID, SV_OUT and SV_IDENT.

# sv_init [JQ-FILTER]: the case's config (events never rate-limited unless
# the filter says otherwise) and a cleanup that, after the containers, also
# ends any supervisor still running (a case asserts on supervisors'
# lifetimes before that).
sv_init() {
  trap 'sk_cleanup_containers; sk_cleanup_supervisors' EXIT
  sk_config '.eventRate=100000 | .eventBurst=100000'
  [ -z "${1:-}" ] || sk_config_edit "$1"
}

# sv_profile NAME [JQ-FILTER [JQ-ARGS...]]: a profile NAME in the case's
# profile dir: the shipped default with the filter applied.
sv_profile() {
  local name=$1 filter=${2:-.} d
  shift 2 2>/dev/null || shift $#
  d=$(sk_profile_dir)
  jq --arg name "$name" "$@" ".name = \$name | $filter" "$d/default.json" >"$d/$name.json" ||
    sk_fail "cannot write profile $name"
}

# sv_bundle NAME PROFILE ARGS-JSON [JQ-FILTER [JQ-ARGS...]]: a bundle whose
# process runs ARGS-JSON under PROFILE (annotation stockade.io/profile).
sv_bundle() {
  local name=$1 profile=$2 args=$3 filter=${4:-.}
  shift 4 2>/dev/null || shift $#
  sk_bundle "$name" ".process.args = \$a | .annotations[\"stockade.io/profile\"] = \$p | $filter" \
    --argjson a "$args" --arg p "$profile" "$@"
}

# sv_run_d BUNDLE TAG: `stockade run -d`; the container must be supervised.
# Sets SV_ID, SV_OUT (the container's stdout), SV_IDENT (its supervisor).
sv_run_d() {
  sk_new_id "$2"
  SV_ID=$SK_ID
  SV_OUT=$CASE/run-$2.out
  sk_run "run-$2" sk_sk run -d --bundle "$1" "$SV_ID"
  sk_assert_rc 0 "stockade run -d"
  sk_assert_supervised "$SV_ID" "$1"
  SV_IDENT=$SK_SUP_IDENT
}

# sv_create_start BUNDLE TAG: `stockade create` (the supervisor must be
# there before the runtime runs anything), then `start`. Sets SV_ID, SV_OUT
# and SV_IDENT like sv_run_d.
sv_create_start() {
  sk_new_id "$2"
  SV_ID=$SK_ID
  SV_OUT=$CASE/create-$2.out
  sk_run "create-$2" sk_sk create --bundle "$1" "$SV_ID"
  sk_assert_rc 0 "stockade create"
  sk_assert_supervised "$SV_ID" "$1"
  SV_IDENT=$SK_SUP_IDENT
  sk_run "start-$2" sk_sk start "$SV_ID"
  sk_assert_rc 0 "stockade start"
}

# sv_wait_out ERE [SECONDS]: the container's output gets a line matching.
sv_wait_out() {
  sk_wait_grep "$SV_OUT" "$1" "${2:-15}" || {
    sed 's/^/  container| /' "$SV_OUT" >&2
    sk_fail "the container did not print a line matching /$1/ (status $(sk_state_status "$SV_ID"))"
  }
  sed 's/^/  container| /' "$SV_OUT" >&2
}

# sv_delete: `stockade delete -f`, then nothing of the supervisor is left.
sv_delete() {
  sk_run "delete-$SV_ID" sk_sk delete -f "$SV_ID"
  sk_assert_rc 0 "stockade delete -f"
  sk_assert_eq "$(sk_state_status "$SV_ID")" absent "container state after delete"
  sk_assert_unsupervised "$SV_ID" "$SV_IDENT" "after stockade delete"
}

# sv_assert_denied KEY WHAT [EACCES-OK]: the container's KEY= line says the
# exec was denied: EPERM, or EACCES too when the third argument is given
# (a noexec mount can fail the exec before the supervisor's answer counts).
sv_assert_denied() {
  local v
  v=$(sk_kv "$SV_OUT" "$1")
  case $v in
    EPERM) ;;
    EACCES) [ -n "${3:-}" ] || sk_fail "$2: $1=EACCES, expected EPERM" ;;
    *) sk_fail "$2: $1=\"$v\", expected EPERM${3:+ or EACCES}" ;;
  esac
}

# sv_field JQ-EXPR: a field of SK_EVENT (the last event asserted).
sv_field() { jq -r "$1" <<<"$SK_EVENT"; }

# sv_assert_exec_event TYPE PATH DECISION ACTION PROFILE MODE TECHNIQUE WHAT:
# an exec event of SV_ID with that type and path, and every field the
# contract names filled in as it says. TECHNIQUE "" means not checked;
# PATH "" matches any path.
sv_assert_exec_event() {
  local type=$1 path=$2 decision=$3 action=$4 profile=$5 mode=$6 tech=$7 what=$8 pfile
  sk_assert_event "$SV_ID" 'select(.type == $t and ($p == "" or .process.path == $p) and .decision == $d)' "$what" \
    --arg t "$type" --arg p "$path" --arg d "$decision"
  sk_assert_eq "$(sv_field .details.action)" "$action" "$what: event action"
  sk_assert_eq "$(sv_field .profile.name)" "$profile" "$what: event profile"
  pfile=$(sk_profile_dir)/$profile.json
  sk_assert_eq "$(sv_field .profile.sha256)" "$(sha256sum <"$pfile" | cut -d' ' -f1)" "$what: event profile.sha256"
  sk_assert_eq "$(sv_field .profile.mode)" "$mode" "$what: event mode"
  [ -z "$tech" ] || sk_assert_eq "$(sv_field .mitre.technique)" "$tech" "$what: event technique"
  case $(sv_field .mechanism) in
    seccomp | fanotify) ;;
    *) sk_fail "$what: event mechanism \"$(sv_field .mechanism)\", expected seccomp or fanotify" ;;
  esac
  sk_assert_eq "$(sv_field '.time | type')" string "$what: event time"
  sk_assert_eq "$(sv_field '.process.pid | type')" number "$what: event pid"
  sk_assert_eq "$(sv_field '.process.argv | type')" array "$what: event argv"
  sk_assert_ne "$(sv_field '.message // ""')" "" "$what: event message"
  case $(sv_field .process.where) in
    image | upper | tmpfs | volume | memfd | other) ;;
    *) sk_fail "$what: event where \"$(sv_field .process.where)\" is none of image upper tmpfs volume memfd other" ;;
  esac
}

# The exec-decision events of SV_ID that deny.
sv_denials() { sk_events "$SV_ID" 'select(.decision == "deny" and .type != "spec-finding")'; }

# ---------------------------------------------------------------------------
# A Debian rootfs, for workloads that need real programs (learning mode)
#
# debootstrap --variant=minbase of $SK_DEBIAN_SUITE, built once per run in
# $SK_RUN_DIR/debian/rootfs (run.sh removes it with the run) by the first
# case that asks for it, and given to each bundle as a hard-link copy: the
# files are shared, so a bundle must keep its root read-only, which
# sk_bundle_debian enforces. A tarball of the fresh rootfs is kept in
# $SK_DEBIAN_CACHE, keyed by the debootstrap version and the ISO week, so a
# re-run on the same machine takes seconds; a fresh machine (CI)
# downloads. When debootstrap cannot reach the mirror, the cases that need
# the rootfs are skipped saying so, which SK_STRICT=1 (CI) turns into a
# failure: a missing mirror is never a silent pass.
#
# Knobs:
#   SK_DEBIAN_SUITE   default bookworm
#   SK_DEBIAN_MIRROR  default http://deb.debian.org/debian
#   SK_DEBIAN_CACHE   directory of the cached tarball (default
#                     /var/cache/stockade-tests); "none": neither read nor write it
#   SK_DEBOOTSTRAP_TIMEOUT  seconds debootstrap may take (default 240)

SK_DEBIAN_SUITE=${SK_DEBIAN_SUITE:-bookworm}
SK_DEBIAN_MIRROR=${SK_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SK_DEBIAN_CACHE=${SK_DEBIAN_CACHE:-/var/cache/stockade-tests}
SK_DEBOOTSTRAP_TIMEOUT=${SK_DEBOOTSTRAP_TIMEOUT:-240}

# The cached tarball's path for this debootstrap version and week; nothing
# when there is no cache.
sk_debian_cache_file() {
  local v
  [ "$SK_DEBIAN_CACHE" != none ] || return 0
  v=$(dpkg-query -W -f='${Version}' debootstrap 2>/dev/null) || v=unknown
  echo "$SK_DEBIAN_CACHE/$SK_DEBIAN_SUITE-minbase-debootstrap_${v//[^A-Za-z0-9.+~-]/_}-$(date -u +%G-W%V).tar.gz"
}

# sk_debian_build: make $SK_RUN_DIR/debian/rootfs (from the cache, else with
# debootstrap). On success writes debian/ready (how it was made, and the
# seconds it took); on failure debian/why (one line a person reads) and
# debian/kind ("skip" when the mirror cannot be reached or debootstrap is
# missing, "fail" otherwise), and returns 1. The log is debian/build.log.
# Idempotent: a second call reports what the first found.
sk_debian_build() {
  local d=$SK_RUN_DIR/debian cache t0 rc why
  mkdir -p "$d"
  [ -f "$d/ready" ] && return 0
  [ -f "$d/why" ] && return 1
  t0=$(date +%s)
  rm -rf "$d/rootfs" "$d/rootfs.new"
  cache=$(sk_debian_cache_file)
  if [ -n "$cache" ] && [ -s "$cache" ]; then
    mkdir "$d/rootfs.new"
    if tar -C "$d/rootfs.new" --numeric-owner -xzf "$cache" 2>>"$d/build.log" &&
      [ -x "$d/rootfs.new/usr/bin/perl" ]; then
      mv "$d/rootfs.new" "$d/rootfs"
      echo "from the cache $cache in $(($(date +%s) - t0)) s" >"$d/ready"
      return 0
    fi
    echo "the cached $cache is unusable; removed, running debootstrap" >>"$d/build.log"
    rm -rf "$d/rootfs.new"
    rm -f "$cache"
  fi
  if ! command -v debootstrap >/dev/null; then
    echo skip >"$d/kind"
    echo "debootstrap not installed (run make deps, or apt-get install debootstrap)" >"$d/why"
    return 1
  fi
  timeout -k 10 "$SK_DEBOOTSTRAP_TIMEOUT" debootstrap --variant=minbase "$SK_DEBIAN_SUITE" "$d/rootfs.new" \
    "$SK_DEBIAN_MIRROR" >>"$d/build.log" 2>&1
  rc=$?
  if [ $rc != 0 ] || [ ! -x "$d/rootfs.new/usr/bin/perl" ]; then
    why=$(grep -E '^E: ' "$d/build.log" | tail -n 1)
    [ -n "$why" ] || why=$(tail -n 1 "$d/build.log")
    [ $rc = 124 ] && why="timed out after $SK_DEBOOTSTRAP_TIMEOUT s; last: $why"
    if [ $rc = 124 ] || grep -Eqi 'Failed getting release file|could not resolve|unable to resolve|temporary failure in name resolution|connection refused|network is unreachable|no route to host|connection timed out|failed: .*(timed out|refused|unreachable)' "$d/build.log"; then
      echo skip >"$d/kind"
      echo "debootstrap cannot reach the Debian mirror $SK_DEBIAN_MIRROR (exit $rc): $why" >"$d/why"
    else
      echo fail >"$d/kind"
      echo "debootstrap --variant=minbase $SK_DEBIAN_SUITE failed (exit $rc): $why" >"$d/why"
    fi
    rm -rf "$d/rootfs.new"
    return 1
  fi
  mv "$d/rootfs.new" "$d/rootfs"
  echo "with debootstrap from $SK_DEBIAN_MIRROR in $(($(date +%s) - t0)) s" >"$d/ready"
  # The cache is a convenience: failing to write it fails nothing.
  if [ -n "$cache" ] && mkdir -p "$SK_DEBIAN_CACHE" 2>/dev/null; then
    if tar -C "$d/rootfs" --numeric-owner -czf "$cache.tmp.$$" . 2>>"$d/build.log"; then
      find "$SK_DEBIAN_CACHE" -maxdepth 1 -name "$SK_DEBIAN_SUITE-minbase-*.tar.gz" ! -path "$cache" -delete 2>/dev/null
      mv "$cache.tmp.$$" "$cache"
      echo "cached as $cache" >>"$d/ready"
    else
      rm -f "$cache.tmp.$$"
    fi
  fi
  return 0
}

# sk_debian_require: in a case, the Debian rootfs must be there (built now
# if no case built it yet); otherwise the case is skipped with the reason
# (a failure under SK_STRICT=1).
sk_debian_require() {
  sk_debian_build && return 0
  sk_skip "no Debian rootfs: $(cat "$SK_RUN_DIR/debian/why" 2>/dev/null || echo "the build left no reason")"
}

# sk_bundle_debian NAME [JQ-FILTER [JQ-ARGS...]]: like sk_bundle, with a
# hard-link copy of the Debian rootfs; the root stays read-only whatever
# the filter says (the files are shared with every other such bundle).
sk_bundle_debian() {
  local b=$CASE/$1 filter=${2:-.}
  shift 2 2>/dev/null || shift $#
  [ -f "$SK_RUN_DIR/debian/ready" ] || { sk_log "sk_bundle_debian: no Debian rootfs (sk_debian_require first)"; return 1; }
  mkdir -p "$b"
  cp -al "$SK_RUN_DIR/debian/rootfs" "$b/rootfs" || return 1
  jq "$@" "($filter) | .root.readonly = true" "$SK_RUN_DIR/config.base.json" >"$b/config.json" || return 1
  echo "$b"
}

# ---------------------------------------------------------------------------
# Learning mode (DESIGN.md, "Learning mode"): recordings in
# <stateDir>/recordings/<profile>/<container>-<UTC time>.json, kept after
# `stockade delete`.

# sk_recordings PROFILE [ID]: the case's recordings of PROFILE (of
# container ID only, when given), one path a line, sorted.
sk_recordings() {
  local f
  for f in "$CASE/state/recordings/$1/${2:-}"*.json; do
    [ -f "$f" ] && echo "$f"
  done
  return 0
}

# sk_wait_recording ID PROFILE [JQ-TEST [SECONDS]]: poll until exactly one
# recording of ID under PROFILE exists and passes the test (default: it is
# a JSON object); sets SK_RECORDING to its path.
sk_wait_recording() {
  local id=$1 profile=$2 test=${3:-.} n=$((${4:-5} * 10)) list count
  while :; do
    list=$(sk_recordings "$profile" "$id-")
    count=$(printf '%s' "$list" | grep -c .)
    if [ "$count" = 1 ] && jq -e "$test" "$list" >/dev/null 2>&1; then
      # shellcheck disable=SC2034 # for the caller
      SK_RECORDING=$list
      return 0
    fi
    [ "$count" -gt 1 ] && sk_fail "container $id: $count recordings under profile $profile, expected one: $(tr '\n' ' ' <<<"$list")"
    [ $n -le 0 ] && break
    sleep 0.1
    n=$((n - 1))
  done
  sk_log "recordings in $CASE/state/recordings: $(find "$CASE/state/recordings" -type f 2>/dev/null | tr '\n' ' ')"
  [ -n "$list" ] && sk_log "recording: $(head -c 1500 "$list")"
  sk_fail "container $id: no recording under $CASE/state/recordings/$profile/$id-<time>.json that passes $test"
}

# sk_assert_no_stockade WHAT: no process of the stockade binary under test
# that belongs to this case (its command line names the case's directory)
# is left, after up to 5 s, and no supervisor socket or pid file either.
sk_assert_no_stockade() {
  local n=50 p left me
  me=$(readlink -f "$SK_BIN")
  while :; do
    left=
    for p in /proc/[0-9]*; do
      [ "$(readlink "$p/exe" 2>/dev/null)" = "$me" ] || continue
      [[ $({ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null) == *"$CASE"* ]] || continue
      left="$left ${p#/proc/}: $(tr '\0' ' ' <"$p/cmdline" 2>/dev/null);"
    done
    [ -z "$left" ] && break
    [ $n -le 0 ] && sk_fail "$1: stockade processes of this case still run:$left"
    sleep 0.1
    n=$((n - 1))
  done
  [ -z "$(find "$CASE/state" -name 'sup.*' 2>/dev/null)" ] ||
    sk_fail "$1: supervisor files left in the state dir: $(find "$CASE/state" -name 'sup.*' | tr '\n' ' ')"
}

# ---------------------------------------------------------------------------
# Cases

# sk_case NAME FUNCTION [ARGS...]: run one test case in a subshell with its
# own $CASE dir and cleanup, and report it as one line:
#   ok - NAME | not ok - NAME | skip - NAME: REASON
# The case's log (commands run, their output, the failed assertion) is
# printed after a failure, each line prefixed by "# ".
sk_case() {
  local name=$1 rc status reason case_dir
  shift
  case_dir=$(mktemp -d "$SK_RUN_DIR/case.XXXXXX")
  (
    CASE=$case_dir
    trap 'sk_cleanup_containers' EXIT
    trap 'exit 130' INT TERM
    set -o pipefail
    "$@"
  ) >"$case_dir.log" 2>&1
  rc=$?
  # Every event the case made follows the schema, whatever the case
  # asserted (docs/events.md): a case that wrote one that does not fails.
  if [ -f "$case_dir/events.json" ] && ! sk_validate_events "$case_dir/events.json" >>"$case_dir.log" 2>&1; then
    rc=1
  fi
  case $rc in
    0) status=ok ;;
    77)
      status=skip
      reason=$(cat "$case_dir/.skip" 2>/dev/null)
      ;;
    *) status="not ok" ;;
  esac
  if [ "$status" = skip ] && [ -e "$case_dir/.kernel" ]; then
    reason="$reason (the running kernel lacks it; kept a skip under SK_STRICT)"
  elif [ "$status" = skip ] && [ "${SK_STRICT:-0}" = 1 ]; then
    status="not ok"
    echo "FAIL: skipped under SK_STRICT=1: $reason" >>"$case_dir.log"
  fi
  case $status in
    skip) echo "skip - $name: ${reason:-no reason given}" ;;
    *) echo "$status - $name" ;;
  esac
  echo "$status" >>"$SK_RUN_DIR/results"
  if [ "$status" = "not ok" ] || [ "${SK_VERBOSE:-0}" = 1 ]; then
    sed 's/^/#   /' "$case_dir.log"
  fi
  if [ "${SK_KEEP:-0}" != 1 ]; then
    rm -rf "$case_dir" "$case_dir.log"
  fi
  return 0
}

# sk_for_runtimes NAME FUNCTION [ARGS...]: one case per runtime, "NAME
# [runc]" etc., with RT set; a runtime that cannot run here is a skip that
# says why.
sk_for_runtimes() {
  local name=$1 rt why
  shift
  for rt in $SK_RUNTIMES; do
    why=$(sk_rt_missing "$rt")
    if [ -n "$why" ]; then
      sk_case "$name [$rt]" sk_skip "$why"
    else
      RT=$rt sk_case "$name [$rt]" "$@"
    fi
  done
}

