#!/bin/bash
# shellcheck disable=SC2016 # jq filters are single-quoted on purpose
# The real-workload suite (`make workloads`): real Debian programs run
# unchanged under stockade in front of runc and crun, as an engine would run
# them, and learning works on them.
#
#   tests/workloads/run.sh              every workload
#   tests/workloads/run.sh nginx redis  some of them (nginx python batch redis)
#
# The root: Debian bookworm minbase (tests/integration/lib.sh builds it,
# or takes it from its cache) with nginx-light, python3, perl, curl and
# redis installed by apt (root.sh; cached the same way), plus the files in
# image/ (configuration, entrypoints, the jobs' scripts): the image.
# Each container gets an overlay of it (its own upper layer) and a
# Docker-like spec: root, a writable root, Docker's default capabilities,
# tmpfs on /run and /tmp, /dev/shm, its own network namespace (loopback).
#
# For each workload, under each runtime, these steps, each one line
# ("ok - ..." or "not ok - ..." followed by its log):
#   baseline   the plain runtime runs it: the functional check passes
#   shipped    stockade with the shipped profile that fits it: the check
#              passes, no deny event
#   learn      stockade-learn with that profile, the check passes; then
#              `stockadectl learn` makes a profile from the recording
#   learned    stockade with the learned profile: the check passes, no deny
#              event
#   copied     under the learned profile, a program copied into a writable
#              place is denied, with its event
#   unused     under the learned profile, an image program the workload
#              never ran is denied, with its event
#   asroot     (daemons) learned as the image runs, as root, the profile
#              says root with only the capabilities used; works under it
#   rebuild    (daemons) the image rebuilt with an edited entrypoint runs
#              under the learned profile (programs by path); the same
#              recording learned with --pin-hashes denies it, with its event
#   serve      (daemons) learning while serving: complain mode records, an
#              update of the profile adds what it saw (profile diff shows
#              it), and the daemon works under the update
#   strict     under the strict default profile (nobody, no capabilities,
#              only /tmp writable) the workload fails, and events name the
#              rule that broke it and the fix (capability, write), or
#              `stockadectl explain` does for the path in its error
# Then a table per workload and, alone on the last line:
#   N passed, M failed
# Exit 1 if any step failed. Needs root.
#
# Knobs: B, SK_RUNTIMES, SK_KEEP, SK_VERBOSE (tests/integration/lib.sh);
# WL_STEPS (some of the steps, in this order; the later ones need learn);
# SK_TIMEOUT (default 60 here); the root's (root.sh, lib.sh).
set -uo pipefail

WL_HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$WL_HERE/../integration/lib.sh"
# shellcheck source=tests/workloads/root.sh
. "$WL_HERE/root.sh"
SK_TIMEOUT=${SK_TIMEOUT:-60}
CTL=$SK_BUILD/stockadectl

WL_ALL="nginx python batch redis"

# ---------------------------------------------------------------------------
# The workloads: what runs, the shipped profile that fits, how to check it.

# Docker's default capabilities (moby's oci/caps/defaults.go).
WL_DOCKER_CAPS='["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW","CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT","CAP_KILL","CAP_AUDIT_WRITE"]'

# wl_kind W: daemon (serves until stopped) or job (runs to its end).
wl_kind() {
  case $1 in
    nginx | redis) echo daemon ;;
    *) echo job ;;
  esac
}

# wl_args W: its process.args (the image's entrypoint and command).
wl_args() {
  case $1 in
    nginx) echo '["/usr/local/bin/docker-entrypoint.sh","nginx","-g","daemon off;"]' ;;
    redis) echo '["/usr/local/bin/redis-entrypoint.sh","redis-server","/etc/redis/redis.conf","--daemonize","no","--supervised","no","--bind","127.0.0.1","--port","6379","--dir","/data","--logfile","","--pidfile","","--save","","--appendonly","yes"]' ;;
    python) echo '["/usr/bin/python3","/app/job.py"]' ;;
    batch) echo '["/bin/sh","/app/batch.sh"]' ;;
  esac
}

# wl_entrypoint W: the daemons' entrypoint script (executed: in the exec
# allow-list).
wl_entrypoint() {
  case $1 in
    nginx) echo /usr/local/bin/docker-entrypoint.sh ;;
    redis) echo /usr/local/bin/redis-entrypoint.sh ;;
  esac
}

# wl_profile W: the shipped profile that fits it.
wl_profile() {
  case $1 in
    nginx) echo web ;;
    redis) echo kv ;;
    python) echo python ;;
    batch) echo job ;;
  esac
}

# wl_writes W: the places the workload writes (its learned profile must
# name each, as a writable path or below one).
wl_writes() {
  case $1 in
    nginx) echo /run /var/cache/nginx ;;
    redis) echo /data ;;
    python | batch) echo /work ;;
  esac
}

# wl_unused W: an image program the workload never runs.
wl_unused() {
  case $1 in
    batch) echo /usr/bin/python3 ;;
    *) echo /usr/bin/perl ;;
  esac
}

# The jobs' output (their functional check): the same on every machine.
WL_PYTHON_OUT='result-sha256=5e1c473af07e0d562527d27da9999efdab16ba5b84af8c766a18ade2210bd778
JOB-OK'
WL_BATCH_OUT='in/
in/records.csv
in/records.ssv
records=500 total=25014
cbc222efb74b406645501f327c972385ee4cdba2ca70a448cf6e7a92060bbb65 out/totals.txt
c65f0eee6b1494c2ded6d7a4d17482d664191f1ddb6dcff68f5b92eac7535174 out/counts.txt
tar-sha256=90136bc3e2d277d8d0859de237f801dc6d9c961eab173878c6bfe9219421e67f
BATCH-OK'

# wl_expected W: what the job prints.
wl_expected() {
  case $1 in
    python) echo "$WL_PYTHON_OUT" ;;
    batch) echo "$WL_BATCH_OUT" ;;
  esac
}

# wl_check_daemon W PID: the daemon whose container's init is PID answers,
# from inside its network namespace, with the image's own client (curl,
# redis-cli run in the image's root). Prints what went wrong on failure.
wl_check_daemon() {
  local w=$1 pid=$2 out token
  case $w in
    nginx)
      out=$(nsenter -n -t "$pid" chroot "$WL_ROOT" /usr/bin/curl -sS -m 5 -w 'http=%{http_code}' \
        http://127.0.0.1:80/wl.txt 2>&1)
      if [ "$out" != "$(cat "$WL_ROOT/usr/share/nginx/html/wl.txt")
http=200" ]; then
        echo "curl http://127.0.0.1:80/wl.txt: $out"
        return 1
      fi
      ;;
    redis)
      token=wl-$RANDOM-$RANDOM
      out=$(nsenter -n -t "$pid" chroot "$WL_ROOT" /usr/bin/redis-cli -h 127.0.0.1 -p 6379 SET wl-key "$token" 2>&1)
      [ "$out" = OK ] || { echo "redis-cli SET: $out"; return 1; }
      out=$(nsenter -n -t "$pid" chroot "$WL_ROOT" /usr/bin/redis-cli -h 127.0.0.1 -p 6379 GET wl-key 2>&1)
      [ "$out" = "$token" ] || { echo "redis-cli GET: \"$out\", expected \"$token\""; return 1; }
      ;;
  esac
}

# ---------------------------------------------------------------------------
# Bundles: an overlay of the root per container, a Docker-like spec.

# wl_bundle TAG W PROFILE [JQ-FILTER [JQ-ARGS...]]: a bundle in $CASE/TAG
# running W (annotation stockade.io/profile PROFILE unless it is "");
# prints its path. The overlay is listed in $CASE/mounts for the cleanup.
wl_bundle() {
  local tag=$1 w=$2 profile=$3 filter=${4:-.} b
  shift 4 2>/dev/null || shift $#
  b=$CASE/$tag
  mkdir -p "$b/rootfs" "$b/upper" "$b/work" || return 1
  # A rebuilt image (WL_REBUILD=1): its entrypoint script edited (one line
  # added), everything else the same.
  if [ "${WL_REBUILD:-0}" = 1 ]; then
    mkdir -p "$b/upper/usr/local/bin" &&
      { cat "$WL_ROOT$(wl_entrypoint "$w")" && echo "# rebuilt"; } >"$b/upper$(wl_entrypoint "$w")" &&
      chmod 0755 "$b/upper$(wl_entrypoint "$w")" || return 1
  fi
  mount -t overlay overlay -o "lowerdir=$WL_ROOT,upperdir=$b/upper,workdir=$b/work" "$b/rootfs" || return 1
  echo "$b/rootfs" >>"$CASE/mounts"
  jq --argjson a "$(wl_args "$w")" --argjson caps "$WL_DOCKER_CAPS" --arg p "$profile" --arg h "wl-$w" "$@" '
    .process.terminal = false | .process.user = {uid: 0, gid: 0} | .process.args = $a | .process.cwd = "/"
    | .process.env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=" + $h, "WL_HOLD=0.1"]
    | .process.capabilities = {bounding: $caps, effective: $caps, permitted: $caps}
    | .process.noNewPrivileges = false
    | .root = {path: "rootfs", readonly: false} | .hostname = $h
    | .mounts += [
        {destination: "/run", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=755", "size=65536k"]},
        {destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=1777", "size=65536k"]}]
    | if $p != "" then .annotations["stockade.io/profile"] = $p else . end
    | '"$filter" "$WL_RUN/config.base.json" >"$b/config.json" || return 1
  echo "$b"
}

# wl_hold: the jobs wait (WL_HOLD seconds) after printing their result, so
# that programs can be started in them.
WL_HOLD_FILTER='.process.env = [.process.env[] | select(startswith("WL_HOLD=") | not)] + ["WL_HOLD=120"]'

# Unmount every overlay of the case (the newest first).
wl_unmount_all() {
  local m
  [ -f "$CASE/mounts" ] || return 0
  tac "$CASE/mounts" | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
  done
  : >"$CASE/mounts"
}

# ---------------------------------------------------------------------------
# Running a workload

# wl_pid ID: the container's init pid (per the plain runtime's state).
wl_pid() { sk_rt state "$1" 2>/dev/null | jq -r '.pid // empty'; }

# wl_deny_events ID: the deny events of container ID (a stockade deny, not a
# finding about the spec).
wl_deny_events() { sk_events "$1" 'select(.decision == "deny" and .type != "spec-finding")'; }

# wl_assert_no_denials ID WHAT: no deny event; counts them in $CASE/denials.
wl_assert_no_denials() {
  local d
  d=$(wl_deny_events "$1")
  [ -z "$d" ] || {
    printf '%s\n' "$d" | grep -c . >>"$CASE/denials"
    sk_fail "$2: deny events: $(printf '%s\n' "$d" | head -n 5)"
  }
}

# wl_start HOW TAG BUNDLE: start the container detached; HOW is "plain"
# (the runtime alone), "sk" (stockade) or a program name stockade runs as
# (stockade-learn). Sets WL_ID, WL_OUT (its stdout and stderr), WL_PID.
wl_start() {
  local how=$1 tag=$2 b=$3
  sk_new_id "$tag"
  WL_ID=$SK_ID
  WL_OUT=$CASE/run-$tag.out
  case $how in
    plain) sk_run "run-$tag" sk_rt run -d --bundle "$b" "$WL_ID" ;;
    sk) sk_run "run-$tag" sk_sk run -d --bundle "$b" "$WL_ID" ;;
    *) SK_AS=$how sk_run "run-$tag" sk_sk run -d --bundle "$b" "$WL_ID" ;;
  esac
  [ "$SK_RC" = 0 ] || sk_fail "$how run -d $tag: exit $SK_RC: $(tail -n 3 "$CASE/run-$tag.err")"
  WL_PID=$(wl_pid "$WL_ID")
  [ -n "$WL_PID" ] || sk_fail "$tag: the runtime reports no pid for $WL_ID"
}

# wl_wait_ready W TAG [SECONDS]: a daemon's check passes within SECONDS
# (default 20); a job printed its last line (JOB-OK, BATCH-OK).
wl_wait_ready() {
  local w=$1 tag=$2 n=$((${3:-20} * 5)) why=
  while [ $n -gt 0 ]; do
    if [ "$(wl_kind "$w")" = daemon ]; then
      why=$(wl_check_daemon "$w" "$WL_PID") && {
        sk_log "  $tag: $w answers"
        return 0
      }
    elif grep -Eq '^(JOB|BATCH)-OK$' "$CASE/run-$tag.out" 2>/dev/null; then
      return 0
    fi
    [ "$(sk_state_status "$WL_ID")" = running ] || break
    sleep 0.2
    n=$((n - 1))
  done
  sed 's/^/  container| /' "$CASE/run-$tag.out" "$CASE/run-$tag.err" 2>/dev/null | tail -n 30 >&2
  sk_fail "$tag: $w did not come up (status $(sk_state_status "$WL_ID"))${why:+: $why}"
}

# wl_stop: stop the last container (a daemon: SIGTERM, then SIGKILL after
# 10 s; a job: SIGKILL) and
# delete it with the plain runtime, then with stockade (its supervisor).
wl_stop() {
  local n=50 sig=TERM
  # A job holding (sleeping as pid 1) has no handler for SIGTERM.
  [ "$(wl_kind "$W")" = job ] && sig=KILL
  sk_rt kill "$WL_ID" "$sig" >/dev/null 2>&1
  while [ $n -gt 0 ] && [ "$(sk_state_status "$WL_ID")" = running ]; do
    sleep 0.2
    n=$((n - 1))
  done
  [ "$(sk_state_status "$WL_ID")" = running ] && sk_rt kill "$WL_ID" KILL >/dev/null 2>&1
  sk_run "delete-$WL_ID" sk_sk delete -f "$WL_ID"
  sk_rt delete -f "$WL_ID" >/dev/null 2>&1
  return 0
}

# wl_check_job W TAG: the job's output is what it prints everywhere.
wl_check_job() {
  local want
  want=$(wl_expected "$1")
  if [ "$(grep -v '^ *$' "$CASE/run-$2.out")" != "$want" ]; then
    diff <(echo "$want") "$CASE/run-$2.out" | sed 's/^/  diff| /' >&2
    sed 's/^/  stderr| /' "$CASE/run-$2.err" | tail -n 20 >&2
    sk_fail "$2: $1's output is not what the job prints"
  fi
}

# wl_run HOW TAG W PROFILE: run W once and check it works: a daemon
# until its check passes, then stopped; a job to its end (foreground).
wl_run() {
  local how=$1 tag=$2 w=$3 profile=$4 b
  b=$(wl_bundle "$tag" "$w" "$profile") || sk_fail "$tag: cannot make the bundle"
  if [ "$(wl_kind "$w")" = daemon ]; then
    wl_start "$how" "$tag" "$b"
    wl_wait_ready "$w" "$tag"
    wl_stop
  else
    sk_new_id "$tag"
    WL_ID=$SK_ID
    case $how in
      plain) sk_run "run-$tag" sk_rt run --bundle "$b" "$WL_ID" ;;
      sk) sk_run "run-$tag" sk_sk run --bundle "$b" "$WL_ID" ;;
      *) SK_AS=$how sk_run "run-$tag" sk_sk run --bundle "$b" "$WL_ID" ;;
    esac
    sk_run "delete-$tag" sk_sk delete -f "$WL_ID"
    [ "$SK_RC" = 0 ] || true
    wl_check_job "$w" "$tag"
  fi
}

# ---------------------------------------------------------------------------
# The steps

st_baseline() { wl_run plain baseline "$W" ""; }

st_shipped() {
  wl_run sk shipped "$W" "$(wl_profile "$W")"
  wl_assert_no_denials "$WL_ID" "$W under the shipped profile $(wl_profile "$W")"
}

# learn: under stockade-learn with the shipped profile, then `stockadectl
# learn --base` it into the profile wl-$W (in the case's profile dir).
st_learn() {
  local p pd rc=0 out wp
  p=$(wl_profile "$W")
  pd=$(sk_profile_dir)
  (wl_run stockade-learn learn "$W" "$p") || rc=1
  WL_ID=$(awk 'END { print $2 }' "$CASE/containers")
  [ $rc = 0 ] || wl_stop
  sk_wait_recording "$WL_ID" "$p" '.ended == true' 10
  sk_run learn-ctl "$CTL" --profile-dir "$pd" learn "$SK_RECORDING" --base "$p" --name "wl-$W" -o "$pd/wl-$W.json"
  sk_assert_rc 0 "stockadectl learn"
  sed 's/^/  learned| /' "$CASE/learn-ctl.out" >&2
  sk_run lint "$CTL" profile lint "$pd/wl-$W.json"
  sk_assert_rc 0 "stockadectl profile lint of the learned profile"
  out=$(jq -c '{user, allowRoot, capabilities, writablePaths, exec}' "$pd/wl-$W.json")
  sk_log "learned profile: $out"
  # Writes are learned at their path in the container: each place W
  # writes is covered, and each learned writable path is a directory of
  # the image (not "/app.log" for a file of /data that was still open).
  for wp in $(wl_writes "$W"); do
    jq -e --arg w "$wp" '[.writablePaths[]?.path | select(. == $w or ($w | startswith(. + "/")))] | length > 0' \
      "$pd/wl-$W.json" >/dev/null || sk_fail "the learned profile has no writable path for $wp, which $W writes"
  done
  for wp in $(jq -r '.writablePaths[]?.path' "$pd/wl-$W.json"); do
    [ -d "$WL_ROOT$wp" ] || sk_fail "the learned writable path $wp is no directory of the image"
  done
  [ $rc = 0 ] || sk_fail "$W did not work under stockade-learn (the profile was still made from its recording)"
  wl_assert_no_denials "$WL_ID" "$W learning"
}

wl_learned_ready() {
  [ -f "$CASE/profiles/wl-$W.json" ] || sk_fail "no learned profile (the learn step failed)"
}

st_learned() {
  wl_learned_ready
  wl_run sk learned "$W" "wl-$W"
  wl_assert_no_denials "$WL_ID" "$W under its learned profile"
}

# wl_hold_start TAG: W running under its learned profile, kept running (a
# job holds after its result), for programs to be started in it.
wl_hold_start() {
  local tag=$1 b
  wl_learned_ready
  b=$(wl_bundle "$tag" "$W" "wl-$W" "$WL_HOLD_FILTER") || sk_fail "$tag: cannot make the bundle"
  wl_start sk "$tag" "$b"
  wl_wait_ready "$W" "$tag"
}

# wl_assert_exec_denied TAG PATH ERE [ARGS...]: `stockade exec` of PATH in
# the running container fails, and a deny event of the container names a
# path matching ERE.
wl_assert_exec_denied() {
  local tag=$1 path=$2 re=$3 e
  shift 3
  sk_run "exec-$tag" sk_sk exec "$WL_ID" "$path" "$@"
  sk_assert_rc_nonzero "stockade exec $path under the learned profile"
  e=$(sk_wait_event "$WL_ID" 'select(.decision == "deny" and ((.path // .process.path // "") | test($re)))' 5 \
    --arg re "$re") || {
    sk_events "$WL_ID" | sed 's/^/  event| /' >&2
    sk_fail "no deny event of $WL_ID names a path matching /$re/"
  }
  sk_log "  event| $e"
  [ "$(sk_state_status "$WL_ID")" = running ] || sk_fail "$W stopped after the denied exec of $path"
}

st_copied() {
  local wp dest
  wl_hold_start copied
  wp=$(jq -r '[.writablePaths[]?.path] | map(select(. != "/run")) | .[0] // "/tmp"' "$CASE/profiles/wl-$W.json")
  dest=$wp/wl-copied-id
  # Copied in from outside, through the container's own root.
  cp "$WL_ROOT/usr/bin/id" "/proc/$WL_PID/root$dest" && chmod 0755 "/proc/$WL_PID/root$dest" ||
    sk_fail "cannot copy /usr/bin/id to $dest in the container"
  # Started by the image's shell (which every workload here runs), so the
  # kernel's execve is reached: the runtime's own exec checks the file
  # before it would.
  wl_assert_exec_denied copied /bin/sh "wl-copied-id\$" -c 'exec "$0"' "$dest"
  wl_stop
}

st_unused() {
  local prog
  prog=$(wl_unused "$W")
  wl_hold_start unused
  case $prog in
    */perl) wl_assert_exec_denied unused "$prog" '/perl[0-9.]*$' -e 'print "ran\n"' ;;
    */python3) wl_assert_exec_denied unused "$prog" '/python3[0-9.]*$' -c 'print("ran")' ;;
  esac
  wl_stop
}

# asroot (the daemons, which start as root and drop privileges themselves:
# nginx's master, redis's entrypoint): learned as the image runs, as root,
# from a base that is the shipped profile with allowRoot and no user; the
# learned profile says root with only the capabilities it used (chown,
# setuid, setgid...), and the workload works under it with no deny event.
st_asroot() {
  local p pd base=wl-$W-rootbase name=wl-$W-root rc=0
  [ "$(wl_kind "$W")" = daemon ] || sk_fail "asroot is a step of the daemons"
  p=$(wl_profile "$W")
  pd=$(sk_profile_dir)
  jq --arg n "$base" '.name = $n | .allowRoot = true | del(.user)
    | .description = "learning base: the shipped profile, as root"' "$pd/$p.json" >"$pd/$base.json"
  (wl_run stockade-learn asroot-learn "$W" "$base") || rc=1
  WL_ID=$(awk 'END { print $2 }' "$CASE/containers")
  [ $rc = 0 ] || wl_stop
  sk_wait_recording "$WL_ID" "$base" '.ended == true' 10
  sk_run learn-root "$CTL" --profile-dir "$pd" learn "$SK_RECORDING" --base "$base" --name "$name" -o "$pd/$name.json"
  sk_assert_rc 0 "stockadectl learn (as root)"
  sed 's/^/  learned| /' "$CASE/learn-root.out" >&2
  [ $rc = 0 ] || sk_fail "$W did not work under stockade-learn as root"
  sk_assert_eq "$(jq -r '.allowRoot' "$pd/$name.json")" true "the profile learned as root says allowRoot"
  sk_assert_eq "$(jq -r '.writableRootfs // false' "$pd/$name.json")" false "the profile learned as root: writableRootfs"
  jq -e '.exec.allow | length > 0' "$pd/$name.json" >/dev/null || sk_fail "the profile learned as root has no exec allow-list"
  jq -e '[.capabilities[] | select(. == "CAP_SETUID" or . == "CAP_SETGID")] | length == 2' "$pd/$name.json" >/dev/null ||
    sk_fail "the profile learned as root lacks CAP_SETUID and CAP_SETGID, which $W used to drop root: $(jq -c .capabilities "$pd/$name.json")"
  wl_run sk asroot "$W" "$name"
  wl_assert_no_denials "$WL_ID" "$W under the profile learned as root"
}

# rebuild (the daemons): the image rebuilt with an edited entrypoint. The
# learned profile (programs by path, stockadectl learn's default) runs it
# with no deny event; the same recording learned with --pin-hashes denies
# the edited entrypoint, with its event: pinning is a choice, made
# explicitly, and the profile's description says which was made.
st_rebuild() {
  local pd rec ep b
  wl_learned_ready
  pd=$CASE/profiles
  ep=$(wl_entrypoint "$W")
  jq -e '.description | test("programs allowed by path")' "$pd/wl-$W.json" >/dev/null ||
    sk_fail "the learned profile's description does not say its programs are allowed by path: $(jq -r .description "$pd/wl-$W.json")"
  WL_REBUILD=1 wl_run sk rebuild "$W" "wl-$W"
  wl_assert_no_denials "$WL_ID" "$W rebuilt, under its learned profile (by path)"
  rec=$(sk_recordings "$(wl_profile "$W")" | head -n 1)
  [ -n "$rec" ] || sk_fail "no recording of the learn step"
  sk_run learn-pinned "$CTL" --profile-dir "$pd" learn "$rec" --base "$(wl_profile "$W")" --name "wl-$W-pinned" \
    --pin-hashes -o "$pd/wl-$W-pinned.json"
  sk_assert_rc 0 "stockadectl learn --pin-hashes"
  jq -e --arg p "$ep" '[.exec.allow[] | select(type == "object" and .path == $p and (.sha256 | length) == 64)] | length == 1' \
    "$pd/wl-$W-pinned.json" >/dev/null || sk_fail "--pin-hashes did not pin $ep: $(jq -c .exec "$pd/wl-$W-pinned.json")"
  b=$(WL_REBUILD=1 wl_bundle rebuild-pinned "$W" "wl-$W-pinned") || sk_fail "bundle"
  sk_new_id rebuild-pinned
  WL_ID=$SK_ID
  sk_run run-rebuild-pinned sk_sk run -d --bundle "$b" "$WL_ID"
  sk_assert_event "$WL_ID" 'select(.decision == "deny" and ((.path // .process.path // "") == $p))' \
    "the edited $ep under the pinned profile" --arg p "$ep"
  wl_stop
}

# serve (the daemons): learning while serving. Under stockade-complain
# with the learned profile (and complainRecords in the node's config), the
# daemon serves and someone runs an image program it never ran (perl); the
# recording has it; `stockadectl learn --update` makes the next version of
# the profile, `stockadectl profile diff` shows the program added, and under
# the new version the daemon works with no deny event and perl may run.
st_serve() {
  local pd rec prog v2 b
  wl_learned_ready
  pd=$CASE/profiles
  prog=$(wl_unused "$W")
  v2=wl-$W-v2
  b=$(wl_bundle serve "$W" "wl-$W") || sk_fail "bundle"
  wl_start stockade-complain serve "$b"
  wl_wait_ready "$W" serve
  sk_run exec-serve sk_sk exec "$WL_ID" "$prog" -e 'print "ran\n"'
  sk_assert_rc 0 "$prog in complain mode (reported, not denied)"
  wl_stop
  sk_wait_recording "$WL_ID" "wl-$W" '.ended == true' 10
  rec=$SK_RECORDING
  jq -e --arg p "$prog" '[.execs[] | select(.path | startswith($p))] | length > 0' "$rec" >/dev/null ||
    sk_fail "the complain-mode recording has no exec of $prog: $(jq -c '[.execs[].path]' "$rec")"
  sk_run learn-update "$CTL" --profile-dir "$pd" learn --update "$pd/wl-$W.json" "$rec" --name "$v2" -o "$pd/$v2.json"
  sk_assert_rc 0 "stockadectl learn --update"
  sed 's/^/  learned| /' "$CASE/learn-update.out" >&2
  sk_run diff "$CTL" --profile-dir "$pd" profile diff "$pd/wl-$W.json" "$pd/$v2.json"
  sk_assert_rc 1 "stockadectl profile diff (the profiles differ)"
  sk_assert_grep "$CASE/diff.out" "^\+.*${prog##*/}" "profile diff shows $prog added"
  # what the old profile allowed is still allowed
  jq -e -s '(.[0].exec.allow | map(if type == "object" then .path else . end)) - (.[1].exec.allow | map(if type == "object" then .path else . end)) | length == 0' \
    "$pd/wl-$W.json" "$pd/$v2.json" >/dev/null || sk_fail "the update dropped programs of wl-$W"
  b=$(wl_bundle serve-v2 "$W" "$v2") || sk_fail "bundle"
  wl_start sk serve-v2 "$b"
  wl_wait_ready "$W" serve-v2
  sk_run exec-serve-v2 sk_sk exec "$WL_ID" "$prog" -e 'print "ran\n"'
  sk_assert_rc 0 "$prog under the updated profile"
  wl_stop
  wl_assert_no_denials "$WL_ID" "$W under the updated profile $v2"
}

# strict: the workload under the shipped "default" profile, which does not
# fit it: it must fail (a daemon does not answer, a job does not print its
# result), and the failure is named. Every capability and write event has
# its rule and fix, and one of them names what the workload needed: the
# place it writes (wl_writes) or the low port a daemon binds. A failure no
# call shows (a file the profile's user may not read: redis' 0640 config)
# is named by `stockadectl explain` on the path in the workload's own
# error message, as an operator would ask it.
st_strict() {
  local b ev n=40 rules= path
  b=$(wl_bundle strict "$W" default) || sk_fail "strict: cannot make the bundle"
  if [ "$(wl_kind "$W")" = daemon ]; then
    wl_start sk strict "$b"
    while [ $n -gt 0 ] && [ "$(sk_state_status "$WL_ID")" = running ]; do
      wl_check_daemon "$W" "$WL_PID" >/dev/null && sk_fail "$W answers under the strict default profile"
      sleep 0.2
      n=$((n - 1))
    done
  else
    sk_new_id strict
    WL_ID=$SK_ID
    sk_run run-strict sk_sk run --bundle "$b" "$WL_ID"
    [ "$(grep -v '^ *$' "$CASE/run-strict.out")" != "$(wl_expected "$W")" ] ||
      sk_fail "$W printed its result under the strict default profile"
  fi
  sed 's/^/  container| /' "$CASE/run-strict.out" "$CASE/run-strict.err" 2>/dev/null | tail -n 8 >&2
  sleep 0.3
  ev=$(sk_events "$WL_ID" 'select(.type == "capability" or .type == "write")')
  if [ -n "$ev" ]; then
    printf '%s\n' "$ev" | jq -r '"  named| \(.rule) \(.details.capability // .details.path) (\(.details.syscall)): \(.details.fix)"' >&2
    jq -e -s 'all(.rule != null and (.details.fix | length) > 0)' <<<"$ev" >/dev/null || sk_fail "an event without rule or fix"
    rules=$(jq -r -s --arg w "$(wl_writes "$W")" '
      [.[] | select((.type == "capability" and .details.capability == "CAP_NET_BIND_SERVICE")
                    or (.type == "write" and (.details.path as $p | $w | split(" ") | any(. as $d | $p == $d or ($p | startswith($d + "/"))))))]
      | map(.rule) | unique | join(",")' <<<"$ev")
    [ -n "$rules" ] || sk_fail "no event names what $W needs (a write under $(wl_writes "$W"), or a low port)"
  else
    path=$(cat "$CASE/run-strict.out" "$CASE/run-strict.err" 2>/dev/null | grep 'Permission denied' |
      grep -o "['\"]/[^'\"]*['\"]" | head -n 1 | tr -d "'\"")
    [ -n "$path" ] || sk_fail "$W failed under the strict default profile; no event says why, nor a path in its error"
    STOCKADE_CONFIG=$CASE/stockade.json sk_run explain "$CTL" explain --root "$(sk_rt_root "$RT")" "$WL_ID" --read "$path"
    sed 's/^/  explain| /' "$CASE/explain.out" >&2
    sk_assert_rc 0 "stockadectl explain $WL_ID --read $path"
    rules=$(sed -n 's/^  rule: \(SK-[A-Z0-9-]*\).*/\1/p' "$CASE/explain.out")
    [ -n "$rules" ] || sk_fail "stockadectl explain names no rule"
  fi
  sk_log "  strict: $W failed; named by $rules"
  if [ "$(wl_kind "$W")" = daemon ]; then
    wl_stop
  else
    sk_run delete-strict sk_sk delete -f "$WL_ID"
  fi
}

WL_STEPS=${WL_STEPS:-baseline shipped learn learned copied unused asroot rebuild serve strict}

# wl_step STEP: run one step of $W under $RT in a subshell (its failures end
# it, its containers and overlays are cleaned up whatever happens); one
# line of result, the log after a failure; the result in $WL_RUN/results.
wl_step() {
  local step=$1 rc t0 log=$CASE/step-$1.log status
  t0=$(date +%s)
  (
    trap 'sk_cleanup_containers; sk_cleanup_supervisors; wl_unmount_all' EXIT
    trap 'exit 130' INT TERM
    "st_$step"
  ) >"$log" 2>&1
  rc=$?
  if [ $rc = 0 ]; then status=ok; else status=FAIL; fi
  echo "$W $RT $step $status $(($(date +%s) - t0))" >>"$WL_RUN/results"
  if [ $rc = 0 ]; then
    echo "ok - $W [$RT] $step ($(($(date +%s) - t0)) s)"
    [ "${SK_VERBOSE:-0}" = 1 ] && sed 's/^/#   /' "$log"
  else
    echo "not ok - $W [$RT] $step ($(($(date +%s) - t0)) s)"
    sed 's/^/#   /' "$log" | tail -n 80
  fi
  return 0
}

# ---------------------------------------------------------------------------
# The table

# wl_cell W RT STEP: ok, FAIL or - (not run).
wl_cell() { awk -v w="$1" -v r="$2" -v s="$3" '$1 == w && $2 == r && $3 == s { v = $4 } END { print v ? v : "-" }' "$WL_RUN/results"; }

wl_table() {
  local w rt p f syscalls caps progs denials
  for w in "$@"; do
    echo
    echo "== $w (shipped profile $(wl_profile "$w"); learned profile wl-$w) =="
    printf '%-5s %-8s %-7s %-5s %-7s %-6s %-6s %-6s %-7s %-5s %-6s %-7s %-8s %-30s %s\n' runtime baseline shipped learn learned copied unused asroot rebuild serve strict denials syscalls capabilities programs
    for rt in $SK_RUNTIMES; do
      f=$WL_RUN/$w-$rt/profiles/wl-$w.json
      if [ -f "$f" ]; then
        syscalls=$(jq '[.seccomp.syscalls[]? | select(.action == "SCMP_ACT_ALLOW") | .names[]] | unique | length' "$f")
        caps=$(jq -r '.capabilities // [] | if length == 0 then "none" else map(sub("^CAP_"; "")) | join(",") end' "$f")
        progs=$(jq -r '[.exec.allow[]? | if type == "object" then .path else . end] | length as $n | "\($n): " + (map(sub(".*/"; "")) | unique | join(","))' "$f")
      else
        syscalls=- caps=- progs=-
      fi
      denials=$(cat "$WL_RUN/$w-$rt/denials" 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')
      printf '%-5s %-8s %-7s %-5s %-7s %-6s %-6s %-6s %-7s %-5s %-6s %-7s %-8s %-30s %s\n' "$rt" \
        "$(wl_cell "$w" "$rt" baseline)" "$(wl_cell "$w" "$rt" shipped)" "$(wl_cell "$w" "$rt" learn)" \
        "$(wl_cell "$w" "$rt" learned)" "$(wl_cell "$w" "$rt" copied)" "$(wl_cell "$w" "$rt" unused)" \
        "$(wl_cell "$w" "$rt" asroot)" "$(wl_cell "$w" "$rt" rebuild)" "$(wl_cell "$w" "$rt" serve)" \
        "$(wl_cell "$w" "$rt" strict)" "$denials" "$syscalls" "$caps" "$progs"
      f=$WL_RUN/$w-$rt/profiles/wl-$w-root.json
      if [ -f "$f" ]; then
        printf '%-5s %-72s %-8s %-30s %s\n' "" "learned as root (wl-$w-root: allowRoot $(jq -r .allowRoot "$f"), read-only root):" \
          "$(jq '[.seccomp.syscalls[]? | select(.action == "SCMP_ACT_ALLOW") | .names[]] | unique | length' "$f")" \
          "$(jq -r '.capabilities // [] | if length == 0 then "none" else map(sub("^CAP_"; "")) | join(",") end' "$f")" \
          "$(jq -r '[.exec.allow[]? | if type == "object" then .path else . end] | length' "$f")"
      fi
    done
  done
}

# ---------------------------------------------------------------------------
# Main

main() {
  local w rt why t0 passed failed problems=() tool
  t0=$(date +%s)
  local want=${*:-$WL_ALL}
  for w in $want; do
    case " $WL_ALL " in *" $w "*) ;; *) echo "run.sh: no workload \"$w\" (there are: $WL_ALL)" >&2; exit 2 ;; esac
  done
  [ "$(id -u)" = 0 ] || problems+=("must run as root (real containers)")
  for tool in jq timeout unshare chroot nsenter tac; do
    command -v "$tool" >/dev/null || problems+=("$tool not installed (run make deps)")
  done
  [ -x "$SK_BIN" ] || problems+=("$SK_BIN missing (run make B=$B all)")
  [ -x "$CTL" ] || problems+=("$CTL missing (run make B=$B all)")
  if [ ${#problems[@]} -gt 0 ]; then
    printf 'not ok - preconditions: %s\n' "${problems[@]}"
    echo "0 passed, ${#problems[@]} failed"
    exit 1
  fi

  WL_RUN=$(mktemp -d /tmp/stockade-wl.XXXXXX) || exit 1
  chmod 0755 "$WL_RUN"
  SK_RUN_DIR=$WL_RUN
  export SK_RUN_DIR
  WL_ROOT=$WL_RUN/root
  trap 'wl_cleanup_run' EXIT
  trap 'exit 130' INT TERM
  : >"$WL_RUN/results"

  if ! why=$(wl_root_build "$WL_ROOT" "$WL_RUN/root.log"); then
    echo "not ok - the workloads' root: $why"
    sed 's/^/#   /' "$WL_RUN/root.log" | tail -n 30
    echo "0 passed, 1 failed"
    exit 1
  fi
  # The image's own layer: its files, and the directories the official
  # images make (nginx's cache, redis's /data owned by redis).
  cp -a "$WL_HERE/image/." "$WL_ROOT/" && mkdir -p "$WL_ROOT/var/cache/nginx" "$WL_ROOT/data" "$WL_ROOT/work" &&
    chown 999:999 "$WL_ROOT/data" || { echo "not ok - cannot add image/ to the root"; exit 1; }
  echo "# root: $(tail -n 1 "$WL_RUN/root.log" | sed 's/^cached as/built and cached as/') ($(($(date +%s) - t0)) s so far)"
  (cd "$WL_RUN" && "$SK_RUNC" spec) || exit 1
  jq '.process.terminal = false' "$WL_RUN/config.json" >"$WL_RUN/config.base.json" && rm -f "$WL_RUN/config.json"

  for w in $want; do
    for rt in $SK_RUNTIMES; do
      W=$w RT=$rt CASE=$WL_RUN/$w-$rt
      mkdir -p "$CASE"
      why=$(sk_rt_missing "$rt")
      if [ -n "$why" ]; then
        echo "not ok - $w [$rt]: $why"
        echo "$w $rt all FAIL 0" >>"$WL_RUN/results"
        continue
      fi
      sk_config '.eventRate = 100000 | .eventBurst = 100000 | .annotationModes = ["complain", "learn"] | .complainRecords = true'
      sk_profile_dir >/dev/null
      for s in $WL_STEPS; do
        case $s in asroot | rebuild | serve) [ "$(wl_kind "$w")" = daemon ] || continue ;; esac
        wl_step "$s"
      done
    done
  done

  # shellcheck disable=SC2086 # the list splits on spaces
  wl_table $want
  passed=$(awk '$4 == "ok"' "$WL_RUN/results" | grep -c .)
  failed=$(awk '$4 != "ok"' "$WL_RUN/results" | grep -c .)
  echo
  echo "# wall time $(($(date +%s) - t0)) s"
  echo "$passed passed, $failed failed"
  [ "$failed" = 0 ]
}

# Whatever happens: every container of every case killed and deleted (by
# id), supervisors ended (by pid), overlays unmounted, the run removed.
wl_cleanup_run() {
  local c
  [ -n "${WL_RUN:-}" ] || return 0
  for c in "$WL_RUN"/*-*/; do
    [ -d "$c" ] || continue
    CASE=${c%/}
    sk_cleanup_containers
    sk_cleanup_supervisors
    wl_unmount_all
  done
  if [ "${SK_KEEP:-0}" = 1 ]; then
    echo "# kept $WL_RUN" >&2
  else
    rm -rf "$WL_RUN"
  fi
}

main "$@"
