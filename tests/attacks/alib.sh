# shellcheck shell=bash
# shellcheck disable=SC2016 # jq filters are single-quoted on purpose
# Shared by the attack cases (tests/attacks/a_*.sh): each case runs one
# technique class (docs/security.md, "Attack suite") in containers under
# the shipped default profile and under an allow-list profile, with the
# attack program (tests/attacks/attack.c, /bin/attack in every test
# rootfs), and asserts two things every time: the attack failed inside the
# container (the exec's errno, printed by the program), and the deny event
# that says so was written. Everything else comes from
# tests/integration/lib.sh (sk_*, sv_*).
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

# The profiles every case runs under: the shipped default (writable /tmp
# tmpfs, no allow-list) and "allowlist" (the default plus exec.allow
# ["/bin/*"]: every program of the test rootfs is in /bin).
A_PROFILES=${A_PROFILES:-default allowlist}

# a_init [JQ-FILTER]: sv_init (events not rate-limited unless the filter
# says otherwise) and the allow-list profile in the case's profile dir.
a_init() {
  sv_init "$@"
  sv_profile allowlist '.exec = {allow: ["/bin/*"]}'
}

# a_bundle PROFILE TAG SCRIPT [JQ-FILTER [JQ-ARGS...]]: a bundle named TAG
# whose process runs SCRIPT (sh -c) under PROFILE, prints "done=1" after it
# and stays up (the supervisor keeps its container to report on).
a_bundle() {
  local profile=$1 tag=$2 script=$3 filter=${4:-.}
  shift 4 2>/dev/null || shift $#
  sv_bundle "$tag" "$profile" "$(sk_args_sh "$script
echo done=1; exec sleep 300")" "$filter" "$@"
}

# a_start BUNDLE TAG [SECONDS]: run it (-d, supervised) and wait until its
# script has printed done=1. Sets SV_ID, SV_OUT, SV_IDENT.
a_start() {
  sv_run_d "$1" "$2"
  sv_wait_out '^done=1$' "${3:-30}"
}

# a_run PROFILE TAG SCRIPT [JQ-FILTER [JQ-ARGS...]]: a_bundle and a_start.
a_run() {
  local b
  b=$(a_bundle "$@") || sk_fail "cannot make bundle $2"
  a_start "$b" "$2"
}

# a_fail MESSAGE: an attack assertion failed. It is recorded and the case
# goes on, so that one run shows every spelling and profile that fails;
# a_each_profile (or a_end) then fails the case with all of them.
a_fail() {
  printf 'FAIL: %s\n' "$*" >&2
  printf '%s\n' "$*" >>"$CASE/attack-failures"
}

# a_end: fail the case if any a_fail was recorded.
a_end() {
  [ -s "$CASE/attack-failures" ] || return 0
  sk_fail "$(wc -l <"$CASE/attack-failures") attack assertions failed:
$(sed 's/^/  - /' "$CASE/attack-failures")"
}

# a_assert_failed KEY WHAT: the container's KEY= line says the exec was
# refused (EPERM by the supervisor or the filter, EACCES by the kernel:
# noexec, Landlock, vm.memfd_noexec). Any other errno means the attack was
# not carried out as it was meant to be, which proves nothing.
a_assert_failed() {
  local v
  v=$(sk_kv "$SV_OUT" "$1")
  case $v in
    EPERM | EACCES) ;;
    OK) a_fail "$2: THE ATTACK WORKED: the payload ran ($1=OK, exit $(sk_kv "$SV_OUT" "$1-status"))" ;;
    "") a_fail "$2: the attack program printed no $1= line" ;;
    *) a_fail "$2: $1=$v: not a refused exec (expected EPERM or EACCES); the attack did not run as meant" ;;
  esac
}

# a_assert_event WHAT JQ-SELECT [JQ-ARGS...]: an event of SV_ID passes the
# select (waited for up to 5 s); sets SK_EVENT, or records a failure.
a_assert_event() {
  local what=$1 filter=$2
  shift 2
  SK_EVENT=$(sk_wait_event "$SV_ID" "$filter" 5 "$@") || {
    SK_EVENT=
    a_fail "$what: no event matches $filter"
    return 1
  }
  sk_log "  event| $SK_EVENT"
}

# a_assert_deny TYPE WHAT [JQ-CONDITION [JQ-ARGS...]]: an exec deny event
# of SV_ID of that type ("*": any) and passing the condition, with the
# fields every exec decision event carries. Sets SK_EVENT.
a_assert_deny() {
  local type=$1 what=$2 cond=${3:-true} f
  shift 3 2>/dev/null || shift $#
  a_assert_event "$what (deny event of type $type)" \
    "select((\$type == \"*\" or .type == \$type) and .decision == \"deny\" and ($cond))" \
    --arg type "$type" "$@" || return 0
  for f in mechanism message process.pid process.argv; do
    [ "$(sv_field ".$f // \"\"")" != "" ] || a_fail "$what: the deny event has no .$f: $SK_EVENT"
  done
}

# a_no_memfd WHAT: true (and says so) when the attack program could make
# no memfd at all (its memfd-create= line is an errno): a kernel or filter
# that refuses every memfd leaves that attack nothing to run, which is a
# pass; the case has no exec to check then.
a_no_memfd() {
  case $(sk_kv "$SV_OUT" memfd-create) in
    exec | plain | noexec-seal) return 1 ;;
    "") sk_fail "$1: the attack program printed no memfd-create= line" ;;
  esac
  sk_log "$1: no memfd could be made ($(sk_kv "$SV_OUT" memfd-create)): nothing to execute, the attack is over"
}

# a_log_events: the container's events after its start (the first 40),
# into the case's log.
a_log_events() {
  sk_events "$SV_ID" 'select(.type != "spec-finding" and .type != "landlock" and .type != "lsm")' |
    head -n 40 | cut -c1-400 | sed 's/^/  event| /' >&2
}

# a_each_profile FN: FN PROFILE for each of A_PROFILES, the container
# deleted (and its supervisor gone) after each; then a_end.
a_each_profile() {
  local p
  for p in $A_PROFILES; do
    sk_log "--- profile $p"
    "$1" "$p"
    [ ! -s "$CASE/attack-failures" ] || a_log_events
    sv_delete
  done
  a_end
}
