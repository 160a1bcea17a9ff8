#!/bin/bash
# shellcheck disable=SC2016 # jq filters and in-container scripts are single-quoted on purpose
# The Landlock layer (docs/security.md): stockade-init confines the
# entrypoint. Most cases run with the node's "supervisor": false, so that
# every denial seen is Landlock's own (EACCES), and each has a control run
# of the same container with "landlock": "off" that shows the same action
# succeeding (or failing differently) without it.
. "$(dirname "$0")/lib.sh"

# ll_init [JQ-FILTER]: the case's config: enforce, no supervisor, then the filter.
ll_init() {
  sk_config ".supervisor = false | ${1:-.}"
  sk_profile_dir >/dev/null
}

# ll_run TAG PROFILE SCRIPT [JQ-FILTER]: run SCRIPT (sh -c) under PROFILE in
# the foreground; its stdout in LL_OUT, the bundle in LL_B, the id in LL_ID,
# and in LL_SPEC the spec the runtime ran (a createRuntime hook copies it:
# `run` puts the bundle's config.json back when it ends), or the bundle's
# when the runtime never ran.
ll_run() {
  local tag=$1 profile=$2 script=$3 filter=${4:-.}
  LL_B=$(sk_bundle "b-$tag" ".process.args = \$a | .annotations[\"stockade.io/profile\"] = \$p
    | .hooks.createRuntime = [{path: \"/bin/sh\", args: [\"sh\", \"-c\", \"cp \\\"\$0\\\" \\\"\$1\\\"\", \$spec, \$copy]}]
    | $filter" \
    --argjson a "$(sk_args_sh "$script")" --arg p "$profile" --arg spec "$CASE/b-$tag/config.json" \
    --arg copy "$CASE/spec-$tag.json") || sk_fail "bundle"
  sk_new_id "$tag"
  LL_ID=$SK_ID
  sk_run "run-$tag" sk_sk --log "$CASE/run-$tag.log" run --bundle "$LL_B" "$LL_ID"
  LL_OUT=$CASE/run-$tag.out
  LL_SPEC=$CASE/spec-$tag.json
  [ -f "$LL_SPEC" ] || LL_SPEC=$LL_B/config.json
}

# ll_require_landlock ABI: the host kernel must have Landlock of at least
# ABI (as stockadectl verify reports it), else the case is skipped.
ll_require_landlock() {
  local abi
  abi=$("$SK_BUILD/stockadectl" verify --json 2>/dev/null | jq -r '.checks[] | select(.id == "landlock") | .value')
  case $abi in
    '' | *[!0-9]*) sk_skip "the host kernel has no Landlock (stockadectl verify: ${abi:-no answer})" ;;
  esac
  [ "$abi" -ge "$1" ] || sk_skip "the host kernel's Landlock ABI is $abi; this case needs $1 or newer"
}

# 1. The entrypoint runs as PID 1 under Landlock; writes are confined to the
# writable paths (and the spec's writable mounts), /proc included.
LL_WORK='echo "cmdline=$(tr "\0" " " </proc/1/cmdline)"
echo "tmp-$(probe write /tmp/f)"
echo "shm-$(probe write /dev/shm/f)"
echo "null-$(probe openrw /dev/null)"
echo "mem-$(probe openrw /proc/self/mem)"
echo "comm-$(probe openrw /proc/self/comm)"
echo "run-$(probe exec /bin/sktrue)"
echo "hello=$(echo hi | tr a-z A-Z)"'

t_pid1_and_writes() {
  local args
  ll_require_landlock 1
  ll_init
  ll_run on default "$LL_WORK"
  sk_assert_rc 0 "stockade run (default profile, Landlock optional)"
  sed 's/^/  container| /' "$LL_OUT" >&2
  # /proc/1/cmdline is multi-line (the script); compare its first word and
  # that stockade-init is not in it.
  sk_assert_grep "$LL_OUT" '^cmdline=sh -c echo' "/proc/1/cmdline starts with the real entrypoint"
  sk_assert_no_grep "$LL_OUT" 'stockade-init' "stockade-init is gone from /proc/1/cmdline"
  sk_assert_kv "$LL_OUT" write OK "a write beneath the writable path /tmp works" tmp-
  sk_assert_kv "$LL_OUT" write OK "a write to /dev/shm (the spec's writable mount) works" shm-
  sk_assert_kv "$LL_OUT" openrw OK "/dev/null opens for writing" null-
  sk_assert_kv "$LL_OUT" openrw EACCES "Landlock denies opening /proc/self/mem for writing" mem-
  sk_assert_kv "$LL_OUT" openrw EACCES "Landlock denies writing /proc/self/comm" comm-
  sk_assert_kv "$LL_OUT" exec OK "the image's programs run" run-
  sk_assert_kv "$LL_OUT" hello HI "a pipeline runs"
  # The spec stockade wrote: init mounted read-only, args rewritten.
  args=$(jq -c '.process.args' "$LL_SPEC")
  sk_assert_eq "$(jq -r '.process.args[0]' "$LL_SPEC")" /dev/.stockade-init "process.args[0]"
  [[ $args == *'"--","sh","-c"'* ]] || sk_fail "process.args keeps the original args after --: $args"
  sk_assert_eq "$(jq -c '[.mounts[] | select(.destination == "/dev/.stockade-init") | .options]' "$LL_SPEC")" \
    '[["bind","ro","nosuid","nodev"]]' "stockade-init is bind-mounted read-only"
  sk_assert_event "$LL_ID" 'select(.type == "landlock" and .decision == "harden" and .details.abi > 0 and (.details.applied | test("filesystem")))' \
    "the landlock event says what was applied"

  # Control: the same without Landlock; /proc/self/mem opens.
  sv_profile nol '.landlock = "off"'
  ll_run off nol "$LL_WORK"
  sk_assert_rc 0 "stockade run (landlock off)"
  sk_assert_kv "$LL_OUT" openrw OK "control: without Landlock /proc/self/mem opens for writing" mem-
  sk_assert_eq "$(jq -r '.process.args[0]' "$LL_SPEC")" sh "control: process.args untouched"
  sk_assert_eq "$(sk_events "$LL_ID" 'select(.type == "landlock")' | grep -c .)" 0 "control: no landlock event"
}

# 2. exec: only beneath the exec.allow directories. The root is writable
# (root may write it: allowRoot) and mounted exec, and there is no
# supervisor: only Landlock can stop the copy from running.
LL_EXEC='echo "copy-$(probe copy /bin/sktrue /work/x)"
echo "drop-$(probe exec /work/x)"
echo "bin-$(probe exec /bin/sktrue)"'

t_exec() {
  ll_require_landlock 1
  ll_init
  sv_profile lx 'del(.user) | .allowRoot = true | .writableRootfs = true | .exec = {allow: ["/bin/*"]}'
  ll_run on lx "$LL_EXEC" '.root.readonly = false'
  sk_assert_rc 0 "stockade run"
  sed 's/^/  container| /' "$LL_OUT" >&2
  sk_assert_kv "$LL_OUT" copy OK "the program is copied onto the writable root" copy-
  sk_assert_kv "$LL_OUT" exec EACCES "Landlock denies a program outside exec.allow's directories" drop-
  sk_assert_kv "$LL_OUT" exec OK "a program beneath /bin runs" bin-
  sv_profile lxoff 'del(.user) | .allowRoot = true | .writableRootfs = true | .exec = {allow: ["/bin/*"]} | .landlock = "off"'
  ll_run off lxoff "$LL_EXEC" '.root.readonly = false'
  sk_assert_kv "$LL_OUT" exec OK "control: without Landlock (and without the supervisor) the copy runs" drop-
}

# 3. TCP: bind and connect only to the profile's ports (ABI 4).
LL_NET='probe listen 8080 &
i=0; while [ $i -lt 50 ] && ! grep -q ":1F90 " /proc/net/tcp; do sleep 0.1; i=$((i+1)); done
echo "ok-$(probe connect 8080)"
echo "other-$(probe connect 8081)"
echo "bind-$(probe bind 8081)"
kill $!'

t_network() {
  ll_require_landlock 4
  ll_init
  sv_profile ln '.network = {bind: [8080], connect: [8080]}'
  ll_run on ln "$LL_NET"
  sk_assert_rc 0 "stockade run"
  sed 's/^/  container| /' "$LL_OUT" >&2
  sk_assert_kv "$LL_OUT" connect OK "a connect to an allowed port (8080, a listener in the container) works" ok-
  sk_assert_kv "$LL_OUT" connect EACCES "Landlock denies a connect to a port the profile does not list" other-
  sk_assert_kv "$LL_OUT" bind EACCES "Landlock denies a bind to a port the profile does not list" bind-
  sk_assert_event "$LL_ID" 'select(.type == "landlock" and (.details.applied | test("tcp")))' "the event lists tcp"
  sv_profile lnoff '.network = {bind: [8080], connect: [8080]} | .landlock = "off"'
  ll_run off lnoff "$LL_NET"
  sk_assert_kv "$LL_OUT" connect ECONNREFUSED "control: without Landlock the connect reaches the (closed) port" other-
  sk_assert_kv "$LL_OUT" bind OK "control: without Landlock the bind works" bind-
}

# 4. The node's landlockAbi caps what is used: at 3 there are no TCP rules
# (reported as missing); "required" with TCP rules is then refused; at 0
# there is no Landlock, and "required" is refused at create.
t_abi_cap() {
  ll_require_landlock 4
  ll_init '.landlockAbi = 3'
  sv_profile ln '.network = {bind: [8080], connect: [8080]}'
  ll_run cap3 ln "$LL_NET"
  sk_assert_rc 0 "stockade run (ABI capped at 3)"
  sk_assert_kv "$LL_OUT" connect ECONNREFUSED "ABI 3: TCP is not restricted" other-
  sk_assert_event "$LL_ID" 'select(.type == "landlock" and .details.abi == 3 and .decision == "harden" and (.details.missing | test("tcp")))' \
    "the event says tcp is missing at ABI 3"
  # stockadectl verify says the same before any container runs.
  STOCKADE_CONFIG=$CASE/stockade.json sk_run verify "$SK_BUILD/stockadectl" verify --json --profile ln
  sk_assert_eq "$(jq -r '.checks[] | select(.id == "landlock") | .value' "$CASE/verify.out")" 3 "verify: the capped ABI"
  sk_assert_eq "$(jq -r '.checks[] | select(.id == "landlock-profile") | .status + " " + .detail' "$CASE/verify.out")" \
    'warn profile "ln" (optional) gets filesystem, refer, truncate; not on this host: tcp, ioctl-dev, scope' \
    "verify --profile: what the profile gets and what it misses"

  sv_profile lnreq '.network = {bind: [8080], connect: [8080]} | .landlock = "required"'
  LL_B=$(sk_bundle b-req3 '.annotations["stockade.io/profile"] = "lnreq"') || sk_fail bundle
  cp "$LL_B/config.json" "$CASE/req3.json"
  sk_new_id req3
  sk_run req3 sk_sk create --bundle "$LL_B" "$SK_ID"
  sk_assert_rc_nonzero "landlock required with TCP rules at ABI 3"
  sk_assert_grep "$CASE/req3.err" 'requires Landlock .*TCP rules' "the refusal says why"
  sk_assert_same "$LL_B/config.json" "$CASE/req3.json" "the refused bundle's config.json"
  sk_assert_eq "$(sk_state_status "$SK_ID")" absent "no container"

  sk_config_edit '.landlockAbi = 0'
  sv_profile lreq '.landlock = "required"'
  LL_B=$(sk_bundle b-req0 '.annotations["stockade.io/profile"] = "lreq"') || sk_fail bundle
  cp "$LL_B/config.json" "$CASE/req0.json"
  sk_new_id req0
  sk_run req0 sk_sk create --bundle "$LL_B" "$SK_ID"
  sk_assert_rc_nonzero "landlock required, no Landlock"
  sk_assert_grep "$CASE/req0.err" 'refusing container .*requires Landlock .*landlockAbi to 0' "the refusal names the reason"
  sk_assert_no_placeholders "$CASE/req0.err" "the refusal"
  sk_assert_same "$LL_B/config.json" "$CASE/req0.json" "the refused bundle's config.json"
  sk_assert_eq "$(sk_state_status "$SK_ID")" absent "no container"
  sk_assert_state_empty "after the refusal"
  sk_assert_event "$SK_ID" 'select(.type == "landlock" and .decision == "deny" and .details.abi == 0)' "a deny event"

  # optional at ABI 0: runs, unconfined, and says so.
  ll_run opt0 default 'echo "mem-$(probe openrw /proc/self/mem)"'
  sk_assert_rc 0 "optional without Landlock runs"
  sk_assert_kv "$LL_OUT" openrw OK "no Landlock at ABI 0" mem-
  sk_assert_eq "$(jq -r '.process.args[0]' "$LL_SPEC")" sh "no stockade-init at ABI 0"
  sk_assert_event "$LL_ID" 'select(.type == "landlock" and .decision == "info")' "an info event (running without Landlock)"
}

# 5. A profile whose seccomp filter denies the landlock_* syscalls: the
# init could not confine anything, so stockade does not claim it would:
# optional runs without the init (decision "info"), required is refused.
t_seccomp_blocks() {
  ll_require_landlock 1
  ll_init
  sv_profile lsc '.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["landlock_create_ruleset"], action: "SCMP_ACT_ERRNO"}]}'
  ll_run opt lsc 'echo "mem-$(probe openrw /proc/self/mem)"'
  sk_assert_rc 0 "optional: runs"
  sk_assert_eq "$(jq -r '.process.args[0]' "$LL_SPEC")" sh "optional: no stockade-init"
  sk_assert_event "$LL_ID" 'select(.type == "landlock" and .decision == "info" and (.message | test("does not allow landlock_create_ruleset")))' \
    "the event says the filter is why"
  sv_profile lscr '.landlock = "required" | .seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["landlock_create_ruleset"], action: "SCMP_ACT_ERRNO"}]}'
  LL_B=$(sk_bundle b-req '.annotations["stockade.io/profile"] = "lscr"') || sk_fail bundle
  cp "$LL_B/config.json" "$CASE/req.json"
  sk_new_id req
  sk_run req sk_sk create --bundle "$LL_B" "$SK_ID"
  sk_assert_rc_nonzero "required: refused"
  sk_assert_grep "$CASE/req.err" 'requires Landlock and .*does not allow landlock_create_ruleset' "the refusal names the syscall"
  sk_assert_same "$LL_B/config.json" "$CASE/req.json" "the refused bundle's config.json"
}

# 5b. What only the init can see: a filter rule with argument conditions
# (create does not evaluate those) that lets the ABI query through but
# fails the ruleset itself. required: the init exits 126 before the
# entrypoint runs; optional: a warning, and the entrypoint runs.
t_init_fails() {
  local sc='{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["landlock_create_ruleset"], action: "SCMP_ACT_ERRNO",
    args: [{index: 2, value: 0, op: "SCMP_CMP_EQ"}]}]}'
  ll_require_landlock 1
  ll_init
  sv_profile lfr ".landlock = \"required\" | .seccomp = $sc"
  ll_run req lfr 'echo entrypoint-ran'
  sk_assert_rc 126 "required: the init refuses to start the entrypoint"
  sk_assert_no_grep "$LL_OUT" entrypoint-ran "the entrypoint did not run"
  sk_assert_grep "$CASE/run-req.err" 'stockade-init: landlock_create_ruleset: Operation not permitted' "the init says what failed"
  sk_assert_grep "$CASE/run-req.err" 'stockade-init: landlock is required by the profile and could not be applied' "and that it is required"
  sv_profile lfo ".seccomp = $sc"
  ll_run opt lfo 'echo entrypoint-ran; echo "mem-$(probe openrw /proc/self/mem)"'
  sk_assert_rc 0 "optional: runs"
  sk_assert_grep "$LL_OUT" '^entrypoint-ran$' "the entrypoint ran"
  sk_assert_kv "$LL_OUT" openrw OK "unconfined" mem-
  sk_assert_grep "$CASE/run-opt.err" 'stockade-init: warning: landlock could not be applied' "the warning"
}

# 6. Where stockade-init is found: beside the binary, else
# ../libexec/stockade/ (the installed layout), else the config's initPath;
# nowhere: optional runs without it, required is refused.
t_init_path() {
  local x=$CASE/inst
  ll_require_landlock 1
  ll_init
  mkdir -p "$x/bin" "$x/libexec/stockade"
  cp "$SK_BIN" "$x/bin/stockade"
  cp "$SK_BUILD/stockade-init" "$x/libexec/stockade/stockade-init"
  SK_BIN=$x/bin/stockade ll_run inst default 'echo "mem-$(probe openrw /proc/self/mem)"'
  sk_assert_rc 0 "the installed layout runs"
  sk_assert_kv "$LL_OUT" openrw EACCES "confined by the init from ../libexec/stockade" mem-
  sk_assert_eq "$(jq -r '.mounts[] | select(.destination == "/dev/.stockade-init") | .source' "$LL_SPEC")" \
    "$x/libexec/stockade/stockade-init" "the mount's source"
  rm "$x/libexec/stockade/stockade-init"
  SK_BIN=$x/bin/stockade ll_run none default 'echo "mem-$(probe openrw /proc/self/mem)"'
  sk_assert_rc 0 "optional without stockade-init runs"
  sk_assert_kv "$LL_OUT" openrw OK "unconfined without stockade-init" mem-
  sk_assert_grep "$CASE/run-none.log" 'no Landlock: cannot find stockade-init' "the warning (--log file) says why"
  sk_assert_event "$LL_ID" 'select(.type == "landlock" and .decision == "info" and (.message | test("cannot find stockade-init")))' \
    "an info event (running without Landlock)"
  sk_config_edit '.initPath = $p' --arg p "$SK_BUILD/stockade-init"
  SK_BIN=$x/bin/stockade ll_run cfg default 'echo "mem-$(probe openrw /proc/self/mem)"'
  sk_assert_kv "$LL_OUT" openrw EACCES "confined by the config's initPath" mem-
  sk_config_edit '.initPath = "/nonexistent/stockade-init"'
  sv_profile lreq '.landlock = "required"'
  LL_B=$(sk_bundle b-req '.annotations["stockade.io/profile"] = "lreq"') || sk_fail bundle
  sk_new_id req
  sk_run req sk_sk create --bundle "$LL_B" "$SK_ID"
  sk_assert_rc_nonzero "required without stockade-init"
  sk_assert_grep "$CASE/req.err" 'requires Landlock and .*initPath /nonexistent/stockade-init' "the refusal names the path"
}

# 7. With the supervisor (the default config) and an allow-list: the init,
# a host file outside the image and the list, is let run; nothing else is.
t_supervised() {
  ll_require_landlock 1
  sk_config
  ll_run sup locked 'echo "cmdline=$(tr "\0" " " </proc/1/cmdline)"; echo "run-$(probe exec /bin/sktrue)"'
  sk_assert_rc 0 "stockade run (locked profile, supervisor and Landlock)"
  sk_assert_grep "$LL_OUT" '^cmdline=sh -c' "/proc/1/cmdline is the entrypoint"
  sk_assert_kv "$LL_OUT" exec OK "an allowed program runs" run-
  sk_assert_eq "$(sk_events "$LL_ID" 'select(.decision == "deny")' | grep -c .)" 0 "no denial (stockade-init is recognised)"
  sk_assert_event "$LL_ID" 'select(.type == "landlock" and .decision == "harden")' "the landlock event"
}

# 8. stockade-init's PATH search: execvp's result, less the execs of the
# entries where the name is not (each exec of a supervised container is a
# round trip to the supervisor; execvp tried five for busybox's /bin/true).
# On the host, the execs counted with strace.
t_path_search() {
  local init=$SK_BUILD/stockade-init d=$CASE/p got st
  # by its path: the PATH given to each command below is the one tested
  st=$(command -v strace) || sk_skip "strace not installed (Debian: strace; scripts/install-deps.sh installs it)"
  mkdir -p "$d/a" "$d/b" "$d/c" "$d/d"
  printf '#!/bin/sh\necho noexec\n' >"$d/b/x" && chmod 644 "$d/b/x"
  printf '#!/bin/sh\necho "x-in-d PATH=$PATH"\n' >"$d/d/x" && chmod 755 "$d/d/x"
  printf 'echo "scr PATH=$PATH"\n' >"$d/c/scr" && chmod 755 "$d/c/scr"
  # execs: ours, b/x (there but not executable: EACCES, on to the next, as
  # execvp), d/x; none for a/ nor the missing directory
  PATH=$d/a:$d/missing:$d/b:$d/d:/usr/bin:/bin "$st" -f -qq -e trace=execve -o "$CASE/st1" "$init" -a 0 -- x >"$CASE/out1" 2>&1
  sk_assert_eq "$?" 0 "found in the fourth entry"
  got=$(grep -o 'execve("[^"]*"' "$CASE/st1" | cut -d'"' -f2 | tr '\n' ' ')
  sk_assert_eq "$got" "$init $d/b/x $d/d/x " "the execs made"
  sk_assert_eq "$(cat "$CASE/out1")" "x-in-d PATH=$d/a:$d/missing:$d/b:$d/d:/usr/bin:/bin" "the program gets PATH as it was"
  # a script without #!: run by /bin/sh, as execvp does
  PATH=$d/a:$d/c "$st" -f -qq -e trace=execve -o "$CASE/st2" "$init" -a 0 -- scr >"$CASE/out2" 2>&1
  sk_assert_eq "$?" 0 "a script without #!"
  sk_assert_eq "$(cat "$CASE/out2")" "scr PATH=$d/a:$d/c" "run by the shell"
  sk_assert_eq "$(grep -c 'execve("'"$d"'/a/' "$CASE/st2")" 0 "no exec where it is not"
  # PATH unset: execvp's default, /bin:/usr/bin; the program gets no PATH
  env -u PATH "$init" -a 0 -- env >"$CASE/out3" 2>&1
  sk_assert_eq "$?" 0 "PATH unset: found in execvp's default"
  sk_assert_eq "$(grep -c '^PATH=' "$CASE/out3")" 0 "and the program has no PATH"
  # nowhere: 127, and no exec at all; only where it cannot run: 126
  PATH=$d/a:$d/c "$st" -f -qq -e trace=execve -o "$CASE/st4" "$init" -a 0 -- nosuch >"$CASE/out4" 2>&1
  sk_assert_eq "$?" 127 "not found"
  sk_assert_grep "$CASE/out4" 'cannot execute "nosuch": No such file or directory' "says so"
  sk_assert_eq "$(grep -c 'execve("' "$CASE/st4")" 1 "ours only"
  PATH=$d/a:$d/b "$init" -a 0 -- x >"$CASE/out5" 2>&1
  sk_assert_eq "$?" 126 "there but not executable"
  sk_assert_grep "$CASE/out5" 'cannot execute "x": Permission denied' "says so"
}

sk_for_runtimes "landlock: entrypoint is PID 1, writes only beneath writable places (/proc/self/mem EACCES)" t_pid1_and_writes
sk_for_runtimes "landlock: exec only beneath exec.allow directories (EACCES, writable exec root)" t_exec
sk_for_runtimes "landlock: TCP bind/connect only to the profile's ports" t_network
sk_for_runtimes "landlock: landlockAbi caps the ABI; required is refused at create" t_abi_cap
sk_for_runtimes "landlock: a seccomp filter without the landlock syscalls: no init (optional), refused (required)" t_seccomp_blocks
sk_for_runtimes "landlock: the init fails closed when required and it cannot confine (exit 126)" t_init_fails
sk_for_runtimes "landlock: stockade-init found beside, in ../libexec/stockade or by initPath; missing" t_init_path
sk_for_runtimes "landlock: the supervisor lets stockade-init run, allow-list and all" t_supervised
sk_case "landlock: stockade-init finds the entrypoint in PATH as execvp does, without execs where it is not" t_path_search
