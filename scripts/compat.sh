#!/bin/bash
# make compat: runc's own integration suite (bats), taken from Debian's
# source package of the installed runc, run three times on this machine:
#
#   runc       plain runc: the reference
#   complain   stockade-complain in front of runc (judges, reports, changes nothing)
#   enforce    stockade in enforce mode with tests/compat/permissive.json
#              (a profile that allows what the suite needs; everything
#              stockade does regardless of the profile still happens)
#
# Every test that passes under plain runc must pass under stockade, except
# the differences by design listed in tests/compat/differences.txt, each
# with the rule that causes it. The last line is "compat: N passed, N failed"
# (N failed = tests that pass under runc and fail under stockade without
# being listed, plus listed ones that now pass: a stale list is a failure
# too, so it never hides a regression).
#
# What it needs, installed from Debian only (apt): a deb-src entry (written
# to /etc/apt/sources.list.d/stockade-src.sources, signed by Debian's
# archive key), the source package, its Build-Depends (Go and the Go
# libraries) for the suite's three Go helpers (recvtty, sd-helper,
# seccompagent), bats, debootstrap. The two images the suite downloads are
# made here instead: busybox from busybox-static, and a Debian root with
# debootstrap (hooks.bats only).
#
# Knobs (environment):
#   B                  build directory (default build)
#   SK_COMPAT_CACHE    source, helpers and images (default /var/cache/stockade-compat)
#   SK_COMPAT_VARIANTS which runs (default "runc complain enforce")
#   SK_COMPAT_FILTER   bats --filter regex, to run a subset while debugging
#   SK_COMPAT_TIMEOUT  seconds one whole run may take (default 1500)
#   SK_COMPAT_REUSE=1  compare the runs already in $B/compat again, without
#                      running the suite (after editing differences.txt)
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
case $B in /*) build=$B ;; *) build=$repo/$B ;; esac
cache=${SK_COMPAT_CACHE:-/var/cache/stockade-compat}
variants=${SK_COMPAT_VARIANTS:-runc complain enforce}
timeout_s=${SK_COMPAT_TIMEOUT:-1500}
diffs=$repo/tests/compat/differences.txt

die() {
  echo "compat: $*" >&2
  echo "compat: 0 passed, 1 failed"
  exit 1
}

[ "$(id -u)" = 0 ] || die "must run as root (the suite runs real containers)"
[ -x "$build/stockade" ] || die "$build/stockade missing (run make B=$B all)"
runc_bin=$(command -v runc) || die "runc not installed (make deps)"
runc_version=$(dpkg-query -W -f='${Version}' runc 2>/dev/null) || die "runc is not Debian's package; its source cannot be fetched"

export DEBIAN_FRONTEND=noninteractive
apt_updated=0
apt_update() {
  [ $apt_updated = 1 ] && return 0
  apt-get update -q >/dev/null || die "apt-get update failed"
  apt_updated=1
}

# The source of the installed runc, unpacked once per version.
src=$cache/runc-$runc_version
prepare_source() {
  local list=/etc/apt/sources.list.d/stockade-src.sources tmp
  [ -f "$src/.ready" ] && return 0
  if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
    cat >"$list" <<'EOF'
# Written by stockade's scripts/compat.sh: Debian source packages, for
# runc's integration suite (make compat).
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    apt_updated=0
  fi
  apt_update
  rm -rf "$src" "$cache/fetch"
  mkdir -p "$cache/fetch"
  (cd "$cache/fetch" && apt-get source -q "runc=$runc_version" >/dev/null 2>"$cache/fetch.log") ||
    die "apt-get source runc=$runc_version failed: $(tail -n 1 "$cache/fetch.log")"
  tmp=$(find "$cache/fetch" -mindepth 1 -maxdepth 1 -type d -name 'runc-*' | head -n 1)
  [ -n "$tmp" ] && [ -d "$tmp/tests/integration" ] || die "the runc source package has no tests/integration"
  mv "$tmp" "$src"
  rm -rf "$cache/fetch"
  touch "$src/.ready"
}

# Go and the Go libraries runc's Build-Depends name; bats and debootstrap.
prepare_tools() {
  local missing=""
  command -v go >/dev/null || missing=1
  command -v bats >/dev/null || missing=1
  command -v debootstrap >/dev/null || missing=1
  command -v gawk >/dev/null || missing=1
  [ -d /usr/share/gocode/src/github.com/urfave/cli ] || missing=1
  [ -z "$missing" ] && return 0
  apt_update
  apt-get install -y -q --no-install-recommends bats debootstrap gawk xz-utils >/dev/null || die "apt-get install bats debootstrap gawk failed"
  apt-get build-dep -y -q "runc=$runc_version" >/dev/null || die "apt-get build-dep runc failed"
}

# The suite's Go helpers, built the way Debian builds runc (GOPATH mode
# over /usr/share/gocode), into the places helpers.bash looks.
prepare_helpers() {
  local gp=$cache/gopath c
  mkdir -p "$gp/src/github.com/opencontainers"
  ln -sfn "$src" "$gp/src/github.com/opencontainers/runc"
  for c in recvtty sd-helper seccompagent; do
    [ -x "$src/contrib/cmd/$c/$c" ] && continue
    (cd "$gp/src/github.com/opencontainers/runc" &&
      GOPATH=$gp:/usr/share/gocode GO111MODULE=off GOFLAGS= GOCACHE=$cache/gocache \
        go build -tags seccomp -o "contrib/cmd/$c/$c" "./contrib/cmd/$c") >"$cache/go-$c.log" 2>&1 ||
      die "building runc's $c helper failed: $(tail -n 3 "$cache/go-$c.log" | tr '\n' ' ')"
  done
}

# The images get-images.sh would download, made locally. They are plain
# tar files under the names the script expects: GNU tar recognises the
# format by its content when it extracts, and every test extracts one, so
# skipping xz saves seconds a test.
prepare_images() {
  local td=$src/tests/integration/testdata arch r
  arch=$(go env GOARCH)
  if [ ! -s "$td/busybox-$arch.tar.xz" ]; then
    r=$(mktemp -d "$cache/busybox.XXXXXX")
    mkdir -p "$r"/bin "$r"/etc "$r"/proc "$r"/sys "$r"/dev "$r"/tmp "$r"/root "$r"/home "$r"/var "$r"/usr/bin
    # mktemp made the root 0700: a non-root user could not even reach /bin
    chmod 0755 "$r"
    chmod 1777 "$r/tmp"
    cp "$(command -v busybox)" "$r/bin/busybox"
    chroot "$r" /bin/busybox --install -s /bin
    printf 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nnobody:x:65534:65534:nobody:/home:/bin/false\n' >"$r/etc/passwd"
    printf 'root:x:0:\ndaemon:x:1:\ntty:x:5:\nnogroup:x:65534:\n' >"$r/etc/group"
    tar -C "$r" --numeric-owner -cf "$td/busybox-$arch.tar.xz.new" . && mv "$td/busybox-$arch.tar.xz.new" "$td/busybox-$arch.tar.xz"
    rm -rf "$r"
  fi
  if [ ! -s "$td/debian-$arch.tar.xz" ]; then
    r=$(mktemp -d "$cache/debian.XXXXXX")
    timeout -k 10 600 debootstrap --variant=minbase bookworm "$r" http://deb.debian.org/debian >"$cache/debootstrap.log" 2>&1 ||
      die "debootstrap bookworm failed: $(tail -n 1 "$cache/debootstrap.log")"
    chmod 0755 "$r"
    tar -C "$r" --numeric-owner -cf "$td/debian-$arch.tar.xz.new" . && mv "$td/debian-$arch.tar.xz.new" "$td/debian-$arch.tar.xz"
    rm -rf "$r"
  fi
}

# A stockade configuration for one variant, in $out/<variant>/.
stockade_config() {
  local d=$1 mode=$2
  mkdir -p "$d/profiles" "$d/state" "$d/bin"
  cp "$repo/tests/compat/permissive.json" "$d/profiles/permissive.json"
  jq -n --arg rt "$runc_bin" --arg pd "$d/profiles" --arg sd "$d/state" --arg ev "$d/events.json" \
    --arg mode "$mode" --arg init "$build/stockade-init" \
    '{runtime: $rt, profileDir: $pd, defaultProfile: "permissive", defaultMode: $mode, stateDir: $sd,
      eventFile: $ev, annotationModes: [], initPath: $init, privilegedProfiles: ["permissive"]}' >"$d/stockade.json"
}

run_variant() {
  local v=$1 bin d=$out/$1 rc
  case $v in
    runc) bin=$runc_bin ;;
    complain | enforce)
      stockade_config "$d" "$v"
      bin=$d/bin/runc
      # The suite prints "$(basename "$RUNC")" and some tests match "runc"
      # in messages: the link is named runc; the mode comes from the config.
      ln -sfn "$build/stockade" "$bin"
      ;;
    *) die "unknown variant $v (runc, complain, enforce)" ;;
  esac
  mkdir -p "$d"
  # runc 1.1.5's exec hands its stdio to the exec's user, /dev/null
  # included (runc#3674): any earlier container exec'd as another user
  # with stdin /dev/null (make check does) leaves the host's /dev/null
  # owned by that user, and exec.bats checks it is root's. Every variant
  # starts from the same host.
  chown 0:0 /dev/null
  local t0=$SECONDS
  (
    cd "$src/tests/integration" || exit 1
    export RUNC=$bin STOCKADE_CONFIG=$d/stockade.json
    # Tests whose spec has terminal: true need a terminal on stdin, as
    # on a developer's machine: script(1) gives the suite a pseudo-terminal.
    exec timeout -k 30 "$timeout_s" script -qfec "bats --tap ${SK_COMPAT_FILTER:+--filter '$SK_COMPAT_FILTER'} ." /dev/null
  ) >"$d/suite.tap" 2>"$d/suite.err" </dev/null
  rc=$?
  echo "$((SECONDS - t0))" >"$d/seconds"
  [ $rc = 124 ] && echo "compat: $v: the suite ran out of time ($timeout_s s)" >&2
  # Containers a cut-short run left behind.
  pkill -f "$d/state" 2>/dev/null
  return 0
}

# retry_passes VARIANT TEST: run that one test again under the variant
# (a test that fails once in a loaded run is not a difference).
retry_passes() {
  local v=$1 t=$2 d=$out/$1 re
  re=$(printf '%s' "$t" | sed 's/[][\\.*^$(){}+?|/]/\\&/g')
  chown 0:0 /dev/null
  (
    cd "$src/tests/integration" || exit 1
    if [ "$v" = runc ]; then export RUNC=$runc_bin; else export RUNC=$d/bin/runc STOCKADE_CONFIG=$d/stockade.json; fi
    # the name goes through the environment: it may hold quotes
    export SK_RETRY_RE="^$re\$"
    exec timeout -k 10 300 script -qfec 'bats --tap --filter "$SK_RETRY_RE" .' /dev/null
  ) >>"$d/retry.tap" 2>&1 </dev/null
  tail -n 50 "$d/retry.tap" | tr -d '\r' | grep -qxF -- "ok 1 $t"
}

# TAP to "STATUS<TAB>NAME" lines: ok, skip, fail (the terminal ends
# lines with CR LF).
tap_results() {
  tr -d '\r' <"$1" | sed -n -E 's/^ok [0-9]+ (.*) # skip.*$/skip\t\1/p; t; s/^ok [0-9]+ (.*)$/ok\t\1/p; s/^not ok [0-9]+ (.*)$/fail\t\1/p'
}

count() { # FILE STATUS
  awk -F'\t' -v s="$2" '$1 == s' "$1" | wc -l
}

prepare_source
prepare_tools
prepare_helpers
prepare_images
out=$build/compat
if [ "${SK_COMPAT_REUSE:-0}" != 1 ]; then
  rm -rf "$out"
  mkdir -p "$out"
  for v in $variants; do
    echo "compat: running runc's suite: $v" >&2
    run_variant "$v"
    tap_results "$out/$v/suite.tap" >"$out/$v/results"
  done
fi

# The comparison.
printf '%-10s %6s %6s %6s %8s\n' variant pass skip fail seconds
for v in $variants; do
  printf '%-10s %6d %6d %6d %8s\n' "$v" "$(count "$out/$v/results" ok)" "$(count "$out/$v/results" skip)" \
    "$(count "$out/$v/results" fail)" "$(cat "$out/$v/seconds")"
done
passed=0
failed=0
if [[ " $variants " == *" runc "* ]]; then
  awk -F'\t' '$1 == "ok" {print $2}' "$out/runc/results" | sort >"$out/runc.ok"
  for v in $variants; do
    [ "$v" = runc ] && continue
    awk -F'\t' '$1 == "ok" {print $2}' "$out/$v/results" | sort >"$out/$v.ok"
    # listed differences of this variant: "variant<TAB>test<TAB>rule: why"
    awk -F'\t' -v v="$v" '!/^#/ && $1 == v {print $2}' "$diffs" 2>/dev/null | sort >"$out/$v.listed"
    while IFS= read -r t; do
      if grep -qxF -- "$t" "$out/$v.ok"; then
        if grep -qxF -- "$t" "$out/$v.listed"; then
          echo "not ok - $v: \"$t\" passes now; remove it from tests/compat/differences.txt"
          failed=$((failed + 1))
        else
          passed=$((passed + 1))
        fi
      elif grep -qxF -- "$t" "$out/$v.listed"; then
        echo "ok - $v: \"$t\" differs by design: $(awk -F'\t' -v v="$v" -v t="$t" '$1 == v && $2 == t {print $3}' "$diffs")"
        passed=$((passed + 1))
      elif retry_passes "$v" "$t"; then
        echo "ok - $v: \"$t\" failed in the whole run, passed alone (log: $out/$v/retry.tap)"
        passed=$((passed + 1))
      else
        echo "not ok - $v: \"$t\" passes under runc, not under stockade (log: $out/$v/suite.tap)"
        failed=$((failed + 1))
      fi
    done <"$out/runc.ok"
  done
fi
echo "compat: $passed passed, $failed failed"
[ $failed = 0 ]
