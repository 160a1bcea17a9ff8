#!/bin/bash
# shellcheck disable=SC2016 # jq filters and in-container scripts are single-quoted on purpose
# Learning mode (DESIGN.md, "Learning mode"): a container runs under
# `stockade-learn` (or the annotation stockade.io/mode=learn), its
# supervisor records what it does, `stockadectl learn` turns the recordings
# into a profile, and the same workload then runs in enforce mode under that
# profile while anything it never did is denied.
#
# The workloads that matter run on a real Debian minbase rootfs
# (debootstrap, built once per run and shared read-only: see lib.sh); the
# capability and bookkeeping cases use the busybox rootfs with probe.
. "$(dirname "$0")/lib.sh"

CTL=$SK_BUILD/stockadectl

# ---------------------------------------------------------------------------
# Workloads

# Coreutils and perl, files written below /tmp; its output does not depend
# on time or machine.
WL_MAIN='set -e
cd /tmp
mkdir -p w/in w/out
i=0
for f in alpha beta gamma delta; do i=$((i + 1)); echo "$f $i" >"w/in/$f.txt"; done
ls w/in | sort -r >w/out/list
cat w/out/list
cat w/in/*.txt | sort -k2 -n | head -n 2
wc -l <w/out/list
cp w/out/list w/out/list.bak
cmp w/out/list w/out/list.bak
date -u -d @86400 +%Y-%m-%d
perl -e '\''
  my %n; my $s = 0;
  for my $i (1 .. 2000) { $s += $i * $i; $n{$i % 7}++ }
  open(my $fh, ">", "/tmp/w/out/perl.txt") or die "open: $!";
  printf $fh "sum=%d buckets=%s\n", $s, join(",", map { $n{$_} } sort keys %n);
  close($fh) or die "close: $!";
'\''
cat w/out/perl.txt
id -u
echo WORKLOAD-OK'

WL_MAIN_OUT='gamma.txt
delta.txt
beta.txt
alpha.txt
alpha 1
beta 2
4
1970-01-02
sum=2668667000 buckets=285,286,286,286,286,286,285
65534
WORKLOAD-OK'

# Under the profile learned from WL_MAIN: a program it never ran, and
# syscalls it never made (x86_64 numbers: 272 unshare(CLONE_NEWUSER), 101
# ptrace(PTRACE_TRACEME), 140 getpriority, which the shipped default
# allow-list allows, so only the learned list can deny it). Each line is
# KEY=errno (1 is EPERM).
WL_UNLEARNED='md5sum /etc/passwd >/dev/null; echo "md5sum-status=$?"
echo "unshare=$(perl -e '\''syscall(272, 0x10000000) == -1 or die "unshare succeeded\n"; print $!+0'\'')"
echo "ptrace=$(perl -e '\''syscall(101, 0, 0, 0, 0) == -1 or die "ptrace succeeded\n"; print $!+0'\'')"
echo "getpriority=$(perl -e '\''syscall(140, 0, 0) == -1 or die "getpriority succeeded\n"; print $!+0'\'')"
echo done=1'

# Two code paths of one script, chosen by its first argument; both write
# below /tmp, so a profile learned from either has it writable.
WL_PATHS='set -e
cd /tmp
case $1 in
A)
  printf "3\n1\n2\n" >in
  sort -n in | tr "\n" " "
  echo
  perl -e '\''print join(",", map { $_ * 2 } 1 .. 5), "\n"'\''
  ;;
B)
  echo hello >f
  md5sum f
  mkdir d
  cp f d/
  tar -cf t.tar d
  tar -tf t.tar
  ;;
esac
echo "PATH-$1-OK"'
WL_PATH_A_OUT='1 2 3 
2,4,6,8,10
PATH-A-OK'
WL_PATH_B_OUT='b1946ac92492d2347c6235b4d2611184  f
d/
d/f
PATH-B-OK'

# perl starting programs by name: glibc's execvp tries each PATH entry in
# turn (/usr/local/sbin/true, ... /usr/bin/true) and goes on to the next
# only when the exec fails with ENOENT, EACCES, ENOTDIR, ESTALE, ENODEV or
# ETIMEDOUT; any other error (EPERM) ends the search.
WL_EXECVP='perl -e '\''
  system("true") == 0 or die "system(true): $!\n";
  my $out = `echo hello-from-a-child`;
  print "system-ok\n", $out;
'\'''
WL_EXECVP_OUT='system-ok
hello-from-a-child'

# ---------------------------------------------------------------------------
# Case helpers

# lt_init: the case's config (events never rate-limited; the annotation
# may ask for learn mode) and a cleanup that ends whatever is left.
lt_init() {
  trap 'sk_cleanup_containers; sk_cleanup_supervisors' EXIT
  sk_config '.eventRate = 100000 | .eventBurst = 100000 | .annotationModes = ["complain", "learn"]'
  LT_T0=$(date +%s.%N)
}

# lt_since T0: seconds since T0 (date +%s.%N), one decimal.
lt_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# lt_done: log how long the case took.
lt_done() { sk_log "case took $(lt_since "$LT_T0") s"; }

# lt_args_sh SCRIPT [ARG...]: process.args running SCRIPT with sh -c and
# positional arguments.
lt_args_sh() {
  local s=$1
  shift
  jq -nc --arg s "$s" '["sh", "-c", $s, "sh"] + $ARGS.positional' --args "$@"
}

# lt_run TAG BUNDLE: `stockade run` in the foreground (under $SK_AS when
# set), then `stockade delete -f` (the runtime has usually removed it
# already), then no stockade process of the case may be left. Sets LT_ID,
# LT_RC (the container's exit status) and LT_OUT (its stdout).
lt_run() {
  local tag=$1 b=$2 t0
  sk_new_id "$tag"
  LT_ID=$SK_ID
  t0=$(date +%s.%N)
  sk_run "run-$tag" sk_sk run --bundle "$b" "$LT_ID"
  LT_RC=$SK_RC
  LT_OUT=$CASE/run-$tag.out
  sk_log "  ($tag: $(lt_since "$t0") s)"
  sk_run "delete-$tag" sk_sk delete -f "$LT_ID"
  sk_assert_no_stockade "after the container $tag ended and was deleted"
}

# lt_assert_out EXPECTED WHAT: the last container's stdout is EXPECTED.
lt_assert_out() {
  [ "$(cat "$LT_OUT")" = "$1" ] || {
    diff <(echo "$1") "$LT_OUT" | sed 's/^/  diff| /' >&2
    sk_fail "$2: the container's output is not what the workload prints"
  }
}

# lt_assert_no_denials ID WHAT: no event of container ID denies anything.
lt_assert_no_denials() {
  local d
  d=$(sk_events "$1" 'select(.decision == "deny")' | head -n 5)
  [ -z "$d" ] || sk_fail "$2: deny events: $d"
}

# lt_learn NAME RECORDING...: `stockadectl learn` (base profile default)
# into the case's profile dir as NAME.json, which must then lint clean.
# Sets LT_PROFILE to its path.
lt_learn() {
  local name=$1 pd
  shift
  pd=$(sk_profile_dir)
  LT_PROFILE=$pd/$name.json
  # --pin-hashes: the cases below check the pinned hashes (lt_assert_exec_hashes).
  sk_run "learn-$name" "$CTL" --profile-dir "$pd" learn "$@" --base default --name "$name" --pin-hashes -o "$LT_PROFILE"
  sk_assert_rc 0 "stockadectl learn --name $name"
  [ -s "$LT_PROFILE" ] || sk_fail "stockadectl learn -o $LT_PROFILE wrote no file"
  [ -s "$CASE/learn-$name.out" ] || [ -s "$CASE/learn-$name.err" ] ||
    sk_fail "stockadectl learn printed no summary"
  sk_run "lint-$name" "$CTL" profile lint "$LT_PROFILE"
  sk_assert_rc 0 "stockadectl profile lint of the learned profile"
  sk_log "learned profile $name: $(jq -c '{name, user, capabilities, writablePaths,
    exec: (.exec.allow // null | if . then map(if type == "object" then .path else . end) else null end),
    syscalls: ([.seccomp.syscalls[]? | select(.action == "SCMP_ACT_ALLOW") | .names[]] | length)}' "$LT_PROFILE")"
}

# lt_allowed_syscalls PROFILE-FILE: the names its seccomp allow-list allows.
lt_allowed_syscalls() {
  jq -r '.seccomp.syscalls[]? | select(.action == "SCMP_ACT_ALLOW") | .names[]' "$1" | sort -u
}

# lt_assert_exec_hashes PROFILE-FILE ROOTFS: every exec.allow entry with a
# sha256 is the hash of that path's file in the image (resolved inside
# ROOTFS, so the image's own symlinks apply); at least one entry has one.
lt_assert_exec_hashes() {
  local p=$1 r=$2 path sha real n=0
  while IFS=$'\t' read -r path sha; do
    [ -n "$sha" ] || continue
    real=$(chroot "$r" /usr/bin/sha256sum "$path" 2>/dev/null | cut -d' ' -f1) ||
      real=$(sha256sum <"$r$path" | cut -d' ' -f1)
    sk_assert_eq "$sha" "$real" "exec.allow sha256 of $path"
    n=$((n + 1))
  done < <(jq -r '.exec.allow[]? | select(type == "object") | [.path, (.sha256 // "")] | @tsv' "$p")
  [ "$n" -gt 0 ] || sk_fail "the learned exec.allow pins no program to a sha256: $(jq -c .exec "$p")"
}

# lt_assert_exec_allowed PROFILE-FILE PROGRAM...: each program (a base name)
# is in the exec allow-list under some directory.
lt_assert_exec_allowed() {
  local p=$1 prog
  shift
  for prog in "$@"; do
    jq -e --arg b "$prog" '[.exec.allow[]? | if type == "object" then .path else . end | select(endswith("/" + $b))] | length > 0' \
      "$p" >/dev/null || sk_fail "the learned exec.allow has no $prog: $(jq -c '[.exec.allow[]? | if type == "object" then .path else . end]' "$p")"
  done
}

# ---------------------------------------------------------------------------
# 0. the Debian rootfs (once per run; the cases below share it)

t_debian_rootfs() {
  local d=$SK_RUN_DIR/debian p
  if ! sk_debian_build; then
    sed 's/^/  build| /' "$d/build.log" 2>/dev/null | tail -n 20 >&2
    if [ "$(cat "$d/kind" 2>/dev/null)" = skip ]; then
      sk_skip "$(cat "$d/why")"
    fi
    sk_fail "$(cat "$d/why" 2>/dev/null || echo "no reason recorded")"
  fi
  sk_log "Debian $SK_DEBIAN_SUITE minbase rootfs: $(tr '\n' ' ' <"$d/ready")"
  for p in perl sort md5sum tar sha256sum; do
    [ -x "$d/rootfs/usr/bin/$p" ] || sk_fail "the Debian rootfs has no /usr/bin/$p"
  done
}

# ---------------------------------------------------------------------------
# 1. learn a real workload; enforce the learned profile

t_learn_enforce() {
  local b rec p n
  lt_init
  # The syscall numbers below (and the arch the recording is read for).
  [ "$(uname -m)" = x86_64 ] || sk_skip "the unlearned syscalls are tried by their x86_64 numbers; this is $(uname -m)"
  sk_debian_require

  b=$(sk_bundle_debian learn '.process.args = $a' --argjson a "$(lt_args_sh "$WL_MAIN")") || sk_fail "bundle"
  SK_AS=stockade-learn lt_run learn "$b"
  sk_assert_eq "$LT_RC" 0 "the workload's exit status under stockade-learn"
  lt_assert_out "$WL_MAIN_OUT" "stockade-learn run (id -u: the profile's user 65534 instead of root)"
  lt_assert_no_denials "$LT_ID" "learning"
  sk_wait_recording "$LT_ID" default '.ended == true' 5
  rec=$SK_RECORDING
  sk_log "recording $rec: $(jq -c '{container, profile, ended, notifications,
    syscalls: (.syscalls | map_values(length)), execs: [.execs[].path], writes: (.writes | length),
    network, capabilities}' "$rec")"
  sk_assert_eq "$(jq -r .container "$rec")" "$LT_ID" "recording: container"
  sk_assert_eq "$(jq -r .profile "$rec")" default "recording: profile"
  sk_assert_eq "$(jq -r .version "$rec")" 1 "recording: version"
  n=$(jq -r '.notifications' "$rec")
  [ "$n" -gt 0 ] 2>/dev/null || sk_fail "recording: notifications \"$n\", expected a positive count"
  # The runtime's baseline (read, write, openat, ...) is allowed without a
  # notification, so it is not recorded; mkdir and execve are not in it.
  jq -e '.syscalls.SCMP_ARCH_X86_64 | index("mkdir") and index("execve")' "$rec" >/dev/null ||
    sk_fail "recording: syscalls of SCMP_ARCH_X86_64 lack mkdir or execve: $(jq -c .syscalls "$rec" | head -c 600)"
  jq -e '[.syscalls[][]] | index("unshare") or index("ptrace") or index("getpriority") | not' "$rec" >/dev/null ||
    sk_fail "recording: has unshare, ptrace or getpriority, which the workload never made: $(jq -c .syscalls "$rec" | head -c 600)"
  jq -e '[.execs[] | select((.path | endswith("/perl")) and (.sha256 | test("^[0-9a-f]{64}$")) and .where == "image")]
    | length > 0' "$rec" >/dev/null || sk_fail "recording: no exec of perl from the image with a sha256: $(jq -c .execs "$rec")"
  jq -e '[.writes[] | select(startswith("/tmp/w"))] | length > 0' "$rec" >/dev/null ||
    sk_fail "recording: no write below /tmp/w: $(jq -c .writes "$rec")"

  lt_learn wl "$rec"
  p=$LT_PROFILE
  lt_assert_exec_allowed "$p" perl sort cat ls wc cp cmp date id
  lt_assert_exec_hashes "$p" "$b/rootfs"
  jq -e '.seccomp | type == "object" and (.defaultAction | type == "string") and (.syscalls | type == "array")' "$p" \
    >/dev/null || sk_fail "learned profile: seccomp is not an inline OCI seccomp object: $(jq -c .seccomp "$p" | head -c 300)"
  lt_allowed_syscalls "$p" >"$CASE/allowed"
  for n in openat execve write mkdir; do
    grep -qx "$n" "$CASE/allowed" || sk_fail "the learned allow-list lacks $n, which the workload made"
  done
  for n in unshare ptrace getpriority; do
    ! grep -qx "$n" "$CASE/allowed" || sk_fail "the learned allow-list has $n, which the workload never made"
  done
  sk_assert_eq "$(jq -c .user "$p")" '{"uid":65534,"gid":65534}' "learned profile: user (from the base profile)"
  jq -e '[.writablePaths[].path] | index("/tmp")' "$p" >/dev/null ||
    sk_fail "learned profile: /tmp, where the workload wrote, is not in writablePaths: $(jq -c .writablePaths "$p")"

  # The same workload, enforced with the learned profile, runs clean.
  b=$(sk_bundle_debian enforce '.process.args = $a | .annotations["stockade.io/profile"] = "wl"' \
    --argjson a "$(lt_args_sh "$WL_MAIN")") || sk_fail "bundle"
  lt_run enforce "$b"
  sk_assert_eq "$LT_RC" 0 "the workload's exit status in enforce mode with the learned profile"
  lt_assert_out "$WL_MAIN_OUT" "enforce mode with the learned profile"
  lt_assert_no_denials "$LT_ID" "enforce mode with the learned profile"

  # What it never did is denied.
  b=$(sk_bundle_debian unlearned '.process.args = $a | .annotations["stockade.io/profile"] = "wl"' \
    --argjson a "$(lt_args_sh "$WL_UNLEARNED")") || sk_fail "bundle"
  lt_run unlearned "$b"
  sk_assert_grep "$LT_OUT" '^done=1$' "the script ran to its end"
  sk_assert_kv "$LT_OUT" md5sum-status 126 "md5sum (never run while learning): the shell's status for a denied exec"
  sk_assert_event "$LT_ID" 'select(.type == "not-allowed" and .decision == "deny" and (.process.path | endswith("/md5sum")))' \
    "md5sum is not on the learned exec allow-list"
  sk_assert_eq "$(jq -r .profile.name <<<"$SK_EVENT")" wl "the denial's profile"
  sk_assert_eq "$(jq -r .profile.mode <<<"$SK_EVENT")" enforce "the denial's mode"
  sk_assert_kv "$LT_OUT" unshare 1 "unshare (syscall 272), never made while learning: errno"
  sk_assert_kv "$LT_OUT" ptrace 1 "ptrace (syscall 101), never made while learning: errno"
  sk_assert_kv "$LT_OUT" getpriority 1 "getpriority (syscall 140, in the default allow-list), never made while learning: errno"
  lt_done
}

# ---------------------------------------------------------------------------
# 2. two recordings of two code paths merge into one profile

t_merge() {
  local b ra rb
  lt_init
  sk_debian_require

  # Path A under the program name, path B under the annotation.
  b=$(sk_bundle_debian la '.process.args = $a' --argjson a "$(lt_args_sh "$WL_PATHS" A)") || sk_fail "bundle"
  SK_AS=stockade-learn lt_run learn-a "$b"
  sk_assert_eq "$LT_RC" 0 "path A under stockade-learn"
  lt_assert_out "$WL_PATH_A_OUT" "path A under stockade-learn"
  sk_wait_recording "$LT_ID" default '.ended == true'
  ra=$SK_RECORDING
  b=$(sk_bundle_debian lb '.process.args = $a | .annotations["stockade.io/mode"] = "learn"' \
    --argjson a "$(lt_args_sh "$WL_PATHS" B)") || sk_fail "bundle"
  lt_run learn-b "$b"
  sk_assert_eq "$LT_RC" 0 "path B under the annotation stockade.io/mode=learn"
  lt_assert_out "$WL_PATH_B_OUT" "path B under the annotation stockade.io/mode=learn"
  sk_wait_recording "$LT_ID" default '.ended == true'
  rb=$SK_RECORDING
  jq -e '[.execs[].path | select(endswith("/md5sum"))] | length > 0' "$rb" >/dev/null ||
    sk_fail "the annotation's learning run recorded no md5sum: $(jq -c .execs "$rb")"

  lt_learn pa "$ra"
  lt_learn ab "$ra" "$rb"
  lt_assert_exec_allowed "$LT_PROFILE" sort tr perl md5sum mkdir cp tar
  lt_assert_exec_hashes "$LT_PROFILE" "$b/rootfs"

  sk_run diff-same "$CTL" profile diff "$LT_PROFILE" "$LT_PROFILE"
  sk_assert_rc 0 "stockadectl profile diff of a profile with itself"
  sk_run diff "$CTL" profile diff "$(sk_profile_dir)/pa.json" "$LT_PROFILE"
  sk_assert_rc 1 "stockadectl profile diff of A's profile and the merged one"
  sk_assert_grep "$CASE/diff.out" 'md5sum' "the diff names md5sum, which only the merged profile allows"

  # Both paths pass under the merged profile.
  b=$(sk_bundle_debian ea '.process.args = $a | .annotations["stockade.io/profile"] = "ab"' \
    --argjson a "$(lt_args_sh "$WL_PATHS" A)") || sk_fail "bundle"
  lt_run enforce-a "$b"
  sk_assert_eq "$LT_RC" 0 "path A enforced with the merged profile"
  lt_assert_out "$WL_PATH_A_OUT" "path A enforced with the merged profile"
  lt_assert_no_denials "$LT_ID" "path A enforced with the merged profile"
  b=$(sk_bundle_debian eb '.process.args = $a | .annotations["stockade.io/profile"] = "ab"' \
    --argjson a "$(lt_args_sh "$WL_PATHS" B)") || sk_fail "bundle"
  lt_run enforce-b "$b"
  sk_assert_eq "$LT_RC" 0 "path B enforced with the merged profile"
  lt_assert_out "$WL_PATH_B_OUT" "path B enforced with the merged profile"
  lt_assert_no_denials "$LT_ID" "path B enforced with the merged profile"

  # The merge is what makes B pass: A's profile alone denies its md5sum.
  b=$(sk_bundle_debian eba '.process.args = $a | .annotations["stockade.io/profile"] = "pa"' \
    --argjson a "$(lt_args_sh "$WL_PATHS" B)") || sk_fail "bundle"
  lt_run b-under-a "$b"
  sk_assert_ne "$LT_RC" 0 "path B under the profile learned from path A alone"
  sk_assert_event "$LT_ID" 'select(.type == "not-allowed" and .decision == "deny" and (.process.path | endswith("/md5sum")))' \
    "path B under path A's profile: md5sum denied"
  lt_done
}

# ---------------------------------------------------------------------------
# 3. a second learning run of the same workload is cheaper

t_fewer_notifications() {
  local b n1 n2
  lt_init
  sk_debian_require
  b=$(sk_bundle_debian l1 '.process.args = $a' --argjson a "$(lt_args_sh "$WL_MAIN")") || sk_fail "bundle"
  SK_AS=stockade-learn lt_run learn-1 "$b"
  sk_assert_eq "$LT_RC" 0 "first learning run"
  lt_assert_out "$WL_MAIN_OUT" "first learning run"
  sk_wait_recording "$LT_ID" default '.ended == true'
  n1=$(jq -r .notifications "$SK_RECORDING")
  b=$(sk_bundle_debian l2 '.process.args = $a' --argjson a "$(lt_args_sh "$WL_MAIN")") || sk_fail "bundle"
  SK_AS=stockade-learn lt_run learn-2 "$b"
  sk_assert_eq "$LT_RC" 0 "second learning run"
  lt_assert_out "$WL_MAIN_OUT" "second learning run"
  sk_wait_recording "$LT_ID" default '.ended == true'
  n2=$(jq -r .notifications "$SK_RECORDING")
  sk_log "notifications: first run $n1, second run $n2"
  [ "$n1" -gt 0 ] 2>/dev/null || sk_fail "first run: notifications \"$n1\", expected a positive count"
  [ "$n2" -ge 0 ] 2>/dev/null || sk_fail "second run: notifications \"$n2\", expected a count"
  [ "$n2" -lt "$n1" ] || sk_fail "the second learning run got $n2 notifications, the first $n1: expected fewer"
  sk_assert_eq "$(sk_recordings default | wc -l)" 2 "recordings of profile default (one per run)"
  lt_done
}

# ---------------------------------------------------------------------------
# 4. capability inference: bind to port 80 as a non-root user

# lt_bind_bundle NAME PORT [PROFILE]: busybox bundle, uid 1000, with
# CAP_NET_BIND_SERVICE in every set, running probe bind PORT.
lt_bind_bundle() {
  sk_bundle "$1" '.process.user = {uid: 1000, gid: 1000} | .process.args = ["probe", "bind", $port]
    | .process.capabilities = {bounding: $c, effective: $c, permitted: $c, inheritable: $c, ambient: $c}
    | if $p != "" then .annotations["stockade.io/profile"] = $p else . end' \
    --arg port "$2" --arg p "${3:-}" --argjson c '["CAP_NET_BIND_SERVICE"]'
}

t_capabilities() {
  local b rec
  lt_init
  b=$(lt_bind_bundle l80 80) || sk_fail "bundle"
  SK_AS=stockade-learn lt_run learn-80 "$b"
  sk_assert_eq "$LT_RC" 0 "probe bind 80 under stockade-learn"
  sk_assert_kv "$LT_OUT" bind OK "bind to port 80 as uid 1000 with the spec's CAP_NET_BIND_SERVICE (learn mode keeps it)"
  sk_wait_recording "$LT_ID" default '.ended == true'
  rec=$SK_RECORDING
  sk_log "recording: $(jq -c '{network, capabilities, notifications}' "$rec")"
  sk_assert_eq "$(jq -c '[.capabilities[].name]' "$rec")" '["CAP_NET_BIND_SERVICE"]' "recording: capabilities"
  case $(jq -r '.capabilities[0].why' "$rec") in
    *80*) ;;
    *) sk_fail "recording: why CAP_NET_BIND_SERVICE does not name port 80: $(jq -c '.capabilities[0]' "$rec")" ;;
  esac
  jq -e '[.network[] | select(.op == "bind" and .port == 80 and .family == "inet")] | length == 1' "$rec" >/dev/null ||
    sk_fail "recording: network has no bind inet 80: $(jq -c .network "$rec")"
  lt_learn cap80 "$rec"
  sk_assert_eq "$(jq -c .capabilities "$LT_PROFILE")" '["CAP_NET_BIND_SERVICE"]' "learned profile: capabilities"
  sk_assert_grep "$CASE/learn-cap80.out" 'CAP_NET_BIND_SERVICE.*80' "the summary says why CAP_NET_BIND_SERVICE is there"

  # Control: the same program binding an unprivileged port implies nothing.
  b=$(lt_bind_bundle l8080 8080) || sk_fail "bundle"
  SK_AS=stockade-learn lt_run learn-8080 "$b"
  sk_assert_kv "$LT_OUT" bind OK "bind to port 8080 under stockade-learn"
  sk_wait_recording "$LT_ID" default '.ended == true'
  sk_assert_eq "$(jq -c '[.capabilities[].name]' "$SK_RECORDING")" '[]' "recording of a bind to 8080: capabilities"
  lt_learn cap8080 "$SK_RECORDING"
  sk_assert_eq "$(jq -c .capabilities "$LT_PROFILE")" '[]' "profile learned from a bind to 8080: capabilities"

  # Enforced: the learned capability is what lets the bind to 80 work.
  b=$(lt_bind_bundle e80 80 cap80) || sk_fail "bundle"
  lt_run enforce-80 "$b"
  sk_assert_kv "$LT_OUT" bind OK "bind to port 80 enforced with the learned profile"
  lt_assert_no_denials "$LT_ID" "bind to port 80 enforced with the learned profile"
  b=$(lt_bind_bundle e80n 80 cap8080) || sk_fail "bundle"
  lt_run enforce-80-nocap "$b"
  sk_assert_kv "$LT_OUT" bind EACCES "bind to port 80 under the profile learned from port 8080 (no capability)"
  lt_done
}

# ---------------------------------------------------------------------------
# 5. learn mode itself: the profile's user and read-only root, the spec's
# capabilities, nothing denied; the recording is written while the
# container runs and kept after delete

t_learn_mode() {
  local b id ident left
  lt_init
  b=$(sk_bundle b '.process.args = $a | .process.capabilities = {bounding: $c, effective: $c, permitted: $c, inheritable: $c, ambient: $c}' \
    --argjson a "$(sk_args_sh 'probe status; probe write /probe-root; exectest memfd /bin/sktrue
echo done=1; sleep 3; probe syscalls; echo done2=1; exec sleep 300')" \
    --argjson c '["CAP_KILL", "CAP_NET_BIND_SERVICE"]') || sk_fail "bundle"
  sk_new_id mode
  id=$SK_ID
  SK_AS=stockade-learn sk_run run sk_sk run -d --bundle "$b" "$id"
  sk_assert_rc 0 "stockade-learn run -d"
  sk_assert_supervised "$id" "$b"
  ident=$SK_SUP_IDENT
  sk_wait_grep "$CASE/run.out" '^done=1$' 15 || sk_fail "the container did not get to done=1: $(cat "$CASE/run.out")"
  sed 's/^/  container| /' "$CASE/run.out" >&2
  sk_assert_kv "$CASE/run.out" uid 65534 "learn mode: a spec with uid 0 runs as the profile's user"
  sk_assert_kv "$CASE/run.out" write EROFS "learn mode: the root is read-only"
  sk_assert_kv "$CASE/run.out" CapBnd 0000000000000420 "learn mode: the spec's capabilities (KILL, NET_BIND_SERVICE) are kept"
  sk_assert_kv "$CASE/run.out" Seccomp 2 "learn mode: a seccomp filter is installed"
  sk_assert_kv "$CASE/run.out" memfd-execveat OK "learn mode: a fileless exec is not denied"
  sk_assert_event "$id" 'select(.type == "fileless")' "learn mode: the would-be denial is an event"
  sk_assert_eq "$(jq -r .decision <<<"$SK_EVENT")" report "learn mode: the fileless event's decision"
  sk_assert_eq "$(jq -r .profile.mode <<<"$SK_EVENT")" learn "learn mode: the fileless event's mode"

  # Written while running, and up to date: keyctl, made 3 s after done=1.
  sk_wait_grep "$CASE/run.out" '^done2=1$' 15 || sk_fail "the container did not get to done2=1"
  sk_assert_kv "$CASE/run.out" keyctl OK "learn mode: keyctl (not in the default allow-list) is not denied"
  sk_wait_recording "$id" default '.ended == false and ([.syscalls[][]] | index("keyctl"))' 5
  sk_log "recording while running: $(jq -c '{ended, notifications, updated}' "$SK_RECORDING")"
  sk_assert_eq "$(sk_state_status "$id")" running "the container while its recording is written"
  lt_assert_no_denials "$id" "learn mode"

  # delete ends the recording and keeps it; nothing else is left.
  sk_run delete sk_sk delete -f "$id"
  sk_assert_rc 0 "stockade delete -f"
  sk_assert_unsupervised "$id" "$ident" "after stockade delete"
  sk_wait_recording "$id" default '.ended == true' 5
  left=$(find "$CASE/state" -mindepth 1 -maxdepth 1 ! -name recordings)
  [ -z "$left" ] || sk_fail "after delete, stockade's state dir has more than the recordings: $left"
  sk_assert_no_stockade "after delete"
  lt_done
}

# ---------------------------------------------------------------------------
# 6. programs started by name through execvp's PATH search

t_execvp() {
  local b
  lt_init
  sk_debian_require
  b=$(sk_bundle_debian learn '.process.args = $a' --argjson a "$(lt_args_sh "$WL_EXECVP")") || sk_fail "bundle"
  SK_AS=stockade-learn lt_run learn "$b"
  sk_assert_eq "$LT_RC" 0 "perl system() under stockade-learn"
  lt_assert_out "$WL_EXECVP_OUT" "perl system() under stockade-learn"
  sk_wait_recording "$LT_ID" default '.ended == true'
  lt_learn execvp "$SK_RECORDING"
  lt_assert_exec_allowed "$LT_PROFILE" perl true
  b=$(sk_bundle_debian enforce '.process.args = $a | .annotations["stockade.io/profile"] = "execvp"' \
    --argjson a "$(lt_args_sh "$WL_EXECVP")") || sk_fail "bundle"
  lt_run enforce "$b"
  if [ "$LT_RC" != 0 ]; then
    sk_events "$LT_ID" 'select(.decision == "deny") | {type, path: .process.path, argv: .process.argv, message}' | sed 's/^/  denied| /' >&2
  fi
  sk_assert_eq "$LT_RC" 0 "perl system() enforced with the learned profile (a PATH entry without the program must fail with ENOENT, not EPERM)"
  lt_assert_out "$WL_EXECVP_OUT" "perl system() enforced with the learned profile"
  lt_assert_no_denials "$LT_ID" "perl system() enforced with the learned profile"
  lt_done
}

sk_case "learn: a Debian $SK_DEBIAN_SUITE minbase rootfs for the workloads (debootstrap or the cache)" t_debian_rootfs
sk_for_runtimes "learn: a coreutils and perl workload is learned and runs clean enforced; what it never did is denied" t_learn_enforce
sk_for_runtimes "learn: two recordings of two code paths merge into one profile that passes both" t_merge
sk_for_runtimes "learn: a second learning run of the same workload gets fewer notifications" t_fewer_notifications
sk_for_runtimes "learn: bind to port 80 as a non-root user is learned as exactly CAP_NET_BIND_SERVICE" t_capabilities
sk_for_runtimes "learn: learn mode runs as the profile's user, keeps the spec's capabilities, denies nothing; recording kept after delete" t_learn_mode
sk_for_runtimes "learn: programs perl starts by name (execvp walks PATH) run under the learned profile" t_execvp
