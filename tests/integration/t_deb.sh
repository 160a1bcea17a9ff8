#!/bin/bash
# The Debian package (packaging/debian/, `make deb`): built from a copy of
# the tracked files without touching the tree, installed with dpkg into a
# fresh root (its own admin directory, where the host's records of the
# packages it depends on are registered so Depends is really checked), with
# every file, mode and conffile expected, programs that run and profiles
# that lint; then removed and purged with nothing left behind.
#
# SK_DEB=/path/to/stockade_*.deb tests that package instead of building one
# (`make deb B=$B` otherwise; built once and kept in $B/deb/).
. "$(dirname "$0")/lib.sh"

VERSION=$(sed -n 's/^VERSION := //p' "$SK_REPO/Makefile")

# deb_require: sets DEB to the package under test, building it if needed.
deb_require() {
  local before after
  for tool in dpkg dpkg-deb dpkg-query; do
    command -v "$tool" >/dev/null || sk_skip "$tool not installed (Debian package dpkg)"
  done
  if [ -n "${SK_DEB:-}" ]; then
    [ -f "$SK_DEB" ] || sk_fail "SK_DEB=$SK_DEB is not a file"
    DEB=$SK_DEB
    return 0
  fi
  for tool in dpkg-buildpackage dh fakeroot; do
    command -v "$tool" >/dev/null || sk_skip "$tool not installed (Debian packages dpkg-dev, debhelper, fakeroot; run make deps)"
  done
  before=$(git -C "$SK_REPO" status --porcelain 2>&1)
  sk_run deb make -C "$SK_REPO" --no-print-directory B="$SK_BUILD" deb
  sk_assert_rc 0 "make deb"
  after=$(git -C "$SK_REPO" status --porcelain 2>&1)
  sk_assert_eq "$after" "$before" "git status of the tree after make deb"
  DEB=$SK_BUILD/deb/stockade.deb
  [ -f "$DEB" ] || sk_fail "make deb made no $DEB"
}

# deb_root DIR [PKG...]: a fresh dpkg root in DIR whose status file holds
# the host's records of PKG... (those installed here).
deb_root() {
  local r=$1 p
  shift
  mkdir -p "$r/var/lib/dpkg/info" "$r/var/lib/dpkg/updates" "$r/var/lib/dpkg/triggers"
  : >"$r/var/lib/dpkg/status"
  for p in "$@"; do
    if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ]; then
      { dpkg-query -s "$p" && echo; } >>"$r/var/lib/dpkg/status"
    fi
  done
}

# The packages the .deb depends on (every alternative), one a line.
deb_depends() {
  dpkg-deb -f "$DEB" Depends | sed 's/[,|]/\n/g' | sed 's/([^)]*)//; s/:any//; s/ //g' | grep -v '^$'
}

# dpkg in root $1 (maintainer scripts run outside a chroot, with DPKG_ROOT
# set: the fresh root has no shell).
deb_dpkg() {
  local r=$1
  shift
  dpkg --root="$r" --force-script-chrootless "$@"
}

# deb_listing ROOT: "MODE OWNER PATH[ -> TARGET]" for everything in ROOT but
# dpkg's admin directory, sorted.
deb_listing() {
  find "$1" -mindepth 1 -path "$1/var/lib" -prune -o \
    \( -type l -printf '%M %u:%g %P -> %l\n' \) -o \( ! -type l -printf '%M %u:%g %P\n' \) | sort
}

# deb_expected: what deb_listing shows after the package is installed into
# a fresh root.
deb_expected() {
  local d f p
  {
    for d in etc etc/stockade etc/stockade/profiles etc/stockade/profiles/seccomp usr usr/bin usr/share \
      usr/share/bash-completion usr/share/bash-completion/completions usr/share/doc usr/share/doc/stockade \
      usr/share/doc/stockade/examples usr/share/man usr/share/man/man5 usr/share/man/man8 usr/libexec usr/libexec/stockade \
      var var/log var/log/stockade etc/logrotate.d lib lib/systemd lib/systemd/system; do
      echo "drwxr-xr-x root:root $d"
    done
    echo "-rwxr-xr-x root:root usr/bin/stockade"
    echo "-rwxr-xr-x root:root usr/bin/stockadectl"
    echo "-rwxr-xr-x root:root usr/bin/stockade-hook"
    echo "-rwxr-xr-x root:root usr/libexec/stockade/stockade-init"
    for p in stockade-complain stockade-learn stockade-off; do
      echo "lrwxrwxrwx root:root usr/bin/$p -> stockade"
    done
    for f in config.json $(cd "$SK_REPO" && ls profiles/*.json profiles/seccomp/*.json); do
      echo "-rw-r--r-- root:root etc/stockade/$f"
    done
    for f in "$SK_REPO"/packaging/man/*.[0-9]; do
      f=${f##*/}
      echo "-rw-r--r-- root:root usr/share/man/man${f##*.}/$f.gz"
    done
    echo "-rw-r--r-- root:root usr/share/bash-completion/completions/stockadectl"
    echo "-rw-r--r-- root:root etc/logrotate.d/stockade"
    echo "-rw-r--r-- root:root lib/systemd/system/stockade-metrics.service"
    echo "-rw-r--r-- root:root lib/systemd/system/stockade-metrics.timer"
    for f in README.md.gz changelog.gz copyright operations.md.gz security.md.gz events.md.gz event.schema.json.gz \
      examples/10-stockade.conf examples/runtimeclass.yaml examples/stockade.toml \
      examples/stockade-createRuntime.json examples/stockade-poststop.json; do
      echo "-rw-r--r-- root:root usr/share/doc/stockade/$f"
    done
  } | sort
}

t_deb_build() {
  local deps
  deb_require
  sk_assert_eq "$(dpkg-deb -f "$DEB" Package)" stockade "Package"
  sk_assert_eq "$(dpkg-deb -f "$DEB" Version)" "$VERSION" "Version (the Makefile's VERSION)"
  sk_assert_eq "$(dpkg-deb -f "$DEB" Architecture)" "$(dpkg --print-architecture)" "Architecture"
  deps=$(dpkg-deb -f "$DEB" Depends)
  sk_log "Depends: $deps"
  [[ $deps == "runc | crun, "* ]] || sk_fail "Depends does not start with \"runc | crun\": $deps"
  # shlibs: the libraries the binaries link, with their versions.
  for p in libc6 libseccomp2 libcap-ng0 libyajl2; do
    [[ $deps == *"$p ("* ]] || sk_fail "Depends does not name $p with a version: $deps"
  done
  # Only files git tracks go in: the built tree in the export is the one
  # dpkg-buildpackage made, not the developer's build directory.
  if [ -z "${SK_DEB:-}" ]; then
    [ -f "$SK_BUILD/deb/stockade-$VERSION/debian/rules" ] || sk_fail "no export with debian/rules in $SK_BUILD/deb/stockade-$VERSION"
    local untracked
    untracked=$(cd "$SK_BUILD/deb/stockade-$VERSION" &&
      comm -13 <(git -C "$SK_REPO" ls-files | sort) \
        <(find . -path ./debian -prune -o -path ./build -prune -o -type f -printf '%P\n' | sort))
    sk_assert_eq "$untracked" "" "files in the export that git does not track"
  fi
}

t_deb_install() {
  local r=$CASE/root out conf f
  deb_require
  # shellcheck disable=SC2046
  deb_root "$r" $(deb_depends)
  sk_run install deb_dpkg "$r" -i "$DEB"
  sk_assert_rc 0 "dpkg -i into a fresh root (Depends met by the host's runc/crun and libraries)"

  out=$(diff <(deb_expected) <(deb_listing "$r"))
  sk_assert_eq "$out" "" "installed files, modes and owners (diff expected installed)"

  # The files are the repository's.
  sk_assert_same "$r/etc/stockade/config.json" "$SK_REPO/packaging/config.json" "config.json"
  for f in "$SK_REPO"/profiles/*.json "$SK_REPO"/profiles/seccomp/*.json; do
    sk_assert_same "$r/etc/stockade/${f#"$SK_REPO"/}" "$f" "profile ${f#"$SK_REPO"/}"
  done
  for f in "$SK_REPO"/packaging/man/*.[0-9]; do
    cmp -s <(zcat "$r/usr/share/man/man${f##*.}/${f##*/}.gz") "$f" || sk_fail "installed ${f##*/}.gz differs from $f"
  done
  sk_assert_same "$r/usr/share/bash-completion/completions/stockadectl" "$SK_REPO/packaging/bash-completion/stockadectl" \
    "bash completion"

  # Every file under /etc is a conffile, with the md5 of what was shipped.
  conf=$(dpkg-query --admindir="$r/var/lib/dpkg" -W -f='${Conffiles}\n' stockade | awk 'NF { print $1, $2 }' | sort)
  sk_log "conffiles: $conf"
  sk_assert_eq "$(awk '{ print $1 }' <<<"$conf" | tr '\n' ' ')" \
    "$(cd "$r" && find etc -type f -printf '/%p\n' | sort | tr '\n' ' ')" "conffiles are every file under /etc"
  sk_assert_eq "$(awk '$1 == "/etc/stockade/config.json" { print $2 }' <<<"$conf")" \
    "$(md5sum <"$SK_REPO/packaging/config.json" | cut -d' ' -f1)" "md5 of the config.json conffile"

  # The installed programs run, with the installed config.
  sk_run version env STOCKADE_CONFIG="$r/etc/stockade/config.json" "$r/usr/bin/stockade" --version
  sk_assert_rc 0 "stockade --version from the installed tree"
  sk_assert_grep "$CASE/version.out" "^stockade version $VERSION\$" "stockade --version"
  sk_assert_grep "$CASE/version.out" '^runtime: /usr/sbin/runc$' "stockade --version names the configured runtime"
  sk_run ctlversion "$r/usr/bin/stockadectl" version
  sk_assert_rc 0 "stockadectl version"
  sk_assert_grep "$CASE/ctlversion.out" "^stockadectl version $VERSION\$" "stockadectl version"
  sk_run lint "$r/usr/bin/stockadectl" profile lint "$r"/etc/stockade/profiles/*.json
  sk_assert_rc 0 "stockadectl profile lint of the installed profiles"
  # The check can fail: a broken profile in the installed tree is found.
  echo '{"name": "broken", "capabilities": ["NOT_A_CAP"]}' >"$CASE/broken.json"
  sk_run lintbad "$r/usr/bin/stockadectl" profile lint "$r/etc/stockade/profiles/default.json" "$CASE/broken.json"
  sk_assert_rc 1 "stockadectl profile lint with a broken profile"
}

t_deb_depends() {
  local r=$CASE/root
  deb_require
  # The host's libraries are registered, runc and crun are not.
  # shellcheck disable=SC2046
  deb_root "$r" $(deb_depends | grep -vx 'runc\|crun')
  sk_run install deb_dpkg "$r" -i "$DEB"
  sk_assert_rc_nonzero "dpkg -i without runc or crun"
  sk_assert_grep "$CASE/install.err" 'depends on runc \| crun' "dpkg names the missing runtime"
  sk_assert_eq "$(dpkg-query --admindir="$r/var/lib/dpkg" -W -f='${db:Status-Status}' stockade)" unpacked \
    "stockade is left unpacked, not configured"
}

t_deb_purge() {
  local r=$CASE/root before out
  deb_require
  # shellcheck disable=SC2046
  deb_root "$r" $(deb_depends)
  before=$(deb_listing "$r")
  sk_run install deb_dpkg "$r" -i "$DEB"
  sk_assert_rc 0 "dpkg -i"

  # An edited config survives a reinstall and a remove: it is a conffile.
  jq '.defaultMode = "complain"' "$r/etc/stockade/config.json" >"$CASE/edited.json"
  cp "$CASE/edited.json" "$r/etc/stockade/config.json"
  echo '{"schema":"stockade.event/v1","type":"exec","container":{"id":"abcd"}}' >"$r/var/log/stockade/events.json"
  sk_run reinstall deb_dpkg "$r" --force-confold -i "$DEB"
  sk_assert_rc 0 "dpkg -i again"
  sk_assert_same "$r/etc/stockade/config.json" "$CASE/edited.json" "the edited config after a reinstall"
  sk_run remove deb_dpkg "$r" -r stockade
  sk_assert_rc 0 "dpkg -r"
  sk_assert_same "$r/etc/stockade/config.json" "$CASE/edited.json" "the edited config after dpkg -r"
  [ -e "$r/usr/bin/stockade" ] && sk_fail "dpkg -r left /usr/bin/stockade"
  [ -e "$r/var/log/stockade/events.json" ] || sk_fail "dpkg -r removed the events (only purge may)"

  # Purge: config, profiles, events, every directory, dpkg's records.
  sk_run purge deb_dpkg "$r" -P stockade
  sk_assert_rc 0 "dpkg -P"
  out=$(diff <(echo "$before") <(deb_listing "$r"))
  sk_assert_eq "$out" "" "files left after purge (diff before-install after-purge)"
  sk_assert_eq "$(find "$r/var/lib/dpkg/info" -name 'stockade.*' | tr '\n' ' ')" "" "dpkg's records of stockade after purge"
  out=$(dpkg-query --admindir="$r/var/lib/dpkg" -W -f='${db:Status-Status}' stockade 2>/dev/null)
  [ -z "$out" ] || [ "$out" = not-installed ] || sk_fail "stockade's status after purge: $out"
}

sk_case "deb: make deb builds the package from the tracked files, tree untouched" t_deb_build
sk_case "deb: installs into a fresh root with the expected files, modes, conffiles; programs run" t_deb_install
sk_case "deb: without runc or crun, dpkg refuses to configure it" t_deb_depends
sk_case "deb: edited config survives reinstall and remove; purge leaves nothing" t_deb_purge
