#!/bin/bash
# shellcheck disable=SC2016 # jq filters and in-container scripts are single-quoted on purpose
# memfds (DESIGN.md, "Exec decisions: fail closed"): memfd_create with
# MFD_EXEC is refused (the seccomp filter, vm.memfd_noexec), and no memfd
# runs, whichever way it is executed: execveat(AT_EMPTY_PATH), fexecve, or
# as the #! interpreter of an image script.
# shellcheck source=tests/attacks/alib.sh
. "$(dirname "$0")/alib.sh"

memfd_in() {
  local k
  a_run "$1" "memfd-$1" 'attack memfd'
  case $(sk_kv "$SV_OUT" memfd-create-exec) in
    EPERM | EACCES | EINVAL) ;;
    *) a_fail "profile $1: memfd_create(MFD_EXEC) gave $(sk_kv "$SV_OUT" memfd-create-exec), expected EPERM, EACCES or EINVAL" ;;
  esac
  for k in exec plain noexec-seal; do
    [ "$(sk_kv "$SV_OUT" "memfd-create-$k")" = OK ] || continue
    a_assert_failed "memfd-$k-execveat" "profile $1: execveat(memfd $k, \"\", AT_EMPTY_PATH)"
    a_assert_failed "memfd-$k-fexecve" "profile $1: fexecve(memfd $k)"
  done
  if [ "$(sk_kv "$SV_OUT" memfd-create-plain)" != OK ] && [ "$(sk_kv "$SV_OUT" memfd-create-noexec-seal)" != OK ]; then
    sk_log "profile $1: no memfd could be made at all: nothing to execute, the attack is over"
    return 0
  fi
  a_assert_deny fileless "profile $1: a memfd executed by descriptor" '.process.argv[0] == "attack"'
  sk_assert_eq "$(sv_field .process.where)" memfd "profile $1: the event's where"
}

t_memfd() {
  a_init
  a_each_profile memfd_in
}

# Image scripts (in the rootfs before create) whose #! line names the
# memfd on descriptor 3: the kernel opens the interpreter itself, after the
# supervisor saw only the script's path.
shebang_in() {
  local b s
  b=$(a_bundle "$1" "shebang-$1" 'for s in fd3 devfd3 threadfd3; do attack shebang /bin/atk-$s 3 | sed "s/^shebang/$s-shebang/"; done') ||
    sk_fail "bundle"
  printf '#!/proc/self/fd/3 payload\n' >"$b/rootfs/bin/atk-fd3"
  printf '#!/dev/fd/3 payload\n' >"$b/rootfs/bin/atk-devfd3"
  printf '#!/proc/thread-self/fd/3 payload\n' >"$b/rootfs/bin/atk-threadfd3"
  chmod 0755 "$b"/rootfs/bin/atk-*
  a_start "$b" "shebang-$1"
  ! a_no_memfd "profile $1" || return 0
  for s in fd3 devfd3 threadfd3; do
    a_assert_failed "$s-shebang" "profile $1: image script /bin/atk-$s whose interpreter is $(head -c 40 "$b/rootfs/bin/atk-$s" | head -n 1)"
    a_assert_deny fileless "profile $1: script /bin/atk-$s" '.process.argv[0] == $s or .process.path == $s' --arg s "/bin/atk-$s"
  done
}

t_shebang() {
  a_init
  a_each_profile shebang_in
}

sk_for_runtimes "attack: memfd_create(MFD_EXEC) refused; memfd execveat/fexecve denied, event fileless" t_memfd
sk_for_runtimes "attack: image script whose #! names an fd link to a memfd is denied, event fileless" t_shebang
