#!/bin/sh
# scripts/deps.sh B: the file graph of the built objects, from their symbols
# (nm), and three rules of docs/architecture.md checked on it:
#   1. no cycle between files;
#   2. the library (shim/lib/) calls nothing in a program or the supervisor,
#      and the supervisor calls nothing in a program;
#   3. the stockade binary links no profile-making or profile-diff code
#      (stockadectl's).
# An edge A -> B is "A uses a symbol B defines". Prints each violation and
# exits 1; prints a one-line summary and exits 0 when there is none.
set -eu
B=${1:-build}
objs=$(find "$B/shim" "$B/ctl" "$B/hooks" -name '*.o' ! -path "$B/th/*" ! -path "$B/fuzz/*" | sort)
[ -n "$objs" ] || { echo "deps: no objects under $B (run make first)" >&2; exit 1; }
for o in $objs; do
  f=${o#"$B"/}; f=${f%.o}.c
  nm "$o" | awk -v f="$f" '$1 == "U" { print "U", f, $2; next } NF == 3 && $2 ~ /[TDBRCGS]/ { print "D", f, $3 }'
done | awk -v bin="$B/stockade" '
  $1 == "D" { def[$3] = $2; next }
  { use[++n] = $2; sym[n] = $3 }
  function layer(f) {
    if (f ~ /^shim\/lib\//) return 0
    if (f ~ /^shim\/supervisor\//) return 1
    return 2
  }
  END {
    bad = 0
    for (i = 1; i <= n; i++) {
      d = def[sym[i]]
      if (d == "" || d == use[i]) continue
      if (!((use[i], d) in edge)) { edge[use[i], d] = sym[i]; files[use[i]] = 1; files[d] = 1 }
      if (layer(d) > layer(use[i])) { printf "deps: %s calls %s in %s (a lower layer calls up)\n", use[i], sym[i], d; bad = 1 }
      else if (layer(d) == 2 && layer(use[i]) == 2 && substr(d, 1, index(d, "/")) != substr(use[i], 1, index(use[i], "/")) && !(d ~ /^shim\/runtime\// && use[i] ~ /^shim\/runtime\//)) {
        printf "deps: %s calls %s in %s (one program calls into another)\n", use[i], sym[i], d; bad = 1
      }
    }
    m = 0; for (f in files) fl[++m] = f
    for (a = 1; a <= m; a++) for (b = 1; b <= m; b++) reach[a, b] = ((fl[a], fl[b]) in edge)
    for (k = 1; k <= m; k++) for (a = 1; a <= m; a++) if (reach[a, k]) for (b = 1; b <= m; b++) if (reach[k, b]) reach[a, b] = 1
    for (a = 1; a <= m; a++) for (b = a + 1; b <= m; b++) if (reach[a, b] && reach[b, a]) {
      printf "deps: cycle between %s and %s\n", fl[a], fl[b]; bad = 1
    }
    e = 0; for (k in edge) e++
    if (!bad) printf "deps: %d files, %d edges, no cycle, no upward call\n", m, e
    exit bad
  }' || exit 1
# stockadectl-only code in the runtime binary.
bad=$(nm "$B/stockade" | awk '$3 ~ /^(learn_make_profile|learn_synth|profile_diff|seccomp_flatten)/ { print $3 }')
if [ -n "$bad" ]; then echo "deps: $B/stockade links stockadectl's code:" $bad; exit 1; fi
echo "deps: $B/stockade links no profile-making or profile-diff code"
