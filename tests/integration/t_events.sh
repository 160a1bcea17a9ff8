#!/bin/bash
# shellcheck disable=SC2016 # jq filters are single-quoted on purpose
# stockadectl events: reading the event file, filtering by container (exact
# id, unique prefix, ambiguous prefix), --json passthrough, the human line
# (with what a container controls escaped), malformed lines, the config's
# eventFile; --follow across appends, partial lines, truncation and
# rotation; and the spec-finding events of a real container in complain
# mode, read back by its id; the pod, namespace and image of CRI
# annotations in the events of a denied exec.
. "$(dirname "$0")/lib.sh"

CTL=$SK_BUILD/stockadectl

# Three containers; A and B share the prefix "aaaa".
ID_A=aaaa1111bbbbccccddddeeeeffff0000111122223333444455556666777788889999
ID_A=${ID_A:0:64}
ID_B=aaaa2222${ID_A:8}
ID_C=cccc3333${ID_A:8}

# ev JQ-ARGS...: one compact event line built by jq (with --arg values).
ev() {
  jq -nc "$@"
}

# v1 JSON: the envelope of schema v1 around the object read on stdin
# (type, decision, ...; container as a string), as stockade writes it:
# missing blocks empty, a made-up id and host.
V1='def v1: {schema: "stockade.event/v1", time: (.time // "2026-01-01T00:00:00.000Z"), host: "node1",
  id: ((.n // 0) | tostring | ("0" * (32 - length)) + .), severity: (.severity // "info"), type,
  decision: (.decision // "info"), mechanism: (.mechanism // "supervisor"),
  rule: (.rule // "SK-TEST"), message: (.message // "m"),
  container: ({id: .container} + (.ct // {})), process: (.process // {}), profile: (.profile // {}),
  mitre: (.mitre // {}), details: (.details // {})}; v1'

# v1ev JQ-ARGS...: one v1 event line built by jq from the short form.
v1ev() {
  jq -nc "$@" | jq -c "$V1"
}

# write_events FILE: events of A, B and C, and one line that is not JSON
# (line 4) and one that is JSON but no object (line 6).
write_events() {
  {
    v1ev --arg c "$ID_A" '{n: 1, time: "2026-01-01T00:00:00.000Z", type: "spec-finding", container: $c,
      profile: {name: "default", mode: "complain"}, rule: "SK-USER-ROOT", decision: "report", mechanism: "spec",
      severity: "notice", message: "the process runs as root", details: {kind: "refuse", fix: "set process.user"},
      mitre: {technique: "T1610", tactic: "TA0002"}, ct: {pod: "web-1", namespace: "shop"}}'
    v1ev --arg c "$ID_B" '{n: 2, time: "2026-01-01T00:00:01.000Z", type: "drift", container: $c, decision: "deny",
      severity: "warning", mechanism: "fanotify", process: {path: "/tmp/x\u001b[2Jy", argv: ["/tmp/x"]},
      mitre: {technique: "T1105", tactic: "TA0011"}, message: "written after the container started",
      details: {action: "kill", dropped: 3}, ct: {pod: "db-0", namespace: "data"}}'
    v1ev --arg c "$ID_C" '{n: 3, time: "2026-01-01T00:00:02.000Z", type: "supervisor", container: $c,
      details: {event: "start"}, message: "supervising"}'
    echo 'this line is NOT JSON'
    v1ev --arg c "$ID_A" '{n: 4, time: "2026-01-01T00:00:03.000Z", type: "not-allowed", container: $c,
      decision: "deny", severity: "warning", mechanism: "fanotify", process: {path: "/usr/bin/wget"},
      mitre: {technique: "T1059", tactic: "TA0002"}, message: "not in exec.allow", details: {action: "deny"},
      ct: {pod: "web-1", namespace: "shop"}}'
    echo '["an", "array"]'
    v1ev '{n: 5, time: "2026-01-01T00:00:04.000Z", type: "supervisor", container: "x", details: {event: "other"},
      message: "x"}'
  } >"$1"
}

t_read_and_filter() {
  local f=$CASE/ev.json
  [ -x "$CTL" ] || sk_fail "$CTL missing"
  write_events "$f"
  grep -v -e 'NOT JSON' -e '^\[' "$f" >"$CASE/valid.json"

  # Everything, as it is in the file; the malformed lines named by number.
  sk_run all "$CTL" events --file "$f" --json
  sk_assert_rc 1 "malformed lines give exit 1"
  cmp -s "$CASE/all.out" "$CASE/valid.json" || sk_fail "--json must print the valid lines byte for byte"
  sk_assert_grep "$CASE/all.err" "ev\.json:4:[0-9]+: .*; skipped" "the line that is not JSON is named by number"
  sk_assert_grep "$CASE/all.err" "ev\.json:6:1: got an array; expected an event" "the array line is named by number"
  sk_assert_grep "$CASE/all.err" "2 lines of .*ev\.json were not an event" "the count of malformed lines"

  # The exact id.
  sk_run exact "$CTL" events --file "$f" --json --container "$ID_A"
  sk_assert_eq "$(jq -r .container.id "$CASE/exact.out" | sort -u)" "$ID_A" "--container ID shows only that container"
  sk_assert_eq "$(wc -l <"$CASE/exact.out")" 2 "both events of A"

  # A unique prefix is that container; an ambiguous one is an error naming both.
  sk_run prefix "$CTL" events --file "$f" --json --container aaaa1
  cmp -s "$CASE/prefix.out" "$CASE/exact.out" || sk_fail "a unique prefix must show the same events as the full id"
  sk_run ambiguous "$CTL" events --file "$f" --json --container aaaa
  sk_assert_rc 2 "an ambiguous prefix"
  sk_assert_grep "$CASE/ambiguous.err" "container \"aaaa\" is ambiguous.*$ID_A.*$ID_B" "the ambiguity names both ids"
  [ ! -s "$CASE/ambiguous.out" ] || sk_fail "an ambiguous prefix must print no event"
  # Three characters are no prefix: only an exact id.
  sk_run short "$CTL" events --file "$f" --json --container aaa
  [ ! -s "$CASE/short.out" ] || sk_fail "a prefix shorter than 4 characters must match nothing"
  sk_assert_grep "$CASE/short.err" 'no events of container "aaa"' "an empty result is said"

  # The human line: time, short id, type, decision/action, mechanism,
  # path, technique, message; the escape sequence from the container's
  # path is escaped, never sent to the terminal.
  sk_run human "$CTL" events --file "$f" --container "$ID_B"
  sk_assert_eq "$(wc -l <"$CASE/human.out")" 1 "one line for B's one event"
  sk_assert_grep "$CASE/human.out" \
    '^2026-01-01T00:00:01\.000Z +aaaa2222bbbb +drift +deny/kill +fanotify +/tmp/x\\x1b\[2Jy +T1105 +written after the container started \[3 events dropped\]$' \
    "the human line of a drift event"
  if grep -q $'\x1b' "$CASE/human.out"; then
    sk_fail "a raw escape character reached the output"
  fi
  sk_run human_a "$CTL" events --file "$f" --container "$ID_A"
  sk_assert_grep "$CASE/human_a.out" ' spec-finding +report +spec +SK-USER-ROOT +T1610 +the process runs as root$' \
    "the human line of a spec finding: rule and message"
  sk_assert_grep "$CASE/human_a.out" ' not-allowed +deny +fanotify +/usr/bin/wget +T1059 +not in exec.allow$' \
    "decision and action the same: shown once"
  sk_run human_c "$CTL" events --file "$f" --container "$ID_C"
  sk_assert_grep "$CASE/human_c.out" ' supervisor +start +supervisor +SK-TEST +- +supervising$' "a supervisor event shows what happened"

  # No malformed line: exit 0.
  sk_run clean "$CTL" events --file "$CASE/valid.json"
  sk_assert_rc 0 "a file of events only"
  sk_assert_eq "$(wc -l <"$CASE/clean.out")" 5 "one line per event"

  # The config's eventFile, when there is no --file.
  jq -n --arg ev "$f" '{runtime: "/usr/sbin/runc", eventFile: $ev}' >"$CASE/cfg.json"
  sk_run cfg env STOCKADE_CONFIG="$CASE/cfg.json" "$CTL" events --json --container "$ID_C"
  sk_assert_eq "$(jq -r .details.event "$CASE/cfg.out")" start "the config's eventFile is read"
  jq -n '{runtime: "/usr/sbin/runc"}' >"$CASE/noev.json"
  sk_run noev env STOCKADE_CONFIG="$CASE/noev.json" "$CTL" events
  sk_assert_rc 2 "a config without eventFile"
  sk_assert_grep "$CASE/noev.err" 'noev\.json has no "eventFile".*--file PATH' "the message says what to set or pass"
  sk_run missing "$CTL" events --file "$CASE/nosuch.json"
  sk_assert_rc 2 "a missing event file"
  sk_assert_grep "$CASE/missing.err" "cannot open the event file .*nosuch\.json: No such file or directory" \
    "the message names the file"
  sk_run badarg "$CTL" events --file "$f" extra
  sk_assert_rc 2 "an extra argument"
  sk_assert_no_placeholders "$CASE/all.err" "events messages"
}

# wait_lines FILE N: until FILE has at least N lines (10 s at most).
wait_lines() {
  local n=100
  while [ $n -gt 0 ]; do
    [ "$(wc -l <"$1" 2>/dev/null || echo 0)" -ge "$2" ] && return 0
    sleep 0.1
    n=$((n - 1))
  done
  sk_fail "$(basename "$1") has $(wc -l <"$1") lines after 10 s, expected $2: $(cat "$1")"
}

FOLLOW_PID=
stop_follower() {
  if [ -n "$FOLLOW_PID" ]; then
    kill -TERM "$FOLLOW_PID" 2>/dev/null
    wait "$FOLLOW_PID" 2>/dev/null
    FOLLOW_PID=
  fi
}

t_follow() {
  local f=$CASE/follow.json out=$CASE/follow.out rc
  [ -x "$CTL" ] || sk_fail "$CTL missing"
  # The follower is ours: stopped by its pid whatever happens to the case.
  trap 'stop_follower; sk_cleanup_containers' EXIT

  # Started before the file exists: it waits for it.
  "$CTL" events --follow --json --container abcd1 --file "$f" >"$out" 2>"$CASE/follow.err" &
  FOLLOW_PID=$!
  sleep 0.3
  kill -0 "$FOLLOW_PID" 2>/dev/null || sk_fail "the follower exited at once: $(cat "$CASE/follow.err")"
  sk_assert_grep "$CASE/follow.err" 'does not exist yet; waiting' "a missing file is waited for"

  # Appended lines appear; another container's do not. The first container
  # the prefix fits is the one followed.
  {
    v1ev '{type: "supervisor", container: "abcd1-first", details: {event: "one"}}'
    v1ev '{type: "supervisor", container: "zzzz9", details: {event: "other"}}'
    v1ev '{type: "supervisor", container: "abcd1-first", details: {event: "two"}, process: {path: "/a/long/path/so/that/the/file/is/longer/than/what/follows"}}'
  } >>"$f"
  wait_lines "$out" 2
  sk_assert_eq "$(jq -r .details.event "$out" | paste -sd,)" "one,two" "appended events of the container"

  # A line written in two parts is printed once it is complete.
  v1ev '{type: "supervisor", container: "abcd1-first", details: {event: "three"}}' | tr -d '\n' | head -c 40 >"$CASE/part"
  v1ev '{type: "supervisor", container: "abcd1-first", details: {event: "three"}}' | tail -c +41 >"$CASE/rest"
  cat "$CASE/part" >>"$f"
  sleep 0.5
  sk_assert_eq "$(wc -l <"$out")" 2 "half a line is not printed"
  cat "$CASE/rest" >>"$f"
  wait_lines "$out" 3
  sk_assert_eq "$(jq -r .details.event "$out" | tail -n 1)" three "the completed line"

  # A malformed line is reported with its number, and following goes on.
  echo 'garbage' >>"$f"
  v1ev '{type: "supervisor", container: "abcd1-first", details: {event: "four"}}' >>"$f"
  wait_lines "$out" 4
  sk_assert_grep "$CASE/follow.err" 'follow\.json:5:[0-9]+: .*; skipped' "the malformed line is named"

  # Truncated in place (copytruncate): read again from the start.
  : >"$f"
  v1ev '{type: "supervisor", container: "abcd1-first", details: {event: "five"}}' >>"$f"
  wait_lines "$out" 5
  sk_assert_eq "$(jq -r .details.event "$out" | tail -n 1)" five "the first line after truncation"

  # Rotated (renamed, a new file created): what the old file still gets
  # is read, then the new file from its start.
  mv "$f" "$f.1"
  v1ev '{type: "supervisor", container: "abcd1-first", details: {event: "six"}}' >>"$f.1"
  sleep 0.5
  v1ev '{type: "supervisor", container: "abcd1-first", details: {event: "seven"}}' >"$f"
  v1ev '{type: "supervisor", container: "abcd1-second", details: {event: "other"}}' >>"$f"
  wait_lines "$out" 7
  sk_assert_eq "$(jq -r .details.event "$out" | paste -sd,)" "one,two,three,four,five,six,seven" \
    "every event of the followed container, in order, across truncation and rotation"

  kill -TERM "$FOLLOW_PID"
  wait "$FOLLOW_PID"
  rc=$?
  FOLLOW_PID=
  sk_assert_eq "$rc" 0 "exit status of the follower after SIGTERM"
}

# A real container under stockade-complain: its spec findings are events,
# read back by its id; another container's are not shown.
t_complain_events() {
  local b id_first
  [ -x "$CTL" ] || sk_fail "$CTL missing"
  sk_config
  sk_default_profile noroot 'del(.user) | .allowRoot=false'
  # One bundle per container, as engines do.
  for b in b1 b2; do
    sk_bundle "$b" '.process.user={uid: 0, gid: 0} | .process.args=["sh", "-c", "echo CONTAINER-RAN"]' >/dev/null ||
      sk_fail "bundle"
  done

  sk_new_id other
  id_first=$SK_ID
  SK_AS=stockade-complain sk_run run1 sk_sk run --bundle "$CASE/b1" "$SK_ID"
  sk_assert_rc 0 "stockade-complain run of the first container"
  sk_new_id mine
  SK_AS=stockade-complain sk_run run2 sk_sk run --bundle "$CASE/b2" "$SK_ID"
  sk_assert_rc 0 "stockade-complain run of the second container"
  sk_assert_grep "$CASE/run2.out" '^CONTAINER-RAN$' "the container ran"
  [ -n "$(jq -c --arg id "$id_first" 'select(.container.id == $id)' "$CASE/events.json")" ] ||
    sk_fail "the first container wrote no event"

  sk_run events env STOCKADE_CONFIG="$CASE/stockade.json" "$CTL" events --container "$SK_ID" --json
  sk_assert_rc 0 "stockadectl events on the event file stockade wrote"
  [ -s "$CASE/events.out" ] || sk_fail "no event of container $SK_ID"
  sk_assert_eq "$(jq -r .container.id "$CASE/events.out" | sort -u)" "$SK_ID" "only this container's events"
  [ -n "$(jq -c 'select(.type == "spec-finding" and .rule == "SK-USER-ROOT" and .profile.mode == "complain")' \
    "$CASE/events.out")" ] || sk_fail "no spec-finding SK-USER-ROOT in complain mode: $(head -c 600 "$CASE/events.out")"

  sk_run human env STOCKADE_CONFIG="$CASE/stockade.json" "$CTL" events --container "$SK_ID"
  sk_assert_rc 0 "the human form"
  sk_assert_grep "$CASE/human.out" " spec-finding +report +spec +SK-USER-ROOT " "the finding as a human line"
}

# The pod, namespace and image of a Kubernetes workload, from the
# annotations containerd's CRI plugin (io.kubernetes.cri.*) or CRI-O
# (io.kubernetes.cri-o.ImageName, io.kubernetes.pod.*) put in the spec,
# are in the events of a denied exec; a spec without them gives events
# without them.
t_cri_annotations() {
  local b tag pod ns img
  sk_config
  for tag in containerd crio none; do
    case $tag in
      containerd)
        b=$(sk_bundle "$tag" '.annotations += {"io.kubernetes.cri.sandbox-name": "web-7d9f", "io.kubernetes.cri.sandbox-namespace": "shop",
            "io.kubernetes.cri.image-name": "registry.example/web:1.2", "io.kubernetes.cri.container-type": "container"}') ;;
      crio)
        b=$(sk_bundle "$tag" '.annotations += {"io.kubernetes.pod.name": "db-0", "io.kubernetes.pod.namespace": "data",
            "io.kubernetes.cri-o.ImageName": "quay.example/db:16"}') ;;
      none) b=$(sk_bundle "$tag") ;;
    esac || sk_fail "bundle"
    sk_spec "$b" '.process.args = $a' --argjson a "$(sk_args_sh 'exectest drift /bin/sktrue /tmp/drift-true; echo done=1')"
    sk_new_id "$tag"
    sk_run "run-$tag" sk_sk run --bundle "$b" "$SK_ID"
    sk_assert_rc 0 "stockade run ($tag annotations)"
    sk_assert_kv "$CASE/run-$tag.out" "done" 1 "the container ran ($tag annotations)"
    case $(sk_kv "$CASE/run-$tag.out" drift) in
      EPERM | EACCES) ;;
      *) sk_fail "$tag annotations: drift=$(sk_kv "$CASE/run-$tag.out" drift), expected EPERM (or EACCES: /tmp is noexec)" ;;
    esac
    sk_assert_event "$SK_ID" 'select(.type == "drift" and .decision == "deny")' "the denied exec ($tag annotations)"
    pod=$(jq -r '.container.pod // "none"' <<<"$SK_EVENT")
    ns=$(jq -r '.container.namespace // "none"' <<<"$SK_EVENT")
    img=$(jq -r '.container.image // "none"' <<<"$SK_EVENT")
    case $tag in
      containerd) sk_assert_eq "$pod/$ns/$img" "web-7d9f/shop/registry.example/web:1.2" "pod/namespace/image of the event (containerd's CRI annotations)" ;;
      crio) sk_assert_eq "$pod/$ns/$img" "db-0/data/quay.example/db:16" "pod/namespace/image of the event (CRI-O's annotations)" ;;
      none) sk_assert_eq "$pod/$ns/$img" "none/none/none" "pod/namespace/image of the event (no annotations)" ;;
    esac
  done
}

# ---------------------------------------------------------------------------
# Schema v1: the JSON Schema file and `stockadectl events --validate` agree.

# The samples: a good event, then mutations of it; "good" or "bad" each.
SCHEMA_BASE='{"schema":"stockade.event/v1","time":"2026-01-02T03:04:05.678Z","host":"node1",
  "id":"0123456789abcdef0123456789abcdef","severity":"warning","type":"drift","decision":"deny",
  "mechanism":"fanotify","rule":"SK-EXEC-DRIFT","message":"written after start",
  "container":{"id":"c1","pod":"p","namespace":"n","image":"i:1"},
  "process":{"pid":7,"path":"/tmp/x","argv":["/tmp/x","-v"],"sha256":"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff","where":"tmpfs"},
  "profile":{"name":"default","sha256":"0000000000000000000000000000000000000000000000000000000000000000","mode":"enforce"},
  "mitre":{"technique":"T1105","tactic":"TA0011"},"details":{"action":"deny"}}'
SCHEMA_SAMPLES=(
  'good .'
  'good .process = {} | .profile = {} | .mitre = {} | .details = {} | .container = {id: "c"}'
  'good .type = "syscall" | .mechanism = "seccomp" | .details = {syscall: "mount", count: 1, errno: 1}'
  'good .type = "dropped" | .decision = "info" | .mechanism = "supervisor" | .details = {dropped: 3, types: {drift: 3}}'
  'good .type = "refused" | .mechanism = "spec" | .details = {rules: ["SK-USER-ROOT"]}'
  'good .type = "supervisor" | .decision = "info" | .mechanism = "supervisor" | .details = {event: "started"}'
  'good .type = "lsm" | .decision = "info" | .mechanism = "lsm" | .profile.mode = "complain"'
  'good .mitre = {technique: "T1204.003", tactic: "TA0002"} | .details.lost = 2'
  'good .profile.mode = "off" | .severity = "critical" | .decision = "report"'
  'bad del(.schema)'
  'bad .schema = "stockade.event/v2"'
  'bad .time = "2026-01-02 03:04:05Z"'
  'bad .time = "2026-01-02T03:04:05Z"'
  'bad .host = ""'
  'bad .id = "0123456789ABCDEF0123456789ABCDEF"'
  'bad .id = "0123"'
  'bad .severity = "loud"'
  'bad .type = "exotic"'
  'bad .decision = "allowed"'
  'bad .mechanism = "magic"'
  'bad .rule = "sk-lower"'
  'bad .rule = "SK-"'
  'bad .message = ""'
  'bad del(.message)'
  'bad .reason = "v0 field"'
  'bad .path = "/tmp/x"'
  'bad del(.details)'
  'bad .details = []'
  'bad .details.lost = 0'
  'bad .container = {}'
  'bad .container.id = ""'
  'bad .container.extra = 1'
  'bad .container = "c1"'
  'bad .process.pid = 0'
  'bad .process.pid = "7"'
  'bad .process.sha256 = "abc"'
  'bad .process.where = "moon"'
  'bad .process.argv = ["a", 1]'
  'bad .process.extra = true'
  'bad .profile.mode = "strict"'
  'bad .profile.sha256 = "XYZ"'
  'bad .mitre = {technique: "T1105"}'
  'bad .mitre = {tactic: "TA0011"}'
  'bad .mitre.technique = "1105"'
  'bad .mitre.tactic = "T0011"'
  'bad .mechanism = "spec"'
  'bad .type = "syscall" | .mechanism = "seccomp" | .details = {count: 1}'
  'bad .type = "syscall" | .mechanism = "seccomp" | .details = {syscall: "mount", count: 0}'
  'bad .type = "syscall" | .mechanism = "seccomp" | .decision = "report" | .details = {syscall: "mount", count: 1}'
  'bad .type = "dropped" | .mechanism = "supervisor" | .details = {types: {}}'
  'bad .type = "dropped" | .mechanism = "supervisor" | .details = {dropped: 1, types: {drift: -1}}'
  'bad .type = "refused" | .mechanism = "spec" | .details = {rules: []}'
  'bad .type = "refused" | .mechanism = "spec" | .decision = "report" | .details = {rules: ["SK-X"]}'
  'bad .type = "supervisor" | .mechanism = "supervisor" | .details = {}'
)

# schema_verdicts FILE: "N valid" / "N invalid" per line, per validator,
# into FILE.py and FILE.c.
schema_verdicts() {
  /usr/bin/python3 "$SK_REPO/tests/integration/schema_check.py" "$SK_REPO/docs/event.schema.json" "$1" >"$1.pyout" ||
    sk_fail "schema_check.py failed: $(tail -n 3 "$1.pyout")"
  awk '{ print $1, ($2 == "valid" ? "valid" : "invalid") }' "$1.pyout" >"$1.py"
  "$CTL" events --validate --file "$1" 2>"$1.cerr" >/dev/null
  awk -v n="$(wc -l <"$1")" 'BEGIN { for (i = 1; i <= n; i++) bad[i] = 0 }
    match($0, /:[0-9]+: /) { bad[substr($0, RSTART + 1, RLENGTH - 3) + 0] = 1 }
    END { for (i = 1; i <= n; i++) print i, (bad[i] ? "invalid" : "valid") }' "$1.cerr" >"$1.c"
}

t_schema_agrees_samples() {
  local f=$CASE/samples.json want=$CASE/want s i=0
  [ -x "$CTL" ] || sk_fail "$CTL missing"
  /usr/bin/python3 -c 'import jsonschema' 2>/dev/null ||
    sk_skip "python3-jsonschema is not installed (make deps installs it): no JSON Schema validator to compare with"
  : >"$f"
  : >"$want"
  for s in "${SCHEMA_SAMPLES[@]}"; do
    i=$((i + 1))
    jq -c "${s#* }" <<<"$SCHEMA_BASE" >>"$f" || sk_fail "sample $i: jq ${s#* }"
    echo "$i $([ "${s%% *}" = good ] && echo valid || echo invalid)" >>"$want"
  done
  schema_verdicts "$f"
  # Each validator says what the sample is meant to be; so they agree.
  if ! diff "$want" "$f.py" >"$CASE/py.diff"; then
    sed 's/^/  /' "$f.pyout" >&2
    sk_fail "docs/event.schema.json (python3-jsonschema) does not give the expected verdicts: $(grep '^[<>]' "$CASE/py.diff" | tr '\n' ' ')"
  fi
  if ! diff "$want" "$f.c" >"$CASE/c.diff"; then
    sed 's/^/  /' "$f.cerr" >&2
    sk_fail "stockadectl events --validate does not give the expected verdicts: $(grep '^[<>]' "$CASE/c.diff" | tr '\n' ' ')"
  fi
  sk_log "$i samples: $(grep -c ' valid$' "$want") valid, $(grep -c invalid "$want") invalid; both validators agree"
  # --validate's exit status and message.
  sk_run val "$CTL" events --validate --file "$f"
  sk_assert_rc 1 "--validate with invalid events"
  sk_assert_grep "$CASE/val.err" "samples\.json:10: schema: missing \(schema stockade\.event/v1\)" "an invalid event is named by line and field"
  sk_assert_grep "$CASE/val.err" "$(grep -c invalid "$want") of $i events of .* do not follow schema stockade.event/v1" "the count"
}

# Real events, from real containers: every one is valid for the JSON
# Schema file too (the case's teardown checks them with --validate).
t_schema_agrees() {
  local b s
  /usr/bin/python3 -c 'import jsonschema' 2>/dev/null ||
    sk_skip "python3-jsonschema is not installed (make deps installs it): no JSON Schema validator to compare with"
  sk_config '.defaultMode = "enforce"'
  b=$(sk_bundle real '.process.args = $a' --argjson a "$(sk_args_sh 'exectest drift /bin/sktrue /tmp/drift-true; echo done=1')") ||
    sk_fail bundle
  sk_new_id real
  sk_run run sk_sk run --bundle "$b" "$SK_ID"
  sk_assert_kv "$CASE/run.out" done 1 "the container ran"
  b=$(sk_bundle hostpid '.linux.namespaces |= map(select(.type != "pid")) | .process.args = ["true"]') || sk_fail bundle
  sk_new_id hostpid
  sk_run refused sk_sk run --bundle "$b" "$SK_ID"
  sk_assert_rc_nonzero "a container in the host's PID namespace is refused"
  sk_new_id rootc
  SK_AS=stockade-complain sk_run complain sk_sk run --bundle "$b" "$SK_ID"
  sk_assert_rc 0 "the same in complain mode runs"
  schema_verdicts "$CASE/events.json"
  sk_log "event types of the real containers: $(jq -r '.type + "/" + .decision' "$CASE/events.json" | sort | uniq -c | tr -s ' \n' ' ')"
  [ "$(grep -c . "$CASE/events.json")" -ge 5 ] || sk_fail "too few real events: $(cat "$CASE/events.json")"
  for s in drift/deny refused/deny spec-finding/deny spec-finding/report supervisor/info; do
    [ -n "$(jq -c --arg t "${s%/*}" --arg d "${s#*/}" 'select(.type == $t and .decision == $d)' "$CASE/events.json")" ] ||
      sk_fail "no real $s event to check"
  done
  if grep -q invalid "$CASE/events.json.py"; then
    sk_fail "real events the JSON Schema file refuses: $(grep invalid "$CASE/events.json.pyout" | head -n 3)"
  fi
  if grep -q invalid "$CASE/events.json.c"; then
    sk_fail "real events --validate refuses: $(head -n 3 "$CASE/events.json.cerr")"
  fi
  rm -f "$CASE"/events.json.*
}

# ---------------------------------------------------------------------------
# Filters and ECS.

# filter_events FILE: events of every type, decision and severity, two pods
# in two namespaces, times from 2026-01-01 to now.
filter_events() {
  local now old
  now=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
  old=$(date -u -d '-3 hours' +%Y-%m-%dT%H:%M:%S.000Z)
  {
    v1ev '{n: 1, time: "2026-01-01T00:00:00.000Z", type: "drift", container: "c1", decision: "deny", severity: "warning",
      mechanism: "fanotify", process: {pid: 9, path: "/tmp/x", argv: ["/tmp/x", "-q"], sha256: ("a" * 64), where: "tmpfs"},
      mitre: {technique: "T1105", tactic: "TA0011"}, ct: {pod: "web-1", namespace: "shop", image: "reg/web:1"}, rule: "SK-EXEC-DRIFT",
      profile: {name: "default", mode: "enforce"}, details: {action: "deny"}}'
    v1ev '{n: 2, time: "2026-01-01T00:00:01.000Z", type: "fileless", container: "c1", decision: "deny", severity: "critical",
      mechanism: "seccomp", process: {pid: 10, path: "/proc/self/fd/3"}, mitre: {technique: "T1620", tactic: "TA0005"},
      ct: {pod: "web-1", namespace: "shop"}}'
    v1ev '{n: 3, time: "2026-01-01T00:00:02.000Z", type: "spec-finding", container: "c2", decision: "report",
      severity: "notice", mechanism: "spec", rule: "SK-USER-ROOT", ct: {pod: "db-0", namespace: "data"}}'
    v1ev --arg t "$old" '{n: 4, time: $t, type: "lsm", container: "c2", decision: "info", mechanism: "lsm",
      ct: {pod: "db-0", namespace: "data"}}'
    v1ev --arg t "$now" '{n: 5, time: $t, type: "refused", container: "c3", decision: "deny", severity: "warning",
      mechanism: "spec", rule: "SK-NS-HOST-PID", details: {rules: ["SK-NS-HOST-PID"]}, ct: {pod: "web-2", namespace: "shop"},
      mitre: {technique: "T1610", tactic: "TA0002"}}'
    v1ev --arg t "$now" '{n: 6, time: $t, type: "supervisor", container: "c3", severity: "error",
      details: {event: "gone"}}'
  } >"$1"
}

# ids ARGS...: the events stockadectl events --json ARGS prints, as the
# numbers of their ids, comma-separated.
ids() {
  "$CTL" events --json --file "$CASE/f.json" "$@" | jq -r '.id | tonumber' | paste -sd,
}

t_filters_ecs() {
  local f=$CASE/f.json e
  [ -x "$CTL" ] || sk_fail "$CTL missing"
  filter_events "$f"
  sk_run valid "$CTL" events --validate --file "$f"
  sk_assert_rc 0 "the sample events are valid"
  sk_assert_eq "$(ids)" "1,2,3,4,5,6" "no filter"
  sk_assert_eq "$(ids --decision deny)" "1,2,5" "--decision deny"
  sk_assert_eq "$(ids --decision report,info)" "3,4,6" "--decision report,info"
  sk_assert_eq "$(ids --type drift,fileless)" "1,2" "--type drift,fileless"
  sk_assert_eq "$(ids -t refused)" "5" "-t refused"
  sk_assert_eq "$(ids --severity warning)" "1,2,5,6" "--severity warning (or higher)"
  sk_assert_eq "$(ids --severity critical)" "2" "--severity critical"
  sk_assert_eq "$(ids --since 2026-01-01T00:00:01Z)" "2,3,4,5,6" "--since a time (inclusive)"
  sk_assert_eq "$(ids --since 2026-01-01T00:00:01.500Z)" "3,4,5,6" "--since a time with milliseconds"
  sk_assert_eq "$(ids --since 1h)" "5,6" "--since 1h"
  sk_assert_eq "$(ids --since 4h)" "4,5,6" "--since 4h"
  sk_assert_eq "$(ids --namespace shop)" "1,2,5" "--namespace shop"
  sk_assert_eq "$(ids --pod db-0)" "3,4" "--pod db-0"
  sk_assert_eq "$(ids --namespace shop --decision deny --type fileless,refused)" "2,5" "filters combine"
  sk_assert_eq "$(ids --namespace shop --pod db-0)" "" "nothing matches both"
  sk_assert_eq "$(ids --container c1 --severity critical)" "2" "with --container"
  # The human form keeps the filters.
  sk_run human "$CTL" events --file "$f" --decision deny --namespace shop
  sk_assert_eq "$(wc -l <"$CASE/human.out")" 3 "human lines of shop's denials"
  # Bad values: one line, exit 2.
  for e in "--decision maybe" "--severity loud" "--since yesterday" "--since 2026-13-01T00:00:00Z" "--since 5x" \
    "--format xml" "--type" "--bogus"; do
    # shellcheck disable=SC2086 # each is an option and its value
    sk_run bad "$CTL" events --file "$f" $e
    sk_assert_rc 2 "events $e"
    sk_assert_eq "$(wc -l <"$CASE/bad.err")" 1 "events $e: one line on stderr"
    [ -s "$CASE/bad.out" ] && sk_fail "events $e printed events"
  done

  # ECS: one document a line, the fields ECS names.
  sk_run ecs "$CTL" events --file "$f" --format ecs
  sk_assert_rc 0 "--format ecs"
  sk_assert_eq "$(wc -l <"$CASE/ecs.out")" 6 "one ECS document per event"
  jq -e . "$CASE/ecs.out" >/dev/null || sk_fail "the ECS output is not JSON lines"
  e=$(head -n 1 "$CASE/ecs.out")
  sk_assert_eq "$(jq -r '[."@timestamp", .ecs.version, .event.kind, (.event.category | join("+")), (.event.type | join("+")),
    .event.action, .event.outcome, .event.id[-1:], .host.name, .container.id, .container.image.name,
    .orchestrator.namespace, .orchestrator.resource.name, (.process.pid | tostring), .process.executable,
    (.process.args | join(" ")), .process.hash.sha256[0:4], .rule.id, .rule.ruleset, .threat.framework,
    .threat.technique.id[0], .threat.tactic.id[0], .threat.tactic.name[0], .message, .log.level,
    .stockade.decision, .stockade.where] | join("|")' <<<"$e")" \
    "2026-01-01T00:00:00.000Z|8.11.0|alert|process+intrusion_detection|denied|drift|failure|1|node1|c1|reg/web:1|shop|web-1|9|/tmp/x|/tmp/x -q|aaaa|SK-EXEC-DRIFT|default|MITRE ATT&CK|T1105|TA0011|Command and Control|m|warning|deny|tmpfs" \
    "the ECS document of a drift denial"
  sk_assert_eq "$(jq -r 'select(.event.action == "lsm") | [.event.kind, (.event.type | join("+")), .event.outcome,
    (.event.category | join("+"))] | join("|")' "$CASE/ecs.out")" "event|info|unknown|configuration" "an lsm info event in ECS"
  sk_assert_eq "$(jq -r 'select(.event.action == "supervisor") | (.event.type | join("+"))' "$CASE/ecs.out")" "end+error" \
    "a supervisor that is gone in ECS"
  sk_assert_eq "$(jq -r 'select(.event.action == "spec-finding") | [.event.kind, .stockade.decision] | join("|")' "$CASE/ecs.out")" \
    "alert|report" "a report is an alert"
  # An event that is not v1 is not turned into ECS: named, exit 1.
  echo '{"type":"drift","container":"old"}' >>"$f"
  sk_run ecsbad "$CTL" events --file "$f" --format ecs
  sk_assert_rc 1 "--format ecs with a v0 event"
  sk_assert_eq "$(wc -l <"$CASE/ecsbad.out")" 6 "the v1 events are still printed"
  sk_assert_grep "$CASE/ecsbad.err" 'f\.json:7: schema: missing' "the v0 line is named"
}

# ---------------------------------------------------------------------------
# Rotation: the event file rotated with the shipped logrotate snippet
# (packaging/logrotate/stockade, its path pointed at this case's file)
# while a container runs; the next events go to a new file at the path.
t_rotation() {
  local b rotated
  command -v logrotate >/dev/null || sk_skip "logrotate is not installed (make deps installs it)"
  sk_config
  sed "s|/var/log/stockade/events.json|$CASE/events.json|" "$SK_REPO/packaging/logrotate/stockade" >"$CASE/logrotate.conf"
  grep -Eq '^[[:space:]]*copytruncate' "$CASE/logrotate.conf" && sk_fail "the snippet uses copytruncate"
  b=$(sk_bundle rot '.process.args = $a' --argjson a "$(sk_args_sh 'exectest drift /bin/sktrue /tmp/drift-true; echo done=1')") ||
    sk_fail bundle
  sk_new_id rot
  sk_run create sk_sk create --bundle "$b" "$SK_ID"
  sk_assert_rc 0 "stockade create"
  sk_assert_event "$SK_ID" 'select(.type == "supervisor" and .details.event == "started")' "the started event, before the rotation"
  sk_run logrotate logrotate -f -s "$CASE/logrotate.state" "$CASE/logrotate.conf"
  sk_assert_rc 0 "logrotate with the shipped snippet"
  rotated=$(find "$CASE" -maxdepth 1 -name 'events.json-*' | head -n 1)
  [ -n "$rotated" ] || sk_fail "logrotate left no rotated file: $(ls "$CASE")"
  [ -e "$CASE/events.json" ] && sk_fail "logrotate created the new file (nocreate: stockade does)"
  sk_run start sk_sk start "$SK_ID"
  sk_assert_rc 0 "stockade start"
  sk_wait_status "$SK_ID" stopped 20 || sk_fail "the container did not finish"
  sk_assert_event "$SK_ID" 'select(.type == "drift" and .decision == "deny")' "the drift event, after the rotation, in a new file"
  sk_assert_eq "$(jq -c 'select(.type == "drift")' "$rotated" | wc -l)" 0 "no event written to the rotated file"
  [ -n "$(jq -c 'select(.type == "supervisor" and .details.event == "started")' "$rotated")" ] ||
    sk_fail "the rotated file lost the started event"
  sk_assert_eq "$(stat -c %a "$CASE/events.json")" 640 "the new file's mode"
  sk_run del sk_sk delete -f "$SK_ID"
  sk_wait_event "$SK_ID" 'select(.type == "supervisor" and .details.event == "stopped")' 10 >/dev/null ||
    sk_fail "the stopped event did not reach the new file"
  sk_validate_events "$rotated" >&2 || sk_fail "the rotated file's events"
}

# ---------------------------------------------------------------------------
# Metrics: Prometheus text, parsed strictly.

# prom FILE: parse FILE with the strict parser into FILE.parsed; fails the
# case on any error.
prom() {
  [ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" = '\n' ] || sk_fail "$1 does not end with a newline"
  awk -f "$SK_REPO/tests/integration/promtext.awk" "$1" >"$1.parsed" 2>"$1.perr" || {
    sed 's/^/  /' "$1.perr" >&2
    sk_fail "$(basename "$1") is not Prometheus text: $(head -n 1 "$1.perr")"
  }
}

# sample FILE SERIES: the value of one series ("name{l=v,}") of FILE.parsed.
sample() { K=$2 awk '$1 == ENVIRON["K"] { print $2 }' "$1.parsed"; }

t_metrics_parser() {
  local f=$CASE/bad.prom
  # The parser refuses what breaks the format, so the metrics test can fail.
  for e in 'a{b="c"} 1|no TYPE' '# TYPE a counter|# HELP a x|a{b="c\q"} 1|bad escape' \
    '# TYPE a counter|# HELP a x|a{b="c"} one|not a float' '# TYPE 1a counter|# HELP 1a x|1a 1|bad name' \
    '# TYPE a counter|# HELP a x|a{__b="c"} 1|reserved label' '# TYPE a counter|# HELP a x|a{b="1",b="2"} 1|label twice' \
    '# TYPE a counter|# HELP a x|a{b="1"} 1|a{b="1"} 2|series twice' '# TYPE a counter|# HELP a x|a 1|# TYPE a counter|TYPE twice' \
    '# TYPE a counter|# HELP a x|# TYPE b gauge|# HELP b y|a 1|b 1|a{c="d"} 2|not together' '# TYPE a counter|# HELP a x|a -1|negative counter' \
    '# TYPE a countr|# HELP a x|a 1|unknown type' '# TYPE a counter|# HELP a x|a 1 1.5|timestamp' '# TYPE a counter|# HELP a x|a  1|two spaces' \
    '# TYPE a counter|# HELP a x|a{b="c} 1|no closing quote' '# TYPE a counter|# HELP a x\q|a 1|HELP escape'; do
    tr '|' '\n' <<<"${e%|*}" >"$f"
    if awk -f "$SK_REPO/tests/integration/promtext.awk" "$f" >/dev/null 2>"$CASE/perr"; then
      sk_fail "the parser accepted (${e##*|}): $(tr '\n' '|' <"$f")"
    fi
  done
  printf '# HELP a x \\\\ y\\n\n# TYPE a gauge\na{b="q\\"\\\\\\n",c="2"} -1.5e3 1700000000000\na{b=""} +Inf\na NaN\n' >"$f"
  awk -f "$SK_REPO/tests/integration/promtext.awk" "$f" >"$CASE/pok" 2>&1 || sk_fail "the parser refused valid text: $(cat "$CASE/pok")"
  sk_assert_eq "$(wc -l <"$CASE/pok")" 3 "valid samples parsed"
}

t_metrics() {
  local f=$CASE/m.json out=$CASE/m.prom b ident id
  [ -x "$CTL" ] || sk_fail "$CTL missing"
  # Known events: exact counts.
  {
    for i in 1 2 3; do
      v1ev --argjson n "$i" '{n: $n, type: "drift", container: "c1", decision: "deny", mechanism: "fanotify",
        profile: {name: "web", mode: "enforce"}}'
    done
    v1ev '{n: 4, type: "drift", container: "c2", decision: "report", mechanism: "seccomp", profile: {name: "web", mode: "complain"}}'
    v1ev '{n: 5, type: "refused", container: "c3", decision: "deny", mechanism: "spec", profile: {name: "default"},
      details: {rules: ["SK-USER-ROOT"]}}'
    v1ev '{n: 6, type: "refused", container: "c4", decision: "deny", mechanism: "spec", details: {rules: ["SK-PROFILE-UNKNOWN"]}}'
    v1ev '{n: 7, type: "dropped", container: "c1", decision: "info", mechanism: "supervisor", profile: {name: "web"},
      details: {dropped: 5, types: {drift: 4, other: 1}}}'
    v1ev '{n: 8, type: "dropped", container: "c1", decision: "info", mechanism: "supervisor", profile: {name: "web"},
      details: {dropped: 2, types: {drift: 2}, lost: 3}}'
    v1ev '{n: 9, type: "supervisor", container: "c1", profile: {name: "we\"b\\x"}, details: {event: "started", lost: 1}}'
    echo '{"type":"drift","container":"v0"}'
  } >"$f"
  mkdir -p "$CASE/nostate"
  sk_run m "$CTL" metrics --file "$f" --state-dir "$CASE/nostate"
  sk_assert_rc 0 "stockadectl metrics"
  cp "$CASE/m.out" "$out"
  prom "$out"
  sed 's/^/  prom| /' "$out.parsed" >&2
  sk_assert_eq "$(sample "$out" 'stockade_decisions_total{type=drift,decision=deny,profile=web,}')" 3 "denied drifts of web"
  sk_assert_eq "$(sample "$out" 'stockade_decisions_total{type=drift,decision=report,profile=web,}')" 1 "reported drifts"
  sk_assert_eq "$(sample "$out" 'stockade_decisions_total{type=refused,decision=deny,profile=none,}')" 1 "a refusal without a profile"
  sk_assert_eq "$(sample "$out" 'stockade_decisions_total{type=supervisor,decision=info,profile=we\"b\\x,}')" 1 \
    "a profile name with a quote and a backslash, escaped"
  sk_assert_eq "$(sample "$out" 'stockade_creates_refused_total{profile=default,}')" 1 "refused creates of default"
  sk_assert_eq "$(sample "$out" 'stockade_creates_refused_total{profile=none,}')" 1 "refused creates without a profile"
  sk_assert_eq "$(sample "$out" 'stockade_events_dropped_total{type=drift,}')" 6 "dropped drift events (two reports)"
  sk_assert_eq "$(sample "$out" 'stockade_events_dropped_total{type=other,}')" 1 "dropped other events"
  sk_assert_eq "$(sample "$out" 'stockade_events_lost_total{}')" 4 "lost events"
  sk_assert_eq "$(sample "$out" 'stockade_events_invalid_total{}')" 1 "the v0 line"
  sk_assert_eq "$(sample "$out" 'stockade_supervisors_running{}')" 0 "no supervisor"
  sk_assert_grep "$CASE/m.err" 'm\.json:10: not an event of schema' "the invalid line is named once on stderr"

  # --output: written whole, readable by node-exporter.
  sk_run o "$CTL" metrics --file "$f" --state-dir "$CASE/nostate" --output "$CASE/textfile.prom"
  sk_assert_rc 0 "metrics --output"
  cmp -s "$CASE/textfile.prom" "$out" || sk_fail "--output differs from stdout"
  sk_assert_eq "$(stat -c %a "$CASE/textfile.prom")" 644 "the textfile's mode"
  sk_assert_eq "$(find "$CASE" -maxdepth 1 -name 'textfile.prom.*' | wc -l)" 0 "no temporary file left"
  sk_run o2 "$CTL" metrics --file "$f" --output "$CASE/no/such/dir/x.prom" --state-dir "$CASE/nostate"
  sk_assert_rc 2 "metrics --output into a missing directory"

  # A real node: a running supervisor and a refused create, from the
  # config's eventFile and stateDir.
  sk_config
  b=$(sk_bundle run '.process.args = ["sleep", "30"]') || sk_fail bundle
  sk_new_id met
  id=$SK_ID
  sk_run run sk_sk run -d --bundle "$b" "$SK_ID"
  sk_assert_rc 0 "stockade run -d"
  sk_assert_supervised "$SK_ID" "$b"
  ident=$SK_SUP_IDENT
  b=$(sk_bundle hostpid '.linux.namespaces |= map(select(.type != "pid")) | .process.args = ["true"]') || sk_fail bundle
  sk_new_id hostpid
  sk_run refused sk_sk run --bundle "$b" "$SK_ID"
  sk_assert_rc_nonzero "a container in the host's PID namespace is refused"
  sk_run live env STOCKADE_CONFIG="$CASE/stockade.json" "$CTL" metrics
  sk_assert_rc 0 "metrics from the config"
  cp "$CASE/live.out" "$CASE/live.prom"
  prom "$CASE/live.prom"
  sk_assert_eq "$(sample "$CASE/live.prom" 'stockade_supervisors_running{}')" 1 "one supervisor running"
  sk_assert_eq "$(sample "$CASE/live.prom" 'stockade_creates_refused_total{profile=default,}')" 1 "the refused create"
  sk_assert_eq "$(sample "$CASE/live.prom" 'stockade_decisions_total{type=supervisor,decision=info,profile=default,}')" 1 \
    "the supervisor's started event"
  sk_run del sk_sk delete -f "$id"
  sk_wait_gone "$ident" 10 || sk_fail "the supervisor did not end"
  sk_run after env STOCKADE_CONFIG="$CASE/stockade.json" "$CTL" metrics
  cp "$CASE/after.out" "$CASE/after.prom"
  prom "$CASE/after.prom"
  sk_assert_eq "$(sample "$CASE/after.prom" 'stockade_supervisors_running{}')" 0 "no supervisor after delete"
}

sk_case "events: filter by id and prefix, --json as is, the human line, malformed lines, eventFile" t_read_and_filter
sk_case "events: --follow across appends, partial lines, truncation and rotation; stops on SIGTERM" t_follow
sk_for_runtimes "events: a complain-mode container's spec findings read back by its id" t_complain_events
sk_for_runtimes "events: a denied exec's event carries the pod, namespace and image of the CRI annotations (containerd, CRI-O)" t_cri_annotations
sk_case "events: the JSON Schema file and stockadectl events --validate agree on good and bad samples" t_schema_agrees_samples
sk_for_runtimes "events: every event of real containers is valid for the JSON Schema file and --validate" t_schema_agrees
sk_case "events: filters (type, decision, severity, since, pod, namespace) and ECS documents" t_filters_ecs
sk_for_runtimes "events: rotated by the shipped logrotate snippet while a container runs: the next events go to a new file" t_rotation
sk_case "metrics: the strict Prometheus text parser refuses what breaks the format" t_metrics_parser
sk_for_runtimes "metrics: Prometheus text of decisions, refusals, drops, lost events and running supervisors" t_metrics
