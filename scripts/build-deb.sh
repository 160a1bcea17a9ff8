#!/bin/bash
# scripts/build-deb.sh OUTDIR: build stockade's Debian binary package
# (dpkg-buildpackage -us -uc -b) into OUTDIR, from a copy of the tree.
#
# The copy is OUTDIR/stockade-VERSION/: the files git tracks (as they are in
# the working tree, edits included; untracked files and build directories
# are left out, so a dirty tree cannot leak into the package), or outside a
# git checkout every file but .git and build*/. packaging/debian/ is copied
# to debian/ there. dpkg-buildpackage writes the .deb, .buildinfo and
# .changes next to the copy, in OUTDIR, and OUTDIR/stockade.deb links to the
# .deb. Nothing is written to the tree.
set -euo pipefail

out=${1:?usage: scripts/build-deb.sh OUTDIR}
repo=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n 's/^VERSION := //p' "$repo/Makefile")
changelog=$(dpkg-parsechangelog -l "$repo/packaging/debian/changelog" -S Version)
if [ "$version" != "$changelog" ]; then
  echo "build-deb: the Makefile's VERSION is $version but packaging/debian/changelog's last entry is $changelog; add a changelog entry (dch -v $version)" >&2
  exit 1
fi

for tool in dpkg-buildpackage dh fakeroot; do
  command -v "$tool" >/dev/null || {
    echo "build-deb: $tool not installed (Debian packages dpkg-dev, debhelper, fakeroot; run make deps)" >&2
    exit 1
  }
done

mkdir -p "$out"
out=$(cd "$out" && pwd)
src=$out/stockade-$version
rm -rf "$src" "$out"/stockade_* "$out"/stockade-dbgsym_* "$out/stockade.deb"
mkdir -p "$src"

# The copy.
if git -C "$repo" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  # Tracked files deleted in the working tree are left out.
  (cd "$repo" && git ls-files -z --cached | while IFS= read -r -d '' f; do
    [ -e "$f" ] || [ -L "$f" ] && printf '%s\0' "$f"
  done) | tar -C "$repo" --null -T - -cf - | tar -C "$src" -xf -
else
  tar -C "$repo" --exclude=./.git --exclude='./build*' -cf - . | tar -C "$src" -xf -
fi
[ -d "$src/packaging/debian" ] || { echo "build-deb: no packaging/debian in the copy of $repo" >&2; exit 1; }
cp -a "$src/packaging/debian" "$src/debian"

# A clean environment for the package's own make: variables of an outer
# make (B=, SANITIZE=, the jobserver) must not reach debian/rules.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES B SANITIZE CFLAGS LDFLAGS CPPFLAGS EXTRA_CFLAGS EXTRA_LDFLAGS
export DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS:-parallel=$(nproc)}

echo "build-deb: building in $src (log $out/build.log)"
if ! (cd "$src" && dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1; then
  tail -n 40 "$out/build.log" >&2
  echo "build-deb: dpkg-buildpackage failed; full log $out/build.log" >&2
  exit 1
fi
deb=$(cd "$out" && ls stockade_"${version}"_*.deb)
ln -sfn "$deb" "$out/stockade.deb"
echo "build-deb: $out/$deb ($out/stockade.deb)"
