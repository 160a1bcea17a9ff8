#!/bin/bash
# shellcheck disable=SC2016 # jq filters and in-container scripts are single-quoted on purpose
# Programs on writable mounts reached without a plain path: an O_PATH
# descriptor executed with execveat(AT_EMPTY_PATH), and execveat relative
# to a directory descriptor of each writable mount. The kernel's noexec
# refuses both, but silently; every denial must be an event: executing a
# descriptor is fileless (denied unless exec.fdExec, whatever it holds),
# a program found under a directory descriptor of a writable mount drift.
# shellcheck source=tests/attacks/alib.sh
. "$(dirname "$0")/alib.sh"

opath_in() {
  a_run "$1" "opath-$1" 'attack opath /tmp/atk-opath; attack opath /dev/shm/atk-opath | sed s/^opath/shm-opath/'
  sk_assert_kv "$SV_OUT" opath-copy OK "profile $1: copying a program into /tmp"
  a_assert_failed opath "profile $1: execveat(O_PATH fd of /tmp/atk-opath, \"\", AT_EMPTY_PATH)"
  a_assert_deny fileless "profile $1: O_PATH fd of a program in /tmp" '.process.path == "/tmp/atk-opath"'
  if [ "$(sk_kv "$SV_OUT" shm-opath-copy)" = OK ]; then
    a_assert_failed shm-opath "profile $1: execveat(O_PATH fd of /dev/shm/atk-opath, \"\", AT_EMPTY_PATH)"
    a_assert_deny fileless "profile $1: O_PATH fd of a program in /dev/shm" '.process.path == "/dev/shm/atk-opath"'
  fi
}

t_opath() {
  a_init
  a_each_profile opath_in
}

# Every writable mount of the container (rw in its mountinfo, a file system
# that holds regular files), as the container sees it; the attack program
# copies itself into each it can write and execs it through a directory fd.
DIRFD_SCRIPT='dirs=$(awk '\''$6 ~ /^rw/ && $5 != "/" && $9 !~ /^(proc|sysfs|cgroup2?|mqueue|devpts)$/ { print $5 }'\'' /proc/self/mountinfo)
echo "writable=$(echo $dirs)"
attack dirfd $dirs'

dirfd_in() {
  local d key n=0
  a_run "$1" "dirfd-$1" "$DIRFD_SCRIPT"
  for d in $(sk_kv "$SV_OUT" writable); do
    key=${d#/}
    key=${key//\//-}
    [ "$(sk_kv "$SV_OUT" "dirfd-copy-$key")" = OK ] || continue
    n=$((n + 1))
    a_assert_failed "dirfd-$key" "profile $1: execveat(dirfd of $d, \"atk-dirfd\")"
    a_assert_failed "dirfd-dot-$key" "profile $1: execveat(dirfd of $d, \"./atk-dirfd\")"
    a_assert_deny drift "profile $1: execveat into $d" '.process.path == $p' --arg p "$d/atk-dirfd"
  done
  sk_assert_kv "$SV_OUT" dirfd-copy-tmp OK "profile $1: copying a program into /tmp"
  sk_log "profile $1: $n writable mounts tried: $(sk_kv "$SV_OUT" writable)"
}

t_dirfd() {
  a_init
  a_each_profile dirfd_in
}

sk_for_runtimes "attack: execveat of an O_PATH fd of a program on a writable mount is denied, event fileless" t_opath
sk_for_runtimes "attack: execveat with a dirfd into each writable mount is denied, event drift" t_dirfd
