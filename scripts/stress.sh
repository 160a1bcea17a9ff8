#!/bin/bash
# make stress: the load test of tests/integration/t_stress.sh at full size,
# under runc and crun (SK_RUNTIMES). Prints per runtime the wall time of
# each phase (start, storms, delete), execs per second, the deny events
# counted against the denials, and the leftovers (must be none). Then
# scripts/scale.sh: start time and supervisor memory at 1, 10 and 50
# containers, and whether they grow linearly.
#
# Knobs (environment):
#   STRESS_N         containers per runtime (default 50)
#   STRESS_STORMS    parallel exec storms per container (default 4; half denied)
#   STRESS_EXECS     execs per storm (default 50)
#   STRESS_DEADLINE  seconds each phase may take before it counts as a hang (default 600)
#   SCALE_COUNTS     the container counts of the scale part (default "1 10 50")
#   B, SK_RUNTIMES   as for the integration tests
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
export ST_N=${STRESS_N:-50}
export ST_STORMS=${STRESS_STORMS:-4}
export ST_EXECS=${STRESS_EXECS:-50}
export ST_DEADLINE=${STRESS_DEADLINE:-600}
# One command may wait behind hundreds of others on a small machine.
export SK_TIMEOUT=${SK_TIMEOUT:-$ST_DEADLINE}
"$here/tests/integration/run.sh" t_stress
exec "$here/scripts/scale.sh"
