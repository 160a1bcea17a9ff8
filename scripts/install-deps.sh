#!/bin/sh
# Install the Debian packages stockade's build, tests, demo and bench need,
# and only those that are missing. Debian's apt only; nothing else is
# downloaded. (yq brings tomlq and yq, jq for TOML and YAML: the files under
# packaging/ are checked with them by tests/integration/t_packaging.sh.
# clang-14 and libclang-rt-14-dev, libFuzzer and the sanitizers, build fuzz/.
# groff-base and man-db render the manual pages in packaging/man/ for the
# same test. containerd, podman, conmon and umoci run the engine tests;
# dpkg-dev, debhelper and fakeroot build the Debian package; apparmor brings
# apparmor_parser, which compiles generated profiles without loading them;
# valgrind checks the unit tests and a supervisor; python3-jsonschema
# checks docs/event.schema.json against the C validator, and logrotate
# the shipped snippet, in tests/integration/t_events.sh; libyaml-dev lets
# stockadectl check read Kubernetes manifests; lintian checks the Debian
# package in tests/integration/t_packaging.sh; strace counts stockade-init's
# execs in tests/integration/t_landlock.sh.)
set -eu

PKGS="gcc make libc6-dev pkg-config libseccomp-dev libcap-ng-dev libyajl-dev
libapparmor-dev libselinux1-dev libcmocka-dev libyaml-dev lintian runc crun busybox-static jq
util-linux clang-format debootstrap yq clang-14 libclang-rt-14-dev groff-base man-db
containerd podman conmon umoci dpkg-dev debhelper fakeroot apparmor valgrind
python3-jsonschema logrotate strace"

missing=""
for p in $PKGS; do
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  case "$st" in
    *"install ok installed"*) ;;
    *) missing="$missing $p" ;;
  esac
done

if [ -z "$missing" ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "stockade: missing Debian packages:$missing; install them as root: apt-get install$missing" >&2
  exit 1
fi
echo "stockade: installing missing Debian packages:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
