#!/bin/bash
# shellcheck disable=SC2016 # jq filters are single-quoted on purpose
# The LSM layer (docs/security.md, "LSM layer"): the AppArmor profile
# stockade generates from every shipped profile compiles with the real
# apparmor_parser (and a broken one does not, so the check can fail);
# "lsm": "required" is refused in enforce mode on a host without AppArmor
# or SELinux, with the reason, the bundle untouched; "optional" runs and
# says so in an event; "off" asks for nothing; stockadectl check and
# verify say what a profile gets here.
. "$(dirname "$0")/lib.sh"

CTL=$SK_BUILD/stockadectl
AA_PARSER=${SK_AA_PARSER:-/sbin/apparmor_parser}

# Which MAC LSM this host runs, as stockade sees it (the verify lines).
lsm_active() {
  local v
  v=$(STOCKADE_CONFIG=/nonexistent "$CTL" verify --json 2>/dev/null) || true
  if [ "$(jq -r '.checks[] | select(.id=="apparmor") | .value' <<<"$v")" = active ]; then
    echo apparmor
  elif [ "$(jq -r '.checks[] | select(.id=="selinux") | .value' <<<"$v")" != "not active" ]; then
    echo selinux
  else
    echo none
  fi
}

# parser_compile FILE: parse and compile without loading (-Q) or caching (-K).
parser_compile() { "$AA_PARSER" -Q -K "$1"; }

t_apparmor_compiles() {
  local p name n=0
  [ -x "$AA_PARSER" ] || sk_skip "apparmor_parser not installed at $AA_PARSER (Debian package apparmor)"
  for p in "$SK_REPO"/profiles/*.json; do
    name=$(basename "$p" .json)
    sk_run "show-$name" "$CTL" --profile-dir "$SK_REPO/profiles" profile show --apparmor "$name"
    sk_assert_rc 0 "profile show --apparmor $name"
    sk_assert_grep "$CASE/show-$name.out" "^profile stockade-$name-[0-9a-f]{12} flags=" "profile $name: the AppArmor name"
    sk_run "compile-$name" parser_compile "$CASE/show-$name.out"
    sk_assert_rc 0 "apparmor_parser -Q -K of the profile generated from $name"
    n=$((n + 1))
  done
  [ "$n" -ge 4 ] || sk_fail "only $n shipped profiles found in $SK_REPO/profiles"

  # Paths and globs full of AppArmor syntax compile too (the profile's
  # globs are valid ones: a literal [ or { is escaped, as profile lint wants).
  mkdir -p "$CASE/p"
  cat >"$CASE/p/odd.json" <<'EOF'
{"name": "odd", "user": {"uid": 1, "gid": 1}, "capabilities": ["NET_RAW", "CHOWN", "PERFMON"],
 "writablePaths": [{"path": "/data/a b*[x]{y}\"q\\z@?^,#"}],
 "exec": {"allow": ["/x/[!a]", "/x/[]a]", "/x/\\[a", "/x/a\\*b", "/x/\\{a,b\\}", "/x/@\\{HOME\\}", "/x/sp ace"]}}
EOF
  sk_run show-odd "$CTL" profile show --apparmor "$CASE/p/odd.json"
  sk_assert_rc 0 "profile show --apparmor of a profile with AppArmor syntax in its paths"
  sk_run compile-odd parser_compile "$CASE/show-odd.out"
  sk_assert_rc 0 "apparmor_parser -Q -K of the generated profile with escaped paths"

  # The check can fail: a broken rule is refused by the parser.
  sed 's/^}$/  this is not a rule,\n}/' "$CASE/show-default.out" >"$CASE/broken.aa"
  sk_assert_grep "$CASE/broken.aa" 'this is not a rule' "the broken copy has its broken rule"
  sk_run compile-broken parser_compile "$CASE/broken.aa"
  sk_assert_rc_nonzero "apparmor_parser -Q -K of a broken profile"
}

t_apparmor_load() {
  local b active name
  active=$(lsm_active)
  [ "$active" = apparmor ] ||
    sk_skip_kernel "AppArmor is not active on this host (stockadectl verify: $(STOCKADE_CONFIG=/nonexistent "$CTL" verify 2>/dev/null | sed -n 's/^[a-z]* *apparmor *//p' | sed 's/; lost:.*//')): loading with apparmor_parser -r, process.apparmorProfile and the unload at delete cannot be tested here"
  sk_config
  b=$(sk_bundle b '.process.args=["cat", "/proc/self/attr/current"]') || sk_fail bundle
  sk_new_id aa
  sk_run create sk_sk create --bundle "$b" "$SK_ID"
  sk_assert_rc 0 "stockade create with AppArmor active"
  name=$(jq -r '.process.apparmorProfile' "$b/config.json")
  case $name in stockade-default-*) ;; *) sk_fail "process.apparmorProfile: got \"$name\"" ;; esac
  sk_assert_grep /sys/kernel/security/apparmor/profiles "^$name " "the profile is loaded"
  sk_run start sk_sk start "$SK_ID"
  sk_wait_status "$SK_ID" stopped 20 || sk_fail "the container did not finish"
  sk_assert_grep "$CASE/create.out" "^$name " "the container runs under the profile"
  sk_run delete sk_sk delete "$SK_ID"
  sk_assert_rc 0 "stockade delete"
  sk_assert_no_grep /sys/kernel/security/apparmor/profiles "^$name " "the profile is unloaded with its last container"
}

# A profile like default with "lsm": "required", the case's default.
lsmreq_profile() { sk_default_profile lsmreq '.lsm="required"'; }

t_required_refused() {
  local b ev
  [ "$(lsm_active)" = none ] || sk_skip "an LSM is active here ($(lsm_active)): \"lsm\": \"required\" is met, nothing to refuse"
  sk_config
  lsmreq_profile
  b=$(sk_bundle b '.process.args=["sh", "-c", "echo CONTAINER-RAN"]') || sk_fail bundle
  cp "$b/config.json" "$CASE/orig.json"
  sk_new_id req
  sk_run create sk_sk create --bundle "$b" "$SK_ID"
  sk_assert_rc 1 "enforce mode refuses a profile that requires an LSM on a host without one"
  sk_assert_grep "$CASE/create.err" "^stockade: refusing container \"$SK_ID\"" "the refusal names the container"
  sk_assert_grep "$CASE/create.err" '^stockade:   SK-LSM-REQUIRED: profile lsmreq requires an LSM but neither AppArmor nor SELinux is active on this host \(active: [^)]+\); fix: .+' \
    "the reason names the profile, both LSMs and what is active"
  sk_assert_no_placeholders "$CASE/create.err" "refusal"
  sk_assert_no_grep "$CASE/create.out" CONTAINER-RAN "the refused container did not run"
  sk_assert_same "$b/config.json" "$CASE/orig.json" "config.json after the refusal"
  sk_assert_eq "$(find "$b" -maxdepth 1 -newer "$CASE/orig.json" ! -path "$b" | head -n 3)" "" "nothing new in the bundle"
  sk_assert_eq "$(sk_state_status "$SK_ID")" absent "runtime state of the refused container"
  sk_assert_state_empty "refused create"
  sk_assert_event "$SK_ID" 'select(.type == "spec-finding" and .rule == "SK-LSM-REQUIRED" and .decision == "deny")' \
    "the refusal is an event"
  ev=$SK_EVENT
  sk_assert_eq "$(jq -r .profile.name <<<"$ev")" lsmreq "event profile"

  # complain mode reports the same and runs it.
  sk_spec "$b" '.annotations["stockade.io/mode"]="complain"'
  sk_new_id reqc
  sk_run run sk_sk --log "$CASE/run.log" run --bundle "$b" "$SK_ID"
  sk_assert_rc 0 "complain mode runs it"
  sk_assert_grep "$CASE/run.out" CONTAINER-RAN "the container ran in complain mode"
  sk_assert_grep "$CASE/run.log" 'SK-LSM-REQUIRED: .*enforce mode would refuse' "complain mode says enforce would refuse"
  sk_assert_no_grep "$CASE/run.err" 'SK-LSM' "not on the container's stderr"
}

t_optional_runs() {
  local b d lsmjson ev
  [ "$(lsm_active)" = none ] || sk_skip "an LSM is active here ($(lsm_active)): this case is about a host without one"
  sk_config
  b=$(sk_bundle b '.process.args=["sh", "-c", "echo CONTAINER-RAN"]') || sk_fail bundle
  sk_new_id opt
  sk_run create sk_sk create --bundle "$b" "$SK_ID"
  sk_assert_rc 0 "an optional LSM layer does not stop the container"
  sk_assert_eq "$(jq -r '.process.apparmorProfile // "none"' "$b/config.json")" none "no process.apparmorProfile"
  sk_assert_eq "$(jq -r '.process.selinuxLabel // "none"' "$b/config.json")" none "no process.selinuxLabel"
  sk_assert_eq "$(jq -r '.linux.mountLabel // "none"' "$b/config.json")" none "no linux.mountLabel"
  d=$(sk_sup_dir "$SK_ID")
  [ -n "$d" ] || sk_fail "no state directory for $SK_ID"
  lsmjson=$(cat "$d/lsm.json" 2>/dev/null) || sk_fail "no lsm.json in the container's state"
  sk_assert_eq "$(jq -r .layer <<<"$lsmjson")" none "lsm.json layer"

  sk_assert_event "$SK_ID" 'select(.type == "lsm" and .details.detail == "not-active")' "the missing LSM is an event"
  ev=$SK_EVENT
  sk_assert_eq "$(jq -r '.details.layer + "/" + .details.lsm + "/" + .decision + "/" + .profile.name' <<<"$ev")" none/optional/info/default \
    "event fields"
  case $(jq -r .message <<<"$ev") in
    "profile default asks for an LSM but neither AppArmor nor SELinux is active on this host (active: "*) ;;
    *) sk_fail "event message: $(jq -r .message <<<"$ev")" ;;
  esac
  # once per container
  sk_assert_eq "$(sk_events "$SK_ID" 'select(.type == "lsm")' | wc -l)" 1 "lsm events of the container"
  # and read back with stockadectl
  sk_run events env STOCKADE_CONFIG="$CASE/stockade.json" "$CTL" events --json --container "$SK_ID"
  sk_assert_rc 0 "stockadectl events"
  sk_assert_eq "$(jq -r 'select(.type == "lsm") | .details.detail' "$CASE/events.out")" not-active "stockadectl events shows it"

  sk_run start sk_sk start "$SK_ID"
  sk_wait_status "$SK_ID" stopped 20 || sk_fail "the container did not finish"
  sk_assert_grep "$CASE/create.out" CONTAINER-RAN "the container ran"
  sk_run delete sk_sk delete "$SK_ID"
  sk_assert_rc 0 "stockade delete"
  sk_assert_state_empty "after delete"
}

t_off_asks_nothing() {
  local b
  sk_config
  sk_default_profile lsmoff '.lsm="off"'
  b=$(sk_bundle b '.process.args=["sh", "-c", "echo CONTAINER-RAN"]') || sk_fail bundle
  sk_new_id off
  sk_run run sk_sk run --bundle "$b" "$SK_ID"
  sk_assert_rc 0 "lsm off runs"
  sk_assert_grep "$CASE/run.out" CONTAINER-RAN "the container ran"
  sk_assert_eq "$(sk_events "$SK_ID" 'select(.type == "lsm")' | wc -l)" 0 "no lsm event with lsm off"
  sk_assert_eq "$(jq -r '.process.apparmorProfile // .process.selinuxLabel // "none"' "$b/config.json")" none \
    "nothing set with lsm off"
}

t_ctl_reports_layer() {
  local pd b
  RT=runc
  [ "$(lsm_active)" = none ] || sk_skip "an LSM is active here ($(lsm_active)): this case is about a host without one"
  sk_config
  lsmreq_profile
  pd=$CASE/profiles
  b=$(sk_bundle b '.process.user={uid: 1000, gid: 1000}') || sk_fail bundle
  sk_run check "$CTL" --profile-dir "$pd" check --json --profile lsmreq "$b"
  sk_assert_rc 1 "check of a required profile on a host without an LSM"
  sk_assert_eq "$(jq -r '.lsm.layer + "/" + (.lsm.refuse | tostring)' "$CASE/check.out")" none/true "check --json lsm"
  sk_assert_eq "$(jq -r '[.findings[] | select(.rule == "SK-LSM-REQUIRED") | .kind] | join(",")' "$CASE/check.out")" \
    refuse "check lists the refusal"
  sk_run checkd "$CTL" --profile-dir "$pd" check --profile default "$b"
  sk_assert_grep "$CASE/checkd.out" '^lsm \(optional\): none: profile default asks for an LSM .*; its containers run without one$' \
    "check says what an optional profile gets"
  sk_run verify env STOCKADE_CONFIG="$CASE/stockade.json" "$CTL" verify --json --profile lsmreq
  sk_assert_eq "$(jq -r '.checks[] | select(.id == "lsm-layer") | .status + "/" + .value' "$CASE/verify.out")" fail/none \
    "verify --profile of a required profile"
  sk_assert_rc 1 "verify fails when a required profile cannot get its LSM"
  sk_run verifyd env STOCKADE_CONFIG="$CASE/stockade.json" "$CTL" verify --json --profile default
  sk_assert_eq "$(jq -r '.checks[] | select(.id == "lsm-layer") | .status' "$CASE/verifyd.out")" warn \
    "verify --profile of an optional profile"
}

sk_case "lsm: the AppArmor profile of every shipped profile compiles (apparmor_parser -Q -K)" t_apparmor_compiles
sk_for_runtimes "lsm: AppArmor profile loaded, applied and unloaded" t_apparmor_load
sk_for_runtimes "lsm: required is refused in enforce mode without AppArmor or SELinux" t_required_refused
sk_for_runtimes "lsm: optional runs without an LSM and says so in an event" t_optional_runs
sk_for_runtimes "lsm: off asks for nothing" t_off_asks_nothing
sk_case "lsm: stockadectl check and verify --profile say what a profile gets here" t_ctl_reports_layer
