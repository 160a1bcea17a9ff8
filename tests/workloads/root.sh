# shellcheck shell=bash
# The workloads' root (sourced by tests/workloads/run.sh, after
# tests/integration/lib.sh): the Debian minbase root that lib.sh builds (or
# takes from its cache), with nginx-light, python3, perl, curl and
# redis-server installed into it by apt, inside a chroot. Kept as a tarball
# next to lib.sh's, keyed by the same debootstrap version and ISO week, so a
# second run on the same machine takes seconds.
#
# Knobs:
#   WL_PACKAGES        what apt installs (default below)
#   WL_APT_TIMEOUT     seconds apt may take (default 600)

WL_PACKAGES=${WL_PACKAGES:-nginx-light python3 perl curl redis-server redis-tools}
WL_APT_TIMEOUT=${WL_APT_TIMEOUT:-600}

# The cached tarball's path; nothing when there is no cache.
wl_root_cache_file() {
  local base
  base=$(sk_debian_cache_file)
  [ -n "$base" ] || return 0
  echo "${base/-minbase-/-workloads-}"
}

# wl_root_check DIR: every program the workloads run is in the root.
wl_root_check() {
  local p
  for p in usr/sbin/nginx usr/bin/python3 usr/bin/perl usr/bin/curl usr/bin/redis-server usr/bin/redis-cli \
    usr/bin/sed usr/bin/awk bin/tar bin/gzip; do
    [ -x "$1/$p" ] || { echo "the workloads' root has no /$p"; return 1; }
  done
}

# wl_root_build DIR LOG: make DIR the workloads' root. Returns 1 with one
# line on stdout saying why when it cannot.
wl_root_build() {
  local dir=$1 log=$2 cache t0 rc
  t0=$(date +%s)
  cache=$(wl_root_cache_file)
  rm -rf "$dir"
  mkdir -p "$dir"
  if [ -n "$cache" ] && [ -s "$cache" ]; then
    if tar -C "$dir" --numeric-owner -xzf "$cache" 2>>"$log" && wl_root_check "$dir" >>"$log"; then
      echo "from the cache $cache in $(($(date +%s) - t0)) s" >>"$log"
      return 0
    fi
    echo "the cached $cache is unusable; removed, building again" >>"$log"
    rm -f "$cache"
    rm -rf "$dir"
    mkdir -p "$dir"
  fi
  if ! sk_debian_build >>"$log" 2>&1; then
    echo "no Debian minbase root: $(cat "$SK_RUN_DIR/debian/why" 2>/dev/null)"
    return 1
  fi
  cp -a "$SK_RUN_DIR/debian/rootfs/." "$dir/" || { echo "cannot copy the minbase root"; return 1; }
  # No daemon starts while apt installs (policy-rc.d), and name resolution
  # is the host's for the install only.
  printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
  chmod 0755 "$dir/usr/sbin/policy-rc.d"
  cp /etc/resolv.conf "$dir/etc/resolv.conf"
  # The users the official images create before installing, with their
  # uids (nginx 101, redis 999), so that the shipped profiles can name them.
  chroot "$dir" /usr/sbin/groupadd -r -g 101 nginx >>"$log" 2>&1 &&
    chroot "$dir" /usr/sbin/useradd -r -u 101 -g nginx -d /nonexistent -s /usr/sbin/nologin nginx >>"$log" 2>&1 &&
    chroot "$dir" /usr/sbin/groupadd -r -g 999 redis >>"$log" 2>&1 &&
    chroot "$dir" /usr/sbin/useradd -r -u 999 -g redis -d /var/lib/redis -s /usr/sbin/nologin redis >>"$log" 2>&1 ||
    { echo "cannot add the users nginx (101) and redis (999) to the root"; return 1; }
  mount -t proc proc "$dir/proc" || { echo "cannot mount /proc in the root"; return 1; }
  # shellcheck disable=SC2086 # the package list splits on spaces
  timeout -k 10 "$WL_APT_TIMEOUT" chroot "$dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    DEBIAN_FRONTEND=noninteractive sh -c "apt-get update && apt-get install -y --no-install-recommends $WL_PACKAGES && apt-get clean" \
    >>"$log" 2>&1 </dev/null
  rc=$?
  umount "$dir/proc"
  rm -f "$dir/usr/sbin/policy-rc.d" "$dir/etc/resolv.conf"
  rm -rf "$dir"/var/lib/apt/lists/*
  if [ $rc != 0 ]; then
    echo "apt-get install $WL_PACKAGES in the root failed (exit $rc): $(grep -E '^(E|Err):' "$log" | tail -n 1)"
    return 1
  fi
  wl_root_check "$dir" || return 1
  echo "built with apt in $(($(date +%s) - t0)) s" >>"$log"
  if [ -n "$cache" ] && mkdir -p "$(dirname "$cache")" 2>/dev/null; then
    if tar -C "$dir" --numeric-owner -czf "$cache.tmp.$$" . 2>>"$log"; then
      find "$(dirname "$cache")" -maxdepth 1 -name "$SK_DEBIAN_SUITE-workloads-*.tar.gz" ! -path "$cache" -delete 2>/dev/null
      mv "$cache.tmp.$$" "$cache"
      echo "cached as $cache" >>"$log"
    else
      rm -f "$cache.tmp.$$"
    fi
  fi
  return 0
}
