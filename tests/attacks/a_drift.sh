#!/bin/bash
# shellcheck disable=SC2016 # jq filters are single-quoted on purpose
# Drift without false positives: a program put into the image immediately
# before `stockade create` is part of the image as it started, even when
# its timestamps fall in the same clock tick as the container's start.
# Each run is a fresh container (`stockade run` in the foreground) whose
# entrypoint is that program, written anew (new inode, new times) right
# before; none may be denied.
# shellcheck source=tests/attacks/alib.sh
. "$(dirname "$0")/alib.sh"

# Containers per runtime, shared out over the profiles.
A_FRESH_N=${A_FRESH_N:-100}

fresh_in() {
  local b i n rc denied=0 t0=$SECONDS
  b=$(sv_bundle "fresh-$1" "$1" '["/bin/atk-fresh"]') || sk_fail "bundle"
  cp "$b/config.json" "$b/config.orig.json"
  n=$((A_FRESH_N / $(wc -w <<<"$A_PROFILES")))
  for ((i = 1; i <= n; i++)); do
    cp "$b/config.orig.json" "$b/config.json"
    { cat "$SK_HELPERS/sktrue" && echo "fresh $i"; } >"$b/rootfs/bin/atk-fresh.new"
    chmod 0755 "$b/rootfs/bin/atk-fresh.new"
    mv "$b/rootfs/bin/atk-fresh.new" "$b/rootfs/bin/atk-fresh"
    # Not registered with sk_new_id: a foreground run removes its
    # container, and the case's cleanup still finds any left in the root.
    sk_sk run --bundle "$b" "sk-test-$BASHPID-fresh-$1-$i" </dev/null >"$CASE/fresh.out" 2>"$CASE/fresh.err"
    rc=$?
    if [ "$rc" != 0 ]; then
      denied=$((denied + 1))
      sk_log "profile $1: run $i: exit $rc: $(head -c 300 "$CASE/fresh.err")"
    fi
  done
  sk_log "profile $1: $n fresh containers in $((SECONDS - t0)) s, $denied did not run their fresh entrypoint"
  [ "$denied" = 0 ] || a_fail "profile $1: $denied of $n containers could not run a program put into the image right before create"
}

t_fresh() {
  local p events
  a_init
  for p in $A_PROFILES; do
    fresh_in "$p"
  done
  events=$(jq -c 'select(.decision == "deny" and (.type == "drift" or .type == "not-allowed" or .type == "error"))' "$CASE/events.json" 2>/dev/null | head -n 3)
  [ -z "$events" ] || a_fail "deny events for fresh image programs: $events"
  a_end
}

sk_for_runtimes "attack: drift false positive: a program put into the image right before create is never drift" t_fresh
