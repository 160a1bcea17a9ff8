#!/bin/bash
# shellcheck disable=SC2016 # jq filters are single-quoted on purpose
# stockadectl: check (exit codes, text and JSON, rule ids and guides),
# profile lint (file:line:column) and profile show. No container runs here:
# check must judge without running anything.
. "$(dirname "$0")/lib.sh"

CTL=$SK_BUILD/stockadectl

t_check_exit_codes() {
  local b
  [ -x "$CTL" ] || sk_fail "$CTL missing"
  RT=runc
  b=$(sk_bundle b '.root.readonly=false') || sk_fail bundle
  cp "$b/config.json" "$CASE/saved.json"

  # runc's default spec: root, writable root, extra caps -> hardened, not
  # refused: exit 0 (a CI gate), exit 1 with --strict.
  sk_run check "$CTL" --profile-dir "$SK_REPO/profiles" check "$b"
  sk_assert_rc 0 "what would only be hardened gives exit 0"
  sk_assert_grep "$CASE/check.out" '^HARDEN +SK-ROOTFS-WRITABLE: ' "writable root is listed"
  sk_assert_grep "$CASE/check.out" 'guide: CIS Docker Benchmark v1.6.0 5.13 .*; NSA/CISA Kubernetes Hardening Guide v1.2, ' \
    "each finding names its guide, with versions"
  sk_run strict "$CTL" --profile-dir "$SK_REPO/profiles" check --strict "$b"
  sk_assert_rc 1 "--strict fails on what would be hardened"
  sk_assert_same "$b/config.json" "$CASE/saved.json" "check changes nothing"

  # A host PID namespace and CAP_SYS_ADMIN: refusals, in JSON.
  sk_spec "$b" '.linux.namespaces |= map(select(.type != "pid")) | .process.capabilities.bounding += ["CAP_SYS_ADMIN"]'
  sk_run checkj "$CTL" --profile-dir "$SK_REPO/profiles" check --json "$b/config.json"
  sk_assert_rc 1 "findings give exit 1 with --json"
  sk_assert_eq "$(jq -r '[.findings[] | select(.kind=="refuse") | .rule] | sort | join(",")' "$CASE/checkj.out")" \
    "SK-CAP-DANGEROUS,SK-NS-HOST-PID" "refusals by rule id"
  sk_assert_eq "$(jq -r '.refusals' "$CASE/checkj.out")" 2 "refusal count"
  sk_assert_eq "$(jq -r '.profile' "$CASE/checkj.out")" default "the default profile is used"
  sk_assert_eq "$(jq -r '[.findings[] | select(.guide == "" or .fix == "")] | length' "$CASE/checkj.out")" 0 \
    "every finding has a guide and a fix"

  # A spec that needs nothing: exit 0.
  sk_spec "$b" '.process.user={"uid":1000,"gid":1000} | .root.readonly=true | .process.noNewPrivileges=true
    | .linux.namespaces += [{"type":"pid"}] | .process.capabilities = {"bounding":[],"effective":[],"permitted":[]}
    | .mounts |= map(if (.options // [] | index("ro")) then . else .options = ((.options // []) + ["noexec","nosuid","nodev"] | unique) end)
    | .linux.maskedPaths += ["/sys/devices/virtual/powercap", "/proc/scsi"]
    | .linux.seccomp = {"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}'
  sk_run clean "$CTL" --profile-dir "$SK_REPO/profiles" check --json "$b"
  sk_assert_eq "$(jq -r '[.findings[] | .rule] | join(",")' "$CASE/clean.out")" "SK-SECCOMP" \
    "only the seccomp note remains"
  sk_assert_rc 0 "the seccomp intersection is informational"

  # Bad input: exit 2 with file and position.
  printf '{"process": {"user": {"uid": 0.0}}}' >"$CASE/bad.json"
  sk_run bad "$CTL" --profile-dir "$SK_REPO/profiles" check "$CASE/bad.json"
  sk_assert_rc 2 "a malformed spec gives exit 2"
  sk_assert_grep "$CASE/bad.err" "bad.json:1:[0-9]+: process.user.uid" "the message names file, position and field"
  printf '{"process": ' >"$CASE/bad2.json"
  sk_run bad2 "$CTL" --profile-dir "$SK_REPO/profiles" check "$CASE/bad2.json"
  sk_assert_rc 2 "invalid JSON gives exit 2"
  sk_run noprof "$CTL" --profile-dir "$SK_REPO/profiles" check --profile nosuch "$b"
  sk_assert_rc 2 "an unknown profile gives exit 2"
  sk_assert_grep "$CASE/noprof.err" 'profile "nosuch" not found' "the message names the profile"
}

t_profile_lint_and_show() {
  local bad=$CASE/broken.json
  [ -x "$CTL" ] || sk_fail "$CTL missing"
  sk_run lint "$CTL" profile lint "$SK_REPO"/profiles/*.json
  sk_assert_rc 0 "the shipped profiles lint clean"
  sk_assert_grep "$CASE/lint.out" 'default.json: ok' "each file is reported"

  printf '{\n  "name": "broken",\n  "capabilities": ["CAP_NOPE"]\n}\n' >"$bad"
  sk_run lintbad "$CTL" profile lint "$bad"
  sk_assert_rc 1 "a broken profile fails lint"
  sk_assert_grep "$CASE/lintbad.err" "broken.json:3:[0-9]+: capabilities\[0\]" "file:line:column and field"

  sk_run show "$CTL" --profile-dir "$SK_REPO/profiles" profile show web
  sk_assert_rc 0 "profile show"
  sk_assert_eq "$(jq -r '.name' "$CASE/show.out")" web "the resolved profile"
  sk_run gen "$CTL" --profile-dir "$SK_REPO/profiles" profile show --seccomp web
  sk_assert_rc 0 "profile show --seccomp"
  sk_assert_eq "$(jq -r '.architectures | length > 0' "$CASE/gen.out")" true \
    "the generated seccomp filter has architectures"
  sk_assert_eq "$(jq -r '[.syscalls[].names[]] | index("unshare")' "$CASE/gen.out")" null \
    "unshare is not in the allow-list"
}

sk_case "stockadectl check: exit codes, rule ids, JSON, bad input" t_check_exit_codes
sk_case "stockadectl profile lint and show" t_profile_lint_and_show

# stockadectl verify on this host: every protection stockade enforces is
# available here (the suite runs containers under them), and the facts it
# reports agree with what the shell sees from the same files.
t_verify() {
  local v=$CASE/verify.out aa=0 se=0 lsm layout unified rtv
  [ -x "$CTL" ] || sk_fail "$CTL missing"
  RT=runc
  sk_config
  export STOCKADE_CONFIG=$CASE/stockade.json
  sk_run verify "$CTL" verify --json
  sk_assert_rc 0 "verify passes on a host that runs the suite"
  check() { jq -r --arg id "$1" ".checks[] | select(.id == \$id) | $2" "$v"; }
  sk_assert_eq "$(jq -r .ok "$v")" true "ok in JSON"
  sk_assert_eq "$(check fanotify .status)" ok "fanotify permission events"
  sk_assert_eq "$(check seccomp-notify .status)" ok "seccomp user-notify"
  sk_assert_eq "$(check runtime .status)" ok "runc passes listenerPath"
  rtv=$(runc --version | awk 'NR == 1 { sub(/[+-].*/, "", $3); print "runc " $3 }')
  sk_assert_eq "$(check runtime .value)" "$rtv" "the runtime's version as runc prints it"
  for id in pidfd openat2 memfd state-dir event-file; do
    sk_assert_eq "$(check "$id" .status)" ok "$id"
  done
  sk_assert_eq "$(jq -r '[.checks[] | select(.status == "fail")] | length' "$v")" 0 "no check fails"
  sk_assert_eq "$(jq -r '[.checks[] | select(.status != "ok" and .lost == "")] | length' "$v")" 0 \
    "every warning says what is lost"

  # Landlock: an ABI number, named in the detail.
  [[ $(check landlock .value) =~ ^[1-9][0-9]*$ ]] || sk_fail "landlock ABI: $(check landlock .value)"
  sk_assert_eq "$(check landlock .status)" ok "landlock is available"
  sk_assert_grep "$v" "\"ABI $(check landlock .value) " "the detail names the ABI"

  # AppArmor and SELinux, from the same files.
  lsm=$(cat /sys/kernel/security/lsm 2>/dev/null)
  [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] && [[ ,$lsm, == *,apparmor,* ]] && aa=1
  [ -r /sys/fs/selinux/enforce ] && se=1
  [ $aa = 1 ] || sk_assert_eq "$(check apparmor .value)" "not active" "AppArmor is not active here"
  [ $aa = 0 ] || sk_assert_eq "$(check apparmor .value)" active "AppArmor is active here"
  [ $se = 1 ] || sk_assert_eq "$(check selinux .value)" "not active" "SELinux is not active here"
  if [ $aa = 0 ] && [ $se = 0 ]; then
    sk_assert_eq "$(check apparmor .status)/$(check selinux .status)" warn/warn "no MAC LSM is a warning"
  fi

  # cgroup layout: the lib's statfs, refined by /sys/fs/cgroup/unified.
  layout=$(sk_cgroup_layout)
  if [ "$layout" = hybrid ]; then
    unified=$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)
    [ "$unified" = cgroup2fs ] || layout=legacy
  fi
  sk_assert_eq "$(check cgroup .value)" "$layout" "cgroup layout ($SK_CGROUP_LAYOUT per lib.sh)"

  # Text: one line per check, status first.
  sk_run text "$CTL" verify
  sk_assert_rc 0 "text verify"
  sk_assert_eq "$(grep -cE '^(ok|warn|fail) +[a-z0-9-]+ ' "$CASE/text.out")" "$(jq '.checks | length' "$v")" \
    "one line per check"
  sk_assert_grep "$CASE/text.out" '^ok +fanotify ' "fanotify line"

  # A runtime too old for listenerPath fails, and says what is lost.
  printf '#!/bin/sh\necho "runc version 1.0.3"\n' >"$CASE/oldrunc"
  chmod +x "$CASE/oldrunc"
  sk_config_edit '.runtime=$r' --arg r "$CASE/oldrunc"
  sk_run old "$CTL" verify
  sk_assert_rc 1 "an old runtime fails verify"
  sk_assert_grep "$CASE/old.out" '^fail +runtime +.*runc 1\.0\.3, too old for listenerPath.*; lost: no supervisor' \
    "the runtime line says why and what is lost"
  sk_config_edit '.runtime="/nonexistent/runc"'
  sk_run missing "$CTL" verify --json
  sk_assert_rc 1 "a missing runtime fails verify"
  sk_assert_eq "$(jq -r '.ok' "$CASE/missing.out")" false "ok is false"

  # crun on a cgroup v1 layout: a warning that says why.
  if [ "$layout" != unified ] && [ -x "$SK_CRUN" ]; then
    sk_config_edit '.runtime=$r' --arg r "$SK_CRUN"
    sk_run crun "$CTL" verify --json
    sk_assert_eq "$(jq -r '.checks[] | select(.id == "cgroup") | .status' "$CASE/crun.out")" warn \
      "crun on $layout cgroups is a warning"
  fi
}
sk_case "stockadectl verify: this host can enforce, facts match the host" t_verify
