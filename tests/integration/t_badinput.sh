#!/bin/bash
# shellcheck disable=SC2016 # jq filters and in-container scripts are single-quoted on purpose
# Bad input: each case gives one clear message on stderr that starts with
# "stockade: " and names the file (with line and column for JSON), a
# non-zero exit status, config.json byte-identical, stockade's state dir
# empty and no container in the runtime.
. "$(dirname "$0")/lib.sh"

# assert_clean_error STEP WHAT: the common part of every bad-input case.
assert_clean_error() {
  local err=$CASE/$1.err n
  sk_assert_rc_nonzero "$2"
  n=$(grep -c . "$err")
  sk_assert_eq "$n" 1 "$2: lines on stderr (one clear message)"
  sk_assert_grep "$err" '^stockade: ' "$2: the message starts with 'stockade: '"
  sk_assert_no_placeholders "$err" "$2"
  sk_assert_same "$CASE/b/config.json" "$CASE/orig.json" "$2: config.json"
  sk_assert_state_empty "$2"
  sk_assert_eq "$(sk_state_status "$SK_ID")" absent "$2: runtime state of the container"
}

# A JSON position on line $2 of file $1, as "FILE:L:C" or "FILE: line L, column C".
json_pos_re() {
  local f
  f=$(printf '%s' "$1" | sed 's/[.[\*^$()+?{}|]/\\&/g')
  echo "$f(:$2:[0-9]+|: line $2, column [0-9]+)"
}

t_malformed_config() {
  local b
  sk_config
  b=$(sk_bundle b) || sk_fail "bundle"
  printf '{\n  "ociVersion": "1.0.2",\n  "process": @\n}\n' >"$b/config.json"
  cp "$b/config.json" "$CASE/orig.json"
  sk_new_id badjson
  sk_run run sk_sk run --bundle "$b" "$SK_ID"
  assert_clean_error run "malformed config.json"
  sk_assert_grep "$CASE/run.err" "$(json_pos_re "$b/config.json" 3)" \
    "the message names config.json with line 3 and a column"
}

t_malformed_profile() {
  local b pd
  sk_config
  pd=$(sk_profile_dir)
  printf '{\n  "name": "broken",\n  "user": {"uid": 1000,, "gid": 1000}\n}\n' >"$pd/broken.json"
  b=$(sk_bundle b '.annotations["stockade.io/profile"]="broken" | .process.args=["echo", "CONTAINER-RAN"]') ||
    sk_fail "bundle"
  cp "$b/config.json" "$CASE/orig.json"
  sk_new_id badprof
  sk_run create sk_sk create --bundle "$b" "$SK_ID"
  assert_clean_error create "malformed profile"
  sk_assert_grep "$CASE/create.err" "$(json_pos_re "$pd/broken.json" 3)" \
    "the message names the profile file with line 3 and a column"
  sk_assert_no_grep "$CASE/create.out" CONTAINER-RAN "nothing ran"
}

t_unknown_profile() {
  local b
  sk_config
  b=$(sk_bundle b '.annotations["stockade.io/profile"]="nosuchprofile" | .process.args=["echo", "CONTAINER-RAN"]') ||
    sk_fail "bundle"
  cp "$b/config.json" "$CASE/orig.json"
  sk_new_id noprof
  sk_run run sk_sk run --bundle "$b" "$SK_ID"
  assert_clean_error run "unknown profile"
  sk_assert_grep "$CASE/run.err" 'nosuchprofile' "the message names the unknown profile"
  sk_assert_no_grep "$CASE/run.out" CONTAINER-RAN "nothing ran"
}

t_missing_runtime() {
  local b
  sk_config '.runtime="/nonexistent/sk-runtime"'
  b=$(sk_bundle b '.process.args=["echo", "CONTAINER-RAN"]') || sk_fail "bundle"
  cp "$b/config.json" "$CASE/orig.json"
  sk_new_id nort
  sk_run create sk_sk create --bundle "$b" "$SK_ID"
  assert_clean_error create "missing runtime binary"
  sk_assert_grep "$CASE/create.err" '/nonexistent/sk-runtime' "the message names the missing runtime"
  sk_assert_no_grep "$CASE/create.out" CONTAINER-RAN "nothing ran"
}

sk_for_runtimes "bad input: malformed config.json (file:line:col)" t_malformed_config
sk_for_runtimes "bad input: malformed profile (file:line:col)" t_malformed_profile
sk_for_runtimes "bad input: unknown profile" t_unknown_profile
sk_for_runtimes "bad input: missing runtime binary" t_missing_runtime
