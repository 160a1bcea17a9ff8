#!/bin/bash
# shellcheck disable=SC2016 # jq filters are single-quoted on purpose
# Fileless execution through descriptor links (DESIGN.md, "Exec decisions:
# fail closed"): a memfd holding a program, executed by every spelling of a
# path that reaches it through /proc or /dev/fd, by threads with their own
# or a shared descriptor table, through another process's table, and while
# a second thread swaps the descriptor between an image file and the memfd.
# None may run; each refusal is a deny event of type fileless.
# shellcheck source=tests/attacks/alib.sh
. "$(dirname "$0")/alib.sh"

# Spellings attack fdlinks tries (its argv[0] is fdlink-<spelling>, so each
# event names the attempt it records).
A_LINKS="proc-self dev-fd task thread-self slashes dot dotdot relative symlink dirfd other-pid other-pid-shadow clone-files thread"

# Tries and seconds of the swap race, per container (each try is a fork, a
# thread and an exec).
A_SWAP_TRIES=${A_SWAP_TRIES:-3000}
A_SWAP_SECONDS=${A_SWAP_SECONDS:-5}

links_in() {
  local k
  a_run "$1" "links-$1" 'attack fdlinks'
  ! a_no_memfd "profile $1" || return 0
  for k in $A_LINKS; do
    a_assert_failed "fdlink-$k" "profile $1: exec of a memfd through the $k spelling"
  done
  for k in $A_LINKS; do
    a_assert_deny fileless "profile $1: $k spelling" '.process.argv[0] == $k' --arg k "fdlink-$k"
  done
}

t_links() {
  a_init
  a_each_profile links_in
}

# The race: the swap must never let the memfd's program run, whatever the
# supervisor saw when it looked. "fdexec" lets image files run through a
# descriptor (exec.fdExec), where the swap is the whole attack.
swap_in() {
  local n
  a_run "$1" "swap-$1" "attack swap $A_SWAP_TRIES $A_SWAP_SECONDS /bin/sktrue"
  ! a_no_memfd "profile $1" || return 0
  n=$(sk_kv "$SV_OUT" swap-n)
  sk_log "profile $1: $n tries: payload $(sk_kv "$SV_OUT" swap-payload), image $(sk_kv "$SV_OUT" swap-image), EPERM $(sk_kv "$SV_OUT" swap-eperm), EACCES $(sk_kv "$SV_OUT" swap-eacces), other $(sk_kv "$SV_OUT" swap-other)"
  [ "${n:-0}" -ge 50 ] || sk_fail "profile $1: only ${n:-no} swap tries ran (fewer than 50 prove nothing)"
  if [ "$(sk_kv "$SV_OUT" swap-payload)" != 0 ] || [ "$(sk_kv "$SV_OUT" swap-marker)" != 0 ]; then
    a_fail "profile $1: THE ATTACK WORKED: the memfd's program ran in $(sk_kv "$SV_OUT" swap-payload) of $n tries (marker $(sk_kv "$SV_OUT" swap-marker) bytes)"
  fi
  [ "$(sk_kv "$SV_OUT" swap-other)" = 0 ] || a_fail "profile $1: $(sk_kv "$SV_OUT" swap-other) tries failed otherwise than EPERM or EACCES"
  a_assert_deny fileless "profile $1: swap race" '.process.argv[0] == "attack"'
}

t_swap() {
  a_init
  sv_profile fdexec '.exec = {fdExec: true}'
  A_PROFILES="$A_PROFILES fdexec" a_each_profile swap_in
}

sk_for_runtimes "attack: memfd exec through every fd-link spelling, thread and fd table is denied, event fileless" t_links
sk_for_runtimes "attack: fd swap race (dup2 of a memfd onto the exec'd fd) never runs the memfd" t_swap
