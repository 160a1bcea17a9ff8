#!/bin/bash
# make demo: run a busybox container under stockade (in front of runc, enforce
# mode, default profile) and show in plain words what was hardened, as seen
# from the spec stockade wrote, from stockade's state and from inside the
# container (the probe helper). Then show a refusal. Needs root.
#
# Environment: B (build dir, default build), DEMO_KEEP=1 keeps the temp dir.
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/integration/lib.sh
. "$repo/tests/integration/lib.sh"

die() {
  echo "demo: $*" >&2
  exit 1
}
[ "$(id -u)" = 0 ] || die "must run as root (it runs a real container)"
[ -x "$SK_BIN" ] || die "$SK_BIN missing: run make B=$B all"
[ -x "$SK_PROBE" ] || die "$SK_PROBE missing: run make B=$B helpers"
[ -x "$SK_RUNC" ] || die "runc not installed: run make deps"
command -v jq >/dev/null || die "jq not installed: run make deps"

RT=runc
CASE=$(mktemp -d /tmp/stockade-demo.XXXXXX) || die "cannot make a temp dir"
chmod 0755 "$CASE"
cleanup() {
  sk_cleanup_containers
  if [ "${DEMO_KEEP:-0}" = 1 ]; then
    echo "(kept $CASE)"
  else
    rm -rf "$CASE"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Capability bit numbers to names (linux/capability.h).
CAP_NAMES=(CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE
  NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT
  SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE
  AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ
  PERFMON BPF CHECKPOINT_RESTORE)
caps_words() { # HEX -> "none" or "NET_BIND_SERVICE, KILL"
  local v=$((16#$1)) i out=
  for i in "${!CAP_NAMES[@]}"; do
    if (((v >> i) & 1)); then out="${out:+$out, }${CAP_NAMES[$i]}"; fi
  done
  echo "${out:-none}"
}
errno_words() {
  case $1 in
    OK) echo "allowed" ;;
    EPERM) echo "denied (EPERM, Operation not permitted)" ;;
    EACCES) echo "denied (EACCES, Permission denied)" ;;
    EROFS) echo "denied (EROFS, Read-only file system)" ;;
    *) echo "failed ($1)" ;;
  esac
}
yesno() { [ "$1" = "$2" ] && echo yes || echo "no ($1)"; }
say() { printf '%s\n' "$*"; }
row() { printf '  %-28s %s\n' "$1" "$2"; }

# ---------------------------------------------------------------------------
sk_build_rootfs "$CASE/rootfs" >/dev/null 2>&1 || die "cannot build the busybox rootfs"
(cd "$CASE" && "$SK_RUNC" spec) || die "runc spec failed"
# What a careless image would ask for: root, a writable root, no NoNewPrivs.
script='probe all
echo "root-$(probe write /etc/evil)"
echo "tmp-$(probe write /tmp/scratch)"
echo "copy-$(probe copy /bin/probe /tmp/dropped)"
echo "noexec-$(probe exec /tmp/dropped status)"
echo "hello from $(hostname) as $(id -un 2>/dev/null || id -u)"'
jq --argjson a "$(sk_args_sh "$script")" \
  '.process.terminal=false | .hostname="demo" | .root.readonly=false | .process.noNewPrivileges=false
   | .process.user={uid: 0, gid: 0} | .process.args=$a' "$CASE/config.json" >"$CASE/config.spec" &&
  mkdir -p "$CASE/bundle" && mv "$CASE/rootfs" "$CASE/bundle/rootfs" &&
  mv "$CASE/config.spec" "$CASE/bundle/config.json" && rm -f "$CASE/config.json" || die "cannot write the bundle"
b=$CASE/bundle
cp "$b/config.json" "$CASE/orig.json"
sk_config || die "cannot write stockade's config"
say "== stockade demo: $(STOCKADE_CONFIG=$CASE/stockade.json "$SK_BIN" --version 2>/dev/null | head -n 1) in front of $("$SK_RUNC" --version | head -n 1)"

say ""
say "The bundle's config.json asks for:"
row "user" "uid $(jq -r .process.user.uid "$b/config.json"), gid $(jq -r .process.user.gid "$b/config.json")"
row "root filesystem" "$(jq -r 'if .root.readonly then "read-only" else "writable" end' "$b/config.json")"
row "capabilities" "$(jq -r '.process.capabilities.bounding | map(sub("^CAP_"; "")) | join(", ")' "$b/config.json")"
row "seccomp" "$(jq -r 'if .linux.seccomp then "a filter" else "none" end' "$b/config.json")"
row "no new privileges" "$(jq -r '.process.noNewPrivileges // false' "$b/config.json")"

SK_ID=sk-demo-$$
echo "runc $SK_ID" >>"$CASE/containers"
say ""
say "\$ stockade create --bundle $b $SK_ID   (STOCKADE_CONFIG=$CASE/stockade.json)"
sk_sk create --bundle "$b" "$SK_ID" </dev/null >"$CASE/out" 2>"$CASE/err"
rc=$?
sed 's/^/  /' "$CASE/err"
[ "$rc" = 0 ] || die "stockade create failed (exit $rc)"

say ""
say "What stockade wrote into the bundle's config.json (the original is kept):"
row "profile" "$(jq -r '.annotations["stockade.io/applied-profile"] // "?"' "$b/config.json") (mode $(jq -r '.annotations["stockade.io/mode"] // .annotations["stockade.io/applied-mode"] // "?"' "$b/config.json"), sha256 $(jq -r '.annotations["stockade.io/profile-sha256"] // "?"' "$b/config.json" | cut -c1-16)...)"
row "user" "uid $(jq -r .process.user.uid "$b/config.json"), gid $(jq -r .process.user.gid "$b/config.json")"
row "root filesystem" "$(jq -r 'if .root.readonly then "read-only" else "writable" end' "$b/config.json")"
row "capabilities" "$(jq -r '.process.capabilities.bounding // [] | map(sub("^CAP_"; "")) | if length == 0 then "none" else join(", ") end' "$b/config.json")"
row "seccomp" "$(jq -r 'if .linux.seccomp then "default action \(.linux.seccomp.defaultAction), \([.linux.seccomp.syscalls[]?.names[]?] | length) syscalls listed" else "none" end' "$b/config.json")"
row "no new privileges" "$(jq -r '.process.noNewPrivileges // false' "$b/config.json")"
row "writable mounts" "$(jq -r '[.mounts[] | select(.type == "tmpfs" and ((.options // []) | index("ro") | not)) | "\(.destination) (\((.options // []) | map(select(. == "noexec" or . == "nosuid" or . == "nodev")) | join(",")))"] | join("; ")' "$b/config.json")"
orig=$(find "$CASE/state" -name config.orig.json 2>/dev/null | head -n 1)
if [ -n "$orig" ] && cmp -s "$orig" "$CASE/orig.json"; then
  row "original spec" "kept unchanged in ${orig#"$CASE"/}"
else
  row "original spec" "NOT found in stockade's state dir"
fi

sk_sk start "$SK_ID" </dev/null >/dev/null 2>"$CASE/err.start" || die "stockade start failed: $(cat "$CASE/err.start")"
sk_wait_status "$SK_ID" stopped 20 2>/dev/null || die "the container did not finish"
o=$CASE/out

say ""
say "Seen from inside the container (tests/helpers/probe):"
row "runs as" "uid $(sk_kv "$o" uid), gid $(sk_kv "$o" gid) (the spec said 0)"
row "write to /etc" "$(errno_words "$(sk_kv "$o" write root-)")"
row "write to /tmp" "$(errno_words "$(sk_kv "$o" write tmp-)")"
row "run a binary from /tmp" "$(errno_words "$(sk_kv "$o" exec noexec-)")"
row "capabilities (effective)" "$(caps_words "$(sk_kv "$o" CapEff)")"
row "capabilities (bounding)" "$(caps_words "$(sk_kv "$o" CapBnd)")"
row "seccomp filter" "$(yesno "$(sk_kv "$o" Seccomp)" 2)"
row "no new privileges" "$(yesno "$(sk_kv "$o" NoNewPrivs)" 1)"
row "unshare (user+mount ns)" "$(errno_words "$(sk_kv "$o" unshare)")"
row "mount" "$(errno_words "$(sk_kv "$o" mount)")"
row "keyctl" "$(errno_words "$(sk_kv "$o" keyctl)")"
row "ordinary commands" "$(grep '^hello from' "$o" || echo "no output")"

sk_sk delete "$SK_ID" </dev/null >/dev/null 2>&1
left=$(find "$CASE/state" -name config.orig.json 2>/dev/null)
say ""
say "\$ stockade delete $SK_ID   -> stockade's state for it $([ -z "$left" ] && echo "removed" || echo "NOT removed")"

# ---------------------------------------------------------------------------
say ""
say "And a spec stockade refuses (CAP_SYS_ADMIN, the host's PID namespace):"
jq '.process.capabilities.bounding += ["CAP_SYS_ADMIN"] | .process.capabilities.effective += ["CAP_SYS_ADMIN"]
    | .linux.namespaces |= map(select(.type != "pid"))' "$CASE/orig.json" >"$b/config.json"
cp "$b/config.json" "$CASE/priv.json"
SK_ID=sk-demo-priv-$$
echo "runc $SK_ID" >>"$CASE/containers"
say "\$ stockade run --bundle $b $SK_ID"
sk_sk run --bundle "$b" "$SK_ID" </dev/null >/dev/null 2>"$CASE/err.priv"
rc=$?
sed 's/^/  /' "$CASE/err.priv"
say "  -> exit status $rc; config.json $(cmp -s "$b/config.json" "$CASE/priv.json" && echo "unchanged" || echo "CHANGED")"
