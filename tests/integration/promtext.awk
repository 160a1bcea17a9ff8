# promtext.awk: a strict parser of the Prometheus text exposition format
# (0.0.4), for the test of `stockadectl metrics` (t_events.sh). It checks:
# HELP and TYPE lines (one each per metric, before its samples, a known
# type, the HELP text's escapes), metric and label names (their grammar,
# no reserved "__" label, no label twice), label values (only \\ \" \n
# escapes), values (Go ParseFloat forms: decimal, exponent, NaN, +Inf,
# -Inf), the optional integer timestamp, that a metric's samples are
# together, and that no series is given twice. Stricter than Prometheus:
# every sample needs a TYPE and a HELP. It prints each sample as
# "name{label=value,...} value" and exits 1 after naming, on stderr, each
# line that breaks a rule. Any POSIX awk (mawk included).
function fail(msg) {
  printf "%s:%d: %s: %s\n", FILENAME, FNR, msg, $0 >"/dev/stderr"
  bad = 1
}
BEGIN {
  NAME = "^[a-zA-Z_:][a-zA-Z0-9_:]*"
  LNAME = "^[a-zA-Z_][a-zA-Z0-9_]*"
  FLOAT = "^[-+]?(([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][-+]?[0-9]+)?|Inf|NaN)$"
  TYPES = " counter gauge histogram summary untyped "
}
/^[ \t]*$/ { next }
/^#/ {
  if ($0 ~ /^# HELP /) {
    rest = substr($0, 8)
    if (!match(rest, NAME)) { fail("HELP: not a metric name"); next }
    name = substr(rest, 1, RLENGTH)
    text = substr(rest, RLENGTH + 1)
    if (text != "" && substr(text, 1, 1) != " ") { fail("HELP: the name is not followed by a space"); next }
    if (name in help) fail("a second HELP for " name)
    if (name in seen) fail("HELP after samples of " name)
    help[name] = 1
    # only \\ and \n are escapes in HELP text
    t = text
    gsub(/\\\\/, "", t)
    gsub(/\\n/, "", t)
    if (t ~ /\\/) fail("HELP: a backslash that is not \\\\ or \\n")
    next
  }
  if ($0 ~ /^# TYPE /) {
    n = split(substr($0, 8), f, " ")
    if (n != 2 || substr($0, 8) ~ /  / || $0 ~ / $/) { fail("TYPE: expected \"# TYPE name type\""); next }
    if (!match(f[1], NAME) || RLENGTH != length(f[1])) { fail("TYPE: not a metric name"); next }
    if (index(TYPES, " " f[2] " ") == 0) { fail("TYPE: unknown type " f[2]); next }
    if (f[1] in type_of) fail("a second TYPE for " f[1])
    if (f[1] in seen) fail("TYPE after samples of " f[1])
    type_of[f[1]] = f[2]
    next
  }
  next # a comment
}
{
  line = $0
  if (!match(line, NAME)) { fail("not a metric name"); next }
  name = substr(line, 1, RLENGTH)
  line = substr(line, RLENGTH + 1)
  labels = ""
  for (k in used) delete used[k]
  if (substr(line, 1, 1) == "{") {
    line = substr(line, 2)
    while (substr(line, 1, 1) != "}") {
      if (!match(line, LNAME)) { fail("not a label name"); next }
      ln = substr(line, 1, RLENGTH)
      line = substr(line, RLENGTH + 1)
      if (ln ~ /^__/) fail("reserved label name " ln)
      if (ln in used) fail("label " ln " twice")
      used[ln] = 1
      if (substr(line, 1, 2) != "=\"") { fail("label " ln ": expected =\""); next }
      line = substr(line, 3)
      if (!match(line, /^([^"\\]|\\[\\"n])*"/)) { fail("label " ln ": a value with a bad escape or no closing quote"); next }
      labels = labels ln "=" substr(line, 1, RLENGTH - 1) ","
      line = substr(line, RLENGTH + 1)
      if (substr(line, 1, 1) == ",")
        line = substr(line, 2)
      else if (substr(line, 1, 1) != "}") { fail("label " ln ": expected , or }"); next }
    }
    line = substr(line, 2)
  }
  if (substr(line, 1, 1) != " " || substr(line, 2, 1) == " ") { fail("expected one space before the value"); next }
  line = substr(line, 2)
  n = split(line, v, " ")
  if (n < 1 || n > 2 || line ~ /  / || line ~ / $/) { fail("expected: value [timestamp]"); next }
  if (v[1] !~ FLOAT) fail("value " v[1] " is not a float")
  if (n == 2 && v[2] !~ /^-?[0-9]+$/) fail("timestamp " v[2] " is not an integer")
  fam = name
  if (!(fam in type_of)) { fail("a sample of " fam " without its TYPE"); next }
  if (!(fam in help)) fail("a sample of " fam " without its HELP")
  if (type_of[fam] != "counter" && type_of[fam] != "gauge" && type_of[fam] != "untyped") fail("unexpected type " type_of[fam])
  if (type_of[fam] == "counter" && v[1] ~ /^-/) fail("a negative counter")
  if (fam != last) {
    if (fam in done) fail("the samples of " fam " are not together")
    if (last != "") done[last] = 1
    last = fam
  }
  key = name "{" labels "}"
  if (key in series) fail("series " key " twice")
  series[key] = 1
  seen[name] = 1
  print key " " v[1]
}
END { exit bad }
