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
  local pd b id_first
  [ -x "$CTL" ] || sk_fail "$CTL missing"
  sk_config
  pd=$(sk_profile_dir)
  jq 'del(.user) | .name="noroot" | .allowRoot=false' "$pd/default.json" >"$pd/noroot.json" || sk_fail "noroot profile"
  sk_config_edit '.defaultProfile="noroot"'
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

sk_case "events: filter by id and prefix, --json as is, the human line, malformed lines, eventFile" t_read_and_filter
sk_case "events: --follow across appends, partial lines, truncation and rotation; stops on SIGTERM" t_follow
sk_for_runtimes "events: a complain-mode container's spec findings read back by its id" t_complain_events
sk_for_runtimes "events: a denied exec's event carries the pod, namespace and image of the CRI annotations (containerd, CRI-O)" t_cri_annotations
