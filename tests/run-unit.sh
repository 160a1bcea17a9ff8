#!/bin/bash
# Run cmocka unit test programs and summarise.
#
#   tests/run-unit.sh build/tests/test_json build/tests/test_profile ...
#
# Each program runs on its own (with a time limit, UNIT_TIMEOUT seconds,
# default 120) and prints one line: "ok - NAME (N tests)" or "not ok - NAME"
# followed by its whole output as "# " lines. The last line is
#   N passed, N failed
# counting programs; UNIT_WRAP, when set, is a command each program runs
# under (make valgrind). Exit status 1 if any program failed (a non-zero exit,
# a crash, a time-out, or cmocka reporting a failed test), 0 otherwise.
set -uo pipefail

timeout_s=${UNIT_TIMEOUT:-120}
passed=0
failed=0
tests_run=0

if [ $# -eq 0 ]; then
  echo "# no unit test programs given (none in tests/unit/test_*.c?)"
  echo "0 passed, 0 failed"
  exit 0
fi

log=$(mktemp /tmp/stockade-unit.XXXXXX)
trap 'rm -f "$log"' EXIT

for prog in "$@"; do
  name=$(basename "$prog")
  if [ ! -x "$prog" ]; then
    echo "not ok - $name: $prog is not an executable (build it with make unit)"
    failed=$((failed + 1))
    continue
  fi
  # cmocka writes its report to stdout and assertion messages to stderr.
  # shellcheck disable=SC2086 # UNIT_WRAP is a command line (make valgrind)
  timeout -k 5 "$timeout_s" ${UNIT_WRAP:-} "$prog" </dev/null >"$log" 2>&1
  rc=$?
  n=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test.*/\1/p' "$log" | tail -n 1)
  nfail=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test.*/\1/p' "$log" | tail -n 1)
  if [ "$rc" = 0 ] && [ "${nfail:-0}" = 0 ]; then
    echo "ok - $name (${n:-?} tests)"
    passed=$((passed + 1))
    tests_run=$((tests_run + ${n:-0}))
  else
    case $rc in
      124 | 137) why="timed out after ${timeout_s}s" ;;
      0) why="cmocka reported ${nfail} failed tests" ;;
      *) [ "$rc" -gt 128 ] && why="killed by signal $((rc - 128))" || why="exit status $rc" ;;
    esac
    echo "not ok - $name: $why"
    sed 's/^/#   /' "$log"
    failed=$((failed + 1))
  fi
done

echo "# $tests_run unit tests in $passed programs passed"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
