#!/bin/bash
# shellcheck disable=SC2016 # jq filters are single-quoted on purpose
# stockadectl as the operator's and CI's tool (issue 15): check's exit
# statuses as a gate, its references, devices, host paths and masked paths
# against what runc and podman really set; Kubernetes manifests (every kind
# of finding, hostile YAML); verify on a missing profile directory or a
# broken default profile; --help, --version and unknown flags for every
# command; profile lint reporting every error, and profile show linting
# back. No container runs here: check and lint judge without running.
. "$(dirname "$0")/lib.sh"

CTL=$SK_BUILD/stockadectl
FIX=$SK_REPO/tests/fixtures

ctl() { "$CTL" --profile-dir "$SK_REPO/profiles" "$@"; }

# check FILE...: run check --json on a config.json built by jq from runc's
# spec (tests/fixtures/runc-spec.json) with FILTER.
spec_from() { jq "$1" "$FIX/runc-spec.json" >"$CASE/$2.json"; }

t_gate() {
  [ -x "$CTL" ] || sk_fail "$CTL missing"
  # Clean: a non-root user, a read-only root, no capabilities, the engine's
  # filter. Only the seccomp intersection is left: informational.
  spec_from '.process.user = {"uid": 1000, "gid": 1000} | .process.noNewPrivileges = true
    | .process.capabilities = {"bounding": [], "effective": [], "permitted": []}
    | .mounts |= map(if .destination == "/proc" or .destination == "/dev"
                     then .options = ((.options // []) + ["noexec", "nosuid", "nodev"] | unique) else . end)
    | .linux.seccomp = {"defaultAction": "SCMP_ACT_ERRNO"}' clean
  sk_run clean ctl check --json "$CASE/clean.json"
  sk_assert_rc 0 "a clean spec gives exit 0"
  sk_assert_eq "$(jq -r '[.findings[].rule] | join(",")' "$CASE/clean.out")" SK-SECCOMP "only the seccomp note"
  sk_run cleans ctl check --strict "$CASE/clean.json"
  sk_assert_rc 1 "--strict fails even on the seccomp intersection"

  # Hardenable: runc's own default spec (root, capabilities): exit 0, and
  # no SK-MASKED-PATHS, since runc's defaults are what we require.
  cp "$FIX/runc-spec.json" "$CASE/runc.json"
  sk_run runc ctl check --json "$CASE/runc.json"
  sk_assert_rc 0 "a hardenable spec gives exit 0"
  sk_assert_eq "$(jq -r '.refusals' "$CASE/runc.out")" 0 "nothing refused"
  [ "$(jq -r '.fixes' "$CASE/runc.out")" -gt 0 ] || sk_fail "runc's spec has something to harden"
  sk_assert_eq "$(jq -r '[.findings[] | select(.rule == "SK-MASKED-PATHS")] | length' "$CASE/runc.out")" 0 \
    "SK-MASKED-PATHS does not fire on runc's defaults"
  sk_run runcs ctl check --strict "$CASE/runc.json"
  sk_assert_rc 1 "--strict fails on a hardenable spec"

  # podman's own spec (podman 4.3 create + init, tests/fixtures/podman-spec.json):
  # /proc/asound read-only instead of masked, /sys/dev/block masked.
  cp "$FIX/podman-spec.json" "$CASE/podman.json"
  sk_run podman ctl check --json "$CASE/podman.json"
  sk_assert_rc 0 "podman's spec: nothing refused"
  sk_assert_eq "$(jq -r '[.findings[] | select(.rule == "SK-MASKED-PATHS")] | length' "$CASE/podman.out")" 0 \
    "SK-MASKED-PATHS does not fire on podman's defaults"

  # Masked paths missing: named, and only those.
  spec_from '.linux.maskedPaths -= ["/proc/kcore", "/sys/firmware"] | .linux.readonlyPaths -= ["/proc/sys"]' masked
  sk_run masked ctl check --json "$CASE/masked.json"
  sk_assert_eq "$(jq -r '.findings[] | select(.rule == "SK-MASKED-PATHS") | .message' "$CASE/masked.out")" \
    "linux.maskedPaths lacks /proc/kcore, /sys/firmware; linux.readonlyPaths lacks /proc/sys: kernel interfaces the container could read or change" \
    "the missing paths are named"

  # Refusable: a host PID namespace: exit 1, with its references.
  spec_from '.linux.namespaces |= map(select(.type != "pid"))' hostpid
  sk_run hostpid ctl check --json "$CASE/hostpid.json"
  sk_assert_rc 1 "a refusable spec gives exit 1"
  sk_assert_eq "$(jq -r '.findings[] | select(.rule == "SK-NS-HOST-PID") | [.kind, .pss, .cis] | join("|")' "$CASE/hostpid.out")" \
    "refuse|PSS baseline: Host Namespaces|CIS Docker Benchmark v1.6.0 5.16 (the host's process namespace is not shared)" \
    "the finding names the PSS control and the CIS item with its version"
  sk_assert_grep "$CASE/hostpid.out" '"nsa": "NSA/CISA Kubernetes Hardening Guide v1.2, Kubernetes Pod security: Pod security enforcement"' \
    "and the NSA/CISA guide's section"
  sk_assert_eq "$(jq -r '[.findings[] | select(.guide == "" or .cis == null or .nsa == null)] | length' "$CASE/hostpid.out")" 0 \
    "every finding names CIS and NSA/CISA"
}

t_devices_and_paths() {
  [ -x "$CTL" ] || sk_fail "$CTL missing"
  spec_from '.linux.devices = [{"path": "/dev/mem", "type": "c", "major": 1, "minor": 1},
      {"path": "/dev/sda", "type": "b", "major": 8, "minor": 0}, {"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229}]
    | .linux.resources.devices += [{"allow": true, "type": "b", "major": 8, "access": "rw"},
      {"allow": true, "type": "c", "major": 1, "minor": 4, "access": "rwm"},
      {"allow": true, "type": "c", "access": "m"}]' devs
  sk_run devs ctl check --json "$CASE/devs.json"
  sk_assert_rc 1 "host devices are refused"
  sk_assert_eq "$(jq -r '[.findings[] | select(.rule == "SK-DEVICE-HOST") | .message | capture("(?<w>linux[.a-z]*devices\\[[0-9]\\])").w] | join(" ")' "$CASE/devs.out")" \
    "linux.resources.devices[1] linux.resources.devices[2] linux.devices[0] linux.devices[1]" \
    "/dev/mem and a block device (nodes and cgroup rules) are refused; /dev/fuse and mknod-only rules are not"

  # Sensitive host paths, each alone: refused.
  local p n=0
  for p in /var/log /root /home/user /etc/shadow /etc /run/docker.sock /var/run/containerd/containerd.sock /proc; do
    n=$((n + 1))
    spec_from ".mounts += [{\"destination\": \"/host\", \"type\": \"bind\", \"source\": \"$p\", \"options\": [\"rbind\", \"ro\"]}]" "m$n"
    sk_run "m$n" ctl check --json "$CASE/m$n.json"
    sk_assert_eq "$(jq -r '[.findings[] | select(.rule == "SK-MOUNT-SENSITIVE")] | length' "$CASE/m$n.out")" 1 \
      "a bind of host $p is refused"
  done
  spec_from '.mounts += [{"destination": "/host", "type": "bind", "source": "/sys/kernel", "options": ["rbind", "rw"]}]' sysrw
  sk_run sysrw ctl check --json "$CASE/sysrw.json"
  sk_assert_eq "$(jq -r '[.findings[] | select(.rule == "SK-MOUNT-SENSITIVE")] | length' "$CASE/sysrw.out")" 1 \
    "a writable bind of host /sys/kernel is refused"
  # What engines bind on purpose is not: their own state, a plain data dir.
  spec_from '.mounts += [{"destination": "/etc/hosts", "type": "bind", "options": ["rbind", "ro"],
      "source": "/run/containers/storage/overlay-containers/abc/userdata/hosts"},
    {"destination": "/data", "type": "bind", "source": "/srv/data", "options": ["rbind", "ro"]}]' ok
  sk_run ok ctl check --json "$CASE/ok.json"
  sk_assert_eq "$(jq -r '[.findings[] | select(.rule == "SK-MOUNT-SENSITIVE")] | length' "$CASE/ok.out")" 0 \
    "engine state files and data directories are not sensitive"
}

t_manifest() {
  local m=$FIX/k8s/workloads.yaml j
  [ -x "$CTL" ] || sk_fail "$CTL missing"
  sk_run man ctl check --json "$m"
  sk_assert_rc 1 "a manifest with refusals gives exit 1"
  j=$CASE/man.out
  sk_assert_eq "$(jq -r '.documents' "$j")" 8 "every document is read"
  sk_assert_eq "$(jq -r '.skipped | join(",")' "$j")" "document 8: Service clean (no containers)" "the Service is skipped"
  # one line per container: document, kind/name, container, kinds of finding
  w() { jq -r --argjson d "$1" --arg c "$2" '.workloads[] | select(.document == $d and .container == $c) | '"$3" "$j"; }
  rules() { w "$1" "$2" '[.findings[] | select(.kind == "'"$3"'") | .rule] | unique | join(",")'; }
  sk_assert_eq "$(w 1 app '[.kind, .name, .namespace, .profile, .mode, (.refusals|tostring)] | join(" ")')" \
    "Pod clean shop default enforce 0" "document 1: clean"
  sk_assert_eq "$(rules 2 app refuse)" "SK-CAP-DANGEROUS,SK-DEVICES-ALL,SK-MOUNT-SENSITIVE" "document 2: privileged"
  sk_assert_eq "$(w 2 app '[.findings[] | select(.rule == "SK-DEVICES-ALL") | .field] | join("")')" \
    securityContext.privileged "privileged is named as the field"
  sk_assert_eq "$(rules 3 agent refuse)" "SK-NS-HOST-IPC,SK-NS-HOST-NET,SK-NS-HOST-PID" "document 3: host namespaces"
  sk_assert_eq "$(rules 4 db refuse)" "SK-CAP-DANGEROUS" "document 4: capabilities add SYS_ADMIN"
  sk_assert_eq "$(w 5 shipper '[.findings[] | select(.rule == "SK-MOUNT-SENSITIVE") | .message] | join("; ")')" \
    "mounts[7] binds host path /var/log at /host/log; mounts[8] binds host path /run/containerd/containerd.sock at /run/containerd/containerd.sock writable" \
    "document 5: hostPath /var/log and the containerd socket"
  sk_assert_eq "$(rules 6 task fix)" "SK-CAP-EXTRA,SK-MOUNT-EXEC,SK-NNP,SK-ROOTFS-WRITABLE,SK-SECCOMP,SK-USER-ROOT" \
    "document 6: root, writable root, privilege escalation, Unconfined seccomp: hardened"
  sk_assert_eq "$(w 6 setup '[.init, .seccompProfile] | map(tostring) | join(" ")')" "true Unconfined" \
    "document 6: the initContainer too"
  sk_assert_eq "$(w 7 web '[.profile, .mode, (.refusals|tostring), (.reports|tostring)] | join(" ")')" \
    "web complain 0 1" "document 7: the annotation's profile, complain mode reports what enforce refuses"
  sk_assert_eq "$(jq -r '.refusals' "$j")" 9 "refusals in all"

  # Text: file, document index, kind/name, container on each heading.
  sk_run mantext ctl check "$m"
  sk_assert_grep "$CASE/mantext.out" "workloads.yaml:[0-9]+: document 3 \(DaemonSet hostns\), container \"agent\": profile \"default\", runtimeClassName stockade: enforce mode: 3 to refuse" \
    "the heading names file, line, document, kind/name and container"
  sk_assert_grep "$CASE/mantext.out" '^REFUSE  SK-NS-HOST-PID \(spec.hostPID\): ' "the finding names the manifest field"

  # Only the clean document: exit 0.
  awk '/^---/ { n++ } n == 1' "$m" >"$CASE/clean.yaml"
  sk_run clean ctl check "$CASE/clean.yaml"
  sk_assert_rc 0 "a clean manifest gives exit 0"
  sk_run cleans ctl check --strict "$CASE/clean.yaml"
  sk_assert_rc 1 "--strict fails on what would be hardened"

  # A pod annotation that crun acts on (the caller's groups kept) reaches
  # the spec: refused, and named as the pod's annotation.
  printf '%s\n' 'apiVersion: v1' 'kind: Pod' 'metadata:' '  name: groups' \
    '  annotations: {run.oci.keep_original_groups: "1"}' 'spec:' '  containers:' '  - {name: c, image: busybox}' \
    >"$CASE/groups.yaml"
  sk_run groups ctl check --json "$CASE/groups.yaml"
  sk_assert_rc 1 "a pod annotation crun acts on gives exit 1"
  sk_assert_eq "$(jq -r '.workloads[0].findings[] | select(.rule == "SK-RUNTIME-ANNOTATION") | [.kind, .field] | join(" ")' \
    "$CASE/groups.out")" "refuse metadata.annotations" "run.oci.keep_original_groups is refused as the pod's annotation"
}

t_manifest_hostile() {
  local d=$CASE/h
  [ -x "$CTL" ] || sk_fail "$CTL missing"
  mkdir -p "$d"
  # an alias bomb: 9 levels of 9 aliases, 387M values expanded
  {
    echo 'a0: &a0 [x, x, x, x, x, x, x, x, x]'
    for i in 1 2 3 4 5 6 7 8 9; do
      printf 'a%d: &a%d [' "$i" "$i"
      for k in 1 2 3 4 5 6 7 8 9; do printf '*a%d%s' $((i - 1)) "$([ $k = 9 ] || echo ', ')"; done
      echo ']'
    done
  } >"$d/bomb.yaml"
  printf 'a: %s%s\n' "$(printf '[%.0s' $(seq 200))" "$(printf ']%.0s' $(seq 200))" >"$d/deep.yaml"
  printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: caf\xe9}\n' >"$d/latin1.yaml"
  head -c $((9 << 20)) /dev/zero | tr '\0' '#' >"$d/huge.yaml"
  printf 'apiVersion: v1\nkind: Pod\nkind: Deployment\n' >"$d/dup.yaml"
  printf 'kind: [Pod\n' >"$d/syntax.yaml"
  local f want
  for f in bomb:'bomb.yaml:[0-9]+:[0-9]+: more than 200000 values' deep:'deep.yaml:1:[0-9]+: nested deeper than 64 levels' \
    latin1:'latin1.yaml: byte [0-9]+: not valid UTF-8' huge:'huge.yaml: 9437184 bytes, more than the 8388608' \
    dup:'dup.yaml:3:1: duplicate key "kind"' syntax:'syntax.yaml:2:1: not valid YAML'; do
    want=${f#*:}
    f=${f%%:*}
    sk_run "$f" timeout 20 "$CTL" check "$d/$f.yaml"
    sk_assert_rc 2 "$f: bad input gives exit 2"
    sk_assert_grep "$CASE/$f.err" "$want" "$f: one clear message with file and position"
  done
}

t_verify_profiles() {
  [ -x "$CTL" ] || sk_fail "$CTL missing"
  RT=runc
  sk_config ".profileDir = \"$CASE/nodir\""
  export STOCKADE_CONFIG=$CASE/stockade.json
  sk_run nodir "$CTL" verify --json
  sk_assert_rc 1 "verify fails without a profile directory"
  sk_assert_eq "$(jq -r '.checks[] | select(.id == "profile-dir") | .status' "$CASE/nodir.out")" fail \
    "the profile directory check fails"

  mkdir -p "$CASE/pd"
  cp "$SK_REPO"/profiles/*.json "$CASE/pd/"
  printf '{"name": "bad", "capabilities": ["CAP_NOPE"]}\n' >"$CASE/pd/bad.json"
  sk_config ".profileDir = \"$CASE/pd\""
  sk_run onebad "$CTL" verify --json
  sk_assert_eq "$(jq -r '.checks[] | select(.id == "profiles") | .status + " " + .value' "$CASE/onebad.out")" \
    "warn 1 of $(find "$CASE/pd" -maxdepth 1 -name '*.json' | wc -l) broken" "a broken profile of another name is a warning"
  sk_assert_eq "$(jq -r '.checks[] | select(.id == "default-profile") | .status' "$CASE/onebad.out")" ok \
    "the default profile loads"
  sk_assert_grep "$CASE/onebad.err" 'bad.json:1:[0-9]+: capabilities\[0\]' "the broken profile's error is printed"

  printf '{"name": "default", "user": 0}\n' >"$CASE/pd/default.json"
  sk_run dflt "$CTL" verify --json
  sk_assert_rc 1 "verify fails with a broken default profile"
  sk_assert_eq "$(jq -r '.checks[] | select(.id == "default-profile") | .status' "$CASE/dflt.out")" fail \
    "the default profile check fails"
  unset STOCKADE_CONFIG
}

t_help_version() {
  local cmd f
  [ -x "$CTL" ] || sk_fail "$CTL missing"
  RT=runc
  sk_config
  for cmd in "" check profile "profile lint" "profile show" "profile diff" learn events metrics verify version; do
    # shellcheck disable=SC2086 # cmd is words on purpose
    sk_run help "$CTL" $cmd --help
    sk_assert_rc 0 "stockadectl $cmd --help"
    sk_assert_grep "$CASE/help.out" '^usage: stockadectl' "stockadectl $cmd --help prints its usage"
    # shellcheck disable=SC2086
    sk_run ver "$CTL" $cmd --version
    sk_assert_rc 0 "stockadectl $cmd --version"
    sk_assert_eq "$(cat "$CASE/ver.out")" "stockadectl version $(sed -n 's/^VERSION := //p' "$SK_REPO/Makefile")" \
      "stockadectl $cmd --version prints the version"
    # shellcheck disable=SC2086
    sk_run bad "$CTL" $cmd --no-such-flag
    sk_assert_rc 2 "stockadectl $cmd: an unknown flag gives exit 2"
    sk_assert_eq "$(wc -l <"$CASE/bad.err")" 1 "stockadectl $cmd: one line for an unknown flag"
    sk_assert_grep "$CASE/bad.err" -- '--no-such-flag' "stockadectl $cmd: the line names the flag"
  done
  for f in --help --version; do
    sk_run hook "$SK_BUILD/stockade-hook" $f
    sk_assert_rc 0 "stockade-hook $f"
    sk_run rt env STOCKADE_CONFIG="$CASE/stockade.json" "$SK_BUILD/stockade" $f
    sk_assert_rc 0 "stockade $f"
    sk_run rtnc env STOCKADE_CONFIG="$CASE/none.json" "$SK_BUILD/stockade" $f
    sk_assert_rc 0 "stockade $f without a config"
  done
  sk_assert_grep "$CASE/rt.out" '^stockade version ' "stockade --version names stockade's version"
  sk_run hookbad "$SK_BUILD/stockade-hook" --no-such-flag
  sk_assert_rc 2 "stockade-hook: an unknown flag gives exit 2"
  sk_assert_eq "$(wc -l <"$CASE/hookbad.err")" 1 "stockade-hook: one line for an unknown flag"
}

t_lint() {
  local f=$CASE/three.json
  [ -x "$CTL" ] || sk_fail "$CTL missing"
  printf '{\n  "name": "three",\n  "capabilities": ["CAP_NOPE"],\n  "action": "explode",\n  "lsm": "maybe"\n}\n' >"$f"
  sk_run three "$CTL" profile lint "$f"
  sk_assert_rc 1 "a broken profile fails lint"
  sk_assert_eq "$(grep -c "three.json:[0-9]*:[0-9]*: " "$CASE/three.err")" 3 "lint reports all three errors of the file"
  sk_assert_grep "$CASE/three.err" 'three.json:3:[0-9]+: capabilities\[0\]' "the first"
  sk_assert_grep "$CASE/three.err" 'three.json:4:[0-9]+: action' "the second"
  sk_assert_grep "$CASE/three.err" 'three.json:5:[0-9]+: lsm' "the third"

  # Malformed globs: each refused, with the reason.
  local g n=0
  for g in '/usr/bin/[abc:unclosed "\["' '/opt/{a,b}/run:no braces' '/usr/bin/app :ends with white space' \
    '/usr/bin/a]b:without its "\["'; do
    n=$((n + 1))
    jq -nc --arg g "${g%%:*}" '{name: "g'$n'", exec: {allow: [$g]}}' >"$CASE/g$n.json"
    sk_run "g$n" "$CTL" profile lint "$CASE/g$n.json"
    sk_assert_rc 1 "glob ${g%%:*} is refused"
    sk_assert_grep "$CASE/g$n.err" "g$n.json:1:[0-9]+: exec.allow\[0\]: .*${g#*:}" "glob ${g%%:*}: the reason"
  done

  # Kubernetes' seccomp words.
  printf '{"name": "rd", "seccomp": "runtime/default"}\n' >"$CASE/rd.json"
  sk_run rd "$CTL" profile lint "$CASE/rd.json"
  sk_assert_rc 0 "runtime/default is the runtime's default filter"
  sk_run rds "$CTL" profile show --resolved "$CASE/rd.json"
  sk_assert_eq "$(jq -r .seccompSource "$CASE/rds.out")" default "runtime/default is stockade's default filter"
  printf '{"name": "un", "seccomp": "unconfined"}\n' >"$CASE/un.json"
  sk_run un "$CTL" profile lint "$CASE/un.json"
  sk_assert_rc 1 "unconfined is refused"
  sk_assert_grep "$CASE/un.err" 'un.json:1:[0-9]+: seccomp: "unconfined" means no syscall filter in Kubernetes' \
    "with Kubernetes' meaning, not as a missing file"

  # profile show: the output lints back, for every shipped profile.
  local p
  mkdir -p "$CASE/show"
  for p in "$SK_REPO"/profiles/*.json; do
    p=$(basename "$p" .json)
    "$CTL" --profile-dir "$SK_REPO/profiles" profile show "$p" >"$CASE/show/$p.json" || sk_fail "profile show $p"
    sk_run "lint-$p" "$CTL" profile lint "$CASE/show/$p.json"
    sk_assert_rc 0 "profile show $p lints clean"
  done
}

sk_case "check: exit 0 clean and hardenable, 1 refusable, --strict; references; masked paths vs runc and podman" t_gate
sk_case "check: host devices and sensitive host paths" t_devices_and_paths
sk_case "check: a multi-document Kubernetes manifest, one finding of each kind" t_manifest
sk_case "check: hostile YAML is bounded, with a clear error" t_manifest_hostile
sk_case "verify: the profile directory and the default profile" t_verify_profiles
sk_case "--help, --version and unknown flags for every command" t_help_version
sk_case "profile lint: every error, malformed globs, seccomp words; profile show lints" t_lint
