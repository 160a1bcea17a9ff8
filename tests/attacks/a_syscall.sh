#!/bin/bash
# shellcheck disable=SC2016 # jq filters are single-quoted on purpose
# Syscalls the profile's seccomp filter denies (profiles/seccomp/default.json
# is an allow-list with defaultErrnoRet 1): each fails with EPERM in the
# container, and each denial is an event of type "syscall" that names it
# ("Every denial is one event, whichever layer refused it").
# shellcheck source=tests/attacks/alib.sh
. "$(dirname "$0")/alib.sh"

A_SYSCALLS="unshare mount kexec_load add_key"

syscall_in() {
  local s
  a_run "$1" "sys-$1" 'attack syscalls'
  for s in $A_SYSCALLS; do
    sk_assert_kv "$SV_OUT" "syscall-$s" EPERM "profile $1: $s in the container (the filter's errno)"
    a_assert_event "profile $1: $s denied by the filter" \
      'select(.type == "syscall" and .decision == "deny" and .details.syscall == $s)' --arg s "$s"
  done
}

t_syscall() {
  a_init
  a_each_profile syscall_in
}

sk_for_runtimes "attack: syscalls the seccomp profile denies fail with EPERM, event syscall names each" t_syscall
