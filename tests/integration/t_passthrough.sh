#!/bin/bash
# shellcheck disable=SC2016 # jq filters and in-container scripts are single-quoted on purpose
# Pass-through: off mode (by program name and by config) changes nothing,
# --version shows both programs, and a subcommand stockade does not harden
# returns the real runtime's exit status and output.
. "$(dirname "$0")/lib.sh"

OFF_SCRIPT='probe status; echo "root-$(probe write /rootfile)"; echo CONTAINER-RAN'
off_spec='.root.readonly=false | .process.user={uid: 0, gid: 0} | .process.args=$a'

assert_untouched_run() { # STEP
  local o=$CASE/$1.out
  sk_assert_rc 0 "$1"
  sk_assert_grep "$o" '^CONTAINER-RAN$' "the container ran"
  sk_assert_kv "$o" uid 0 "runs as root, as the spec says"
  sk_assert_kv "$o" Seccomp 0 "no seccomp filter added"
  sk_assert_kv "$o" CapEff 0000000020000420 "the spec's capabilities, unchanged"
  sk_assert_kv "$o" write OK "the writable root stays writable" root-
  sk_assert_same "$CASE/b/config.json" "$CASE/orig.json" "config.json in off mode"
  sk_assert_no_grep "$CASE/$1.err" 'SK-' "no findings reported in off mode"
  sk_assert_state_empty "off mode"
}

t_off_symlink() {
  sk_config
  sk_bundle b "$off_spec" --argjson a "$(sk_args_sh "$OFF_SCRIPT")" >/dev/null || sk_fail "bundle"
  cp "$CASE/b/config.json" "$CASE/orig.json"
  sk_new_id off
  SK_AS=stockade-off sk_run run sk_sk run --bundle "$CASE/b" "$SK_ID"
  assert_untouched_run run
}

t_off_config() {
  sk_config '.defaultMode="off"'
  sk_bundle b "$off_spec" --argjson a "$(sk_args_sh "$OFF_SCRIPT")" >/dev/null || sk_fail "bundle"
  cp "$CASE/b/config.json" "$CASE/orig.json"
  sk_new_id offcfg
  sk_run run sk_sk run --bundle "$CASE/b" "$SK_ID"
  assert_untouched_run run
}

t_version() {
  local line
  sk_config
  sk_run version env STOCKADE_CONFIG="$CASE/stockade.json" "$SK_BIN" --version
  sk_assert_rc 0 "stockade --version"
  sk_assert_grep "$CASE/version.out" '^stockade version [0-9]' "stockade's own version line"
  "$(sk_rt_path "$RT")" --version >"$CASE/rt-version.out" 2>&1
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    grep -qxF -- "$line" "$CASE/version.out" || sk_fail "the runtime's version line \"$line\" is missing"
  done <"$CASE/rt-version.out"
}

# Subcommands stockade does not harden: same status, same stdout.
t_passthrough_status() {
  local sub
  sk_config
  for sub in state kill delete ps; do
    case $sub in
      kill) set -- kill sk-no-such-container KILL ;;
      *) set -- "$sub" sk-no-such-container ;;
    esac
    sk_run "plain-$sub" sk_rt "$@"
    local want=$SK_RC
    sk_run "sk-$sub" sk_sk "$@"
    sk_assert_eq "$SK_RC" "$want" "exit status of '$*' through stockade vs plain $RT"
    sk_assert_ne "$SK_RC" 0 "'$*' on a missing container fails"
  done
  sk_run plain-list sk_rt list
  sk_run sk-list sk_sk list
  sk_assert_rc 0 "stockade list"
  sk_assert_same "$CASE/sk-list.out" "$CASE/plain-list.out" "stdout of list through stockade"
  sk_assert_state_empty "pass-through subcommands"
}

# features: the runtime's answer plus stockade's; a runtime without the
# command (crun 1.8) gives a clear error, not an invented answer.
t_features() {
  sk_config
  sk_run plain sk_rt features
  if [ "$SK_RC" = 0 ]; then
    sk_run sk sk_sk features
    sk_assert_rc 0 "stockade features"
    sk_assert_eq "$(jq -S 'del(.annotations)' "$CASE/sk.out")" "$(jq -S 'del(.annotations)' "$CASE/plain.out")" \
      "the runtime's answer is kept"
    sk_assert_eq "$(jq -r '.annotations["io.github.stockade.modes"]' "$CASE/sk.out")" "enforce,complain,off" \
      "stockade's part is added"
    sk_assert_eq "$(jq -r '.annotations | length' "$CASE/plain.out")" \
      "$(($(jq -r '.annotations | length' "$CASE/sk.out") - 5))" "the runtime's annotations are all there"
  else
    sk_run sk sk_sk features
    sk_assert_rc_nonzero "stockade features when $RT has none"
    sk_assert_grep "$CASE/sk.err" '^stockade: runtime .*"features" failed' "the error says the runtime has no answer"
    sk_assert_eq "$(wc -c <"$CASE/sk.out")" 0 "nothing invented on stdout"
  fi
}

sk_for_runtimes "off mode: stockade-off symlink passes the spec through untouched" t_off_symlink
sk_for_runtimes "off mode: config defaultMode off passes the spec through untouched" t_off_config
sk_for_runtimes "pass-through: --version shows stockade's and the runtime's versions" t_version
sk_for_runtimes "pass-through: unhardened subcommands return the runtime's status and output" t_passthrough_status
sk_for_runtimes "pass-through: features is the runtime's answer plus stockade's" t_features
