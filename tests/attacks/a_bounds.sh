#!/bin/bash
# shellcheck disable=SC2016 # jq filters and in-container scripts are single-quoted on purpose
# Nothing the supervisor does per exec is unbounded (DESIGN.md, "Exec
# decisions: fail closed"): a 1 TiB sparse program, hashed for an event or
# for a hash rule, must not stall the container's other execs nor keep the
# supervisor alive after its container is gone; and an exec storm must be
# accounted for exactly: every denial is an event or counted in a
# "dropped" summary.
# shellcheck source=tests/attacks/alib.sh
. "$(dirname "$0")/alib.sh"

# After the big file: 5 execs of an image program must take under this
# many microseconds in all, and be done within A_BIG_WAIT seconds.
A_BIG_EXEC_US=${A_BIG_EXEC_US:-3000000}
A_BIG_WAIT=${A_BIG_WAIT:-15}

# big_after WHAT: the container's other execs kept working promptly, and
# after `kill` the supervisor is gone within 5 s.
big_after() {
  local total
  if ! sk_wait_grep "$SV_OUT" '^execloop-n=5$' "$A_BIG_WAIT"; then
    a_fail "$1: 5 execs of /bin/sktrue did not finish within $A_BIG_WAIT s of the big file's exec: the supervisor stalls the container"
  else
    total=$(awk -F= '$1 == "execloop-mean-us" { printf "%d", $2 * 5 }' "$SV_OUT")
    sk_assert_kv "$SV_OUT" execloop-errors 0 "$1: execs of /bin/sktrue after the big file"
    [ "${total:-0}" -lt "$A_BIG_EXEC_US" ] || a_fail "$1: 5 execs of /bin/sktrue took $total us (limit $A_BIG_EXEC_US)"
  fi
  sk_run "kill-$SV_ID" sk_sk kill "$SV_ID" KILL
  sk_wait_status "$SV_ID" stopped 10 || sk_fail "$1: the killed container did not stop"
  sk_wait_gone "$SV_IDENT" 5 ||
    a_fail "$1: supervisor ${SV_IDENT%%:*} still runs 5 s after its container was killed ($(head -c 60 "/proc/${SV_IDENT%%:*}/wchan" 2>/dev/null))"
}

# A 1 TiB program made in /tmp (drift; hashed for the deny event's sha256).
big_tmp_in() {
  local b
  b=$(a_bundle "$1" "big-$1" 'attack bigfile /tmp/atk-big 1024; exectest execloop 5 /bin/sktrue') || sk_fail "bundle"
  sv_run_d "$b" "big-$1"
  sk_wait_grep "$SV_OUT" '^bigfile=' "$A_BIG_WAIT" || sk_fail "profile $1: the big file's exec did not return"
  sk_assert_kv "$SV_OUT" bigfile-create OK "profile $1: a 1 TiB sparse file in /tmp"
  a_assert_failed bigfile "profile $1: exec of a 1 TiB program in /tmp"
  big_after "profile $1"
  a_assert_deny drift "profile $1: a 1 TiB program in /tmp" '.process.path == "/tmp/atk-big"'
}

t_big_tmp() {
  a_init
  a_each_profile big_tmp_in
}

# A 1 TiB program in the image, under profiles that need its hash (a
# block-list, an allow-list entry pinning a sha256): denied, with an event
# saying why, and the rest as above.
big_image_in() {
  local b
  b=$(a_bundle "$1" "bigimg-$1" '(probe exec /bin/atk-big >/tmp/big.out 2>&1; echo end >>/tmp/big.out) &
sleep 0.5; exectest execloop 5 /bin/sktrue; wait; cat /tmp/big.out') || sk_fail "bundle"
  cp "$SK_HELPERS/sktrue" "$b/rootfs/bin/atk-big"
  truncate -s 1T "$b/rootfs/bin/atk-big" || sk_skip "the bundle's file system cannot hold a 1 TiB sparse file"
  sv_run_d "$b" "bigimg-$1"
  big_after "profile $1"
  if sk_wait_grep "$SV_OUT" '^exec=' 1; then
    a_assert_failed exec "profile $1: exec of a 1 TiB image program whose hash the profile needs"
  else
    a_fail "profile $1: the exec of the 1 TiB image program had not returned when the container was killed"
  fi
  a_assert_deny '*' "profile $1: a 1 TiB image program" '.process.path == "/bin/atk-big" and (.message | length > 0)'
}

t_big_image() {
  a_init
  sv_profile blockhash '.blockHashes = [$h]' --arg h "$(printf 'stockade attack suite' | sha256sum | cut -d' ' -f1)"
  sv_profile allowhash '.exec = {allow: ["/bin/*", {path: "/bin/atk-big", sha256: $h}]}' \
    --arg h "$(sha256sum <"$SK_HELPERS/sktrue" | cut -d' ' -f1)"
  A_PROFILES="blockhash allowhash" a_each_profile big_image_in
}

# The storm: 2000 denied execs with the config's default event rate (20/s,
# burst 200). Each denial is a deny event, or counted in a "dropped"
# summary (.dropped, .types), at the latest when the supervisor stops.
A_STORM_N=${A_STORM_N:-2000}

storm_in() {
  local denied events dropped bytype
  a_run "$1" "storm-$1" "attack storm $A_STORM_N /tmp/atk-storm"
  sk_assert_kv "$SV_OUT" storm-n "$A_STORM_N" "profile $1: execs tried"
  denied=$(sk_kv "$SV_OUT" storm-denied)
  sk_assert_kv "$SV_OUT" storm-other 0 "profile $1: execs that failed otherwise than EPERM or EACCES"
  sk_assert_eq "$denied" "$A_STORM_N" "profile $1: execs denied"
  sk_run "kill-$SV_ID" sk_sk kill "$SV_ID" KILL
  sk_wait_status "$SV_ID" stopped 10 || sk_fail "profile $1: the killed container did not stop"
  sk_wait_gone "$SV_IDENT" 10 || a_fail "profile $1: the supervisor still runs 10 s after its container stopped"
  events=$(sk_events "$SV_ID" 'select(.type == "drift" and .decision == "deny" and .process.path == "/tmp/atk-storm")' | wc -l)
  dropped=$(sk_events "$SV_ID" 'select(.type == "dropped") | .details.dropped' | awk '{ s += $1 } END { print s + 0 }')
  bytype=$(sk_events "$SV_ID" 'select(.type == "dropped") | .details.types.drift // 0' | awk '{ s += $1 } END { print s + 0 }')
  sk_log "profile $1: $denied denials: $events deny events, $dropped dropped in summaries ($bytype of type drift), $(sk_events "$SV_ID" 'select(.details.dropped)' | wc -l) events carry .details.dropped"
  [ "$((events + dropped))" = "$denied" ] ||
    a_fail "profile $1: $denied denials, but $events deny events + $dropped counted in \"dropped\" summaries = $((events + dropped))"
  [ "$bytype" = "$dropped" ] || a_fail "profile $1: the summaries count $dropped dropped, of which $bytype of type drift (all were drift)"
  [ "$events" -lt "$denied" ] || a_fail "profile $1: all $denied denials were written: the rate limit was not reached, so nothing was proved"
}

t_storm() {
  a_init 'del(.eventRate, .eventBurst)'
  a_each_profile storm_in
}

sk_for_runtimes "attack: 1 TiB sparse program in /tmp: denied, other execs stay prompt, supervisor ends with its container" t_big_tmp
sk_for_runtimes "attack: 1 TiB image program under hash rules: denied with its reason, no stall, supervisor ends" t_big_image
sk_for_runtimes "attack: exec storm: deny events plus dropped summaries count every denial" t_storm
