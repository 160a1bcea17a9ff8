#!/bin/bash
# shellcheck disable=SC2016 # jq filters and in-container scripts are single-quoted on purpose
# Baseline without stockade: the test bundle, the probe and the runtime
# wrappers work, and the plain runtime does NOT give what stockade's hardening
# tests look for (root user, writable root, no seccomp, capabilities). This
# is what makes the hardening tests able to fail.
. "$(dirname "$0")/lib.sh"

t_plain_runtime() {
  local b
  b=$(sk_bundle b '.root.readonly=false | .process.noNewPrivileges=false | .process.args=$a' \
    --argjson a "$(sk_args_sh 'probe all; echo "root-$(probe write /rootfile)"; echo hi')") || sk_fail "bundle"
  sk_new_id base
  sk_run run sk_rt run --bundle "$b" "$SK_ID"
  sk_assert_rc 0 "plain $RT run"
  sk_assert_kv "$CASE/run.out" uid 0 "plain runtime keeps the spec's user"
  sk_assert_kv "$CASE/run.out" NoNewPrivs 0 "no NoNewPrivs without it in the spec"
  sk_assert_kv "$CASE/run.out" Seccomp 0 "no seccomp filter without one in the spec"
  sk_assert_kv "$CASE/run.out" CapEff 0000000020000420 "runc spec's default capabilities (AUDIT_WRITE, KILL, NET_BIND_SERVICE)"
  sk_assert_kv "$CASE/run.out" keyctl OK "keyctl works without seccomp"
  sk_assert_kv "$CASE/run.out" write OK "the writable root is writable" root-
  sk_assert_grep "$CASE/run.out" '^hi$' "the command's output"
  sk_assert_eq "$(sk_state_status "$SK_ID")" absent "run removed the container when it exited"
}

sk_for_runtimes "baseline: plain runtime runs the test bundle unhardened" t_plain_runtime
