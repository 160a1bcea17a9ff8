#!/bin/bash
# shellcheck disable=SC2016 # jq filters and in-container scripts are single-quoted on purpose
# Every denial is an event (DESIGN.md, "Exec decisions: fail closed"):
# syscalls the profile's seccomp filter denies (type "syscall": the first
# of each, then counts in summaries), refused creates (type "refused"),
# and what the rate limiter dropped (type "dropped").
. "$(dirname "$0")/lib.sh"

dn_init() {
  trap 'sk_cleanup_containers; sk_cleanup_supervisors' EXIT
  sk_config '.eventRate=100000 | .eventBurst=100000'
  [ -z "${1:-}" ] || sk_config_edit "$1"
}

# dn_run_d BUNDLE TAG: `stockade run -d`, supervised. Sets DN_ID, DN_OUT
# (the container's stdout) and DN_IDENT (its supervisor).
dn_run_d() {
  sk_new_id "$2"
  DN_ID=$SK_ID
  DN_OUT=$CASE/run-$2.out
  sk_run "run-$2" sk_sk run -d --bundle "$1" "$DN_ID"
  sk_assert_rc 0 "stockade run -d"
  sk_assert_supervised "$DN_ID" "$1"
  DN_IDENT=$SK_SUP_IDENT
}

dn_wait_out() {
  sk_wait_grep "$DN_OUT" "$1" "${2:-15}" || {
    sed 's/^/  container| /' "$DN_OUT" >&2
    sk_fail "the container did not print a line matching /$1/"
  }
  sed 's/^/  container| /' "$DN_OUT" >&2
}

dn_delete() {
  sk_run "delete-$DN_ID" sk_sk delete -f "$DN_ID"
  sk_assert_rc 0 "stockade delete -f"
  sk_assert_unsupervised "$DN_ID" "$DN_IDENT" "after stockade delete"
}

# dn_field JQ-EXPR [JQ-ARGS...]: a field of SK_EVENT (the last event asserted).
dn_field() {
  local f=$1
  shift
  jq -r "$@" "$f" <<<"$SK_EVENT"
}

# ---------------------------------------------------------------------------
# 1. A syscall the default profile denies (unshare, mount, keyctl: probe
# tries each in a child) fails with the filter's errno, EPERM; its first
# call is one "syscall" event, the second only counts, and the stop
# summary says 2. The runtime's own calls before the entrypoint are not
# the workload's: no event names another syscall.

t_syscall_denied() {
  local b n names
  dn_init
  b=$(sk_bundle b '.process.args = $a' --argjson a "$(sk_args_sh 'probe syscalls; probe syscalls; echo done=1; exec sleep 300')") ||
    sk_fail "bundle"
  jq -e '[.linux.seccomp.syscalls[]? | select(.action == "SCMP_ACT_NOTIFY") | .names[]] | index("unshare")' \
    "$b/config.json" >/dev/null && sk_fail "the engine's spec already notifies unshare"
  dn_run_d "$b" sys
  jq -e '[.linux.seccomp.syscalls[] | select(.action == "SCMP_ACT_NOTIFY") | .names[]] | index("unshare")' \
    "$b/config.json" >/dev/null || sk_fail "the hardened filter does not send unshare to the supervisor"
  jq -e '[.linux.seccomp.syscalls[] | select(.action == "SCMP_ACT_NOTIFY") | .names[]] | index("futex") | not' \
    "$b/config.json" >/dev/null || sk_fail "the hardened filter notifies futex (runtime baseline)"
  dn_wait_out '^done=1$' 30
  for n in unshare mount keyctl; do
    sk_assert_eq "$(grep -c "^$n=EPERM\$" "$DN_OUT")" 2 "$n answered EPERM both times"
  done

  sk_assert_event "$DN_ID" 'select(.type == "syscall" and .details.syscall == "unshare")' "the first unshare"
  sk_assert_eq "$(dn_field '[.decision, .mechanism, .details.errno, .details.errnoName, .details.count, .mitre.technique, (.details.summary // "none")] | join(" ")')" \
    "deny seccomp 1 EPERM 1 T1611 none" "the unshare event's fields"
  [[ $(dn_field .details.arch) == SCMP_ARCH_* ]] || sk_fail "arch \"$(dn_field .details.arch)\" is no SCMP_ARCH_ name"
  [ "$(dn_field .process.pid)" -gt 1 ] || sk_fail "pid \"$(dn_field .process.pid)\""
  sk_assert_eq "$(dn_field .profile.name)" default "profile"
  sk_assert_eq "$(dn_field .rule)" SK-SYSCALL-DENIED "rule"
  sk_assert_event "$DN_ID" 'select(.type == "syscall" and .details.syscall == "mount")' "the first mount"
  sk_assert_event "$DN_ID" 'select(.type == "syscall" and .details.syscall == "keyctl")' "the first keyctl"
  sleep 0.5
  sk_assert_eq "$(sk_events "$DN_ID" 'select(.type == "syscall" and .details.syscall == "unshare")' | wc -l)" 1 \
    "syscall events for unshare before the stop (the second call only counts)"
  names=$(sk_events "$DN_ID" 'select(.type == "syscall") | .details.syscall' -r | sort -u | tr '\n' ' ')
  sk_assert_eq "$names" "keyctl mount unshare " "the syscalls reported (none of the runtime's)"

  # stockadectl events shows the syscall where a path would be
  sk_run ctl "$SK_BUILD/stockadectl" events --file "$CASE/events.json" --container "$DN_ID"
  sk_assert_grep "$CASE/ctl.out" ' syscall +deny +seccomp +unshare +T1611 ' "stockadectl events' line of the unshare event"

  dn_delete
  sk_assert_event "$DN_ID" 'select(.type == "syscall" and .details.syscall == "unshare" and .details.summary == "stop")' \
    "the stop summary of unshare"
  sk_assert_eq "$(dn_field '"\(.details.count) \(.details.new)"')" "2 1" "the stop summary's count and new"
  sk_assert_eq "$(sk_events "$DN_ID" 'select(.type == "syscall" and .details.syscall == "unshare")' | wc -l)" 2 \
    "syscall events for unshare in all"
}

# ---------------------------------------------------------------------------
# 2. Refused creates are "refused" events: a spec the profile refuses (the
# host's PID namespace), a mode the node does not let annotations pick, an
# unknown profile. Each leaves config.json as it was and no state.

dn_refused() { # TAG RULE WHAT JQ-FILTER
  local b id
  b=$(sk_bundle "$1" "$4") || sk_fail "bundle"
  cp "$b/config.json" "$CASE/$1.orig"
  sk_new_id "$1"
  id=$SK_ID
  sk_run "create-$1" sk_sk create --bundle "$b" "$id"
  sk_assert_rc_nonzero "$3: stockade create"
  sk_assert_event "$id" 'select(.type == "refused")' "$3"
  sk_assert_eq "$(dn_field '.details.rules | index($r) != null' --arg r "$2")" true "$3: rule $2 in $(dn_field '.details.rules | tojson')"
  sk_assert_eq "$(dn_field '.rule == .details.rules[0]')" true "$3: the envelope's rule is the first refusing rule"
  sk_assert_eq "$(dn_field '[.decision, .mechanism, .container.id] | join(" ")')" "deny spec $id" "$3: fields"
  [ -n "$(dn_field '.message // ""')" ] || sk_fail "$3: no message"
  cmp -s "$b/config.json" "$CASE/$1.orig" || sk_fail "$3: config.json changed"
  sk_assert_state_empty "$3"
  sk_assert_eq "$(sk_state_status "$id")" absent "$3: the container"
}

t_refused() {
  dn_init
  dn_refused hostpid SK-NS-HOST-PID "the host's PID namespace" '.linux.namespaces |= map(select(.type != "pid"))'
  sk_assert_eq "$(dn_field .profile.name)" default "profile of the refusal"
  dn_refused mode SK-ANNOTATION-MODE "a mode annotationModes does not list" '.annotations["stockade.io/mode"] = "off"'
  dn_refused noprof SK-PROFILE-UNKNOWN "an unknown profile" '.annotations["stockade.io/profile"] = "nosuchprofile"'
  sk_assert_eq "$(dn_field .profile.name)" nosuchprofile "the profile asked for"
}

sk_for_runtimes "denied: a syscall the profile denies: its errno, one event, counted at stop" t_syscall_denied
sk_for_runtimes "denied: refused creates are events (spec, mode annotation, unknown profile)" t_refused
