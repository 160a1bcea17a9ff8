#!/bin/bash
# shellcheck disable=SC2016 # jq filters and in-container scripts are single-quoted on purpose
# A failure stockade causes names its rule (issue 14, item 6;
# include/stockade/diagnose.h). The engine's spec gives the workload root,
# capabilities and a writable root; the default profile takes them away.
# A call that then fails because of it is a "capability" or "write" event
# saying which rule took what, and the fix; the call still fails with the
# kernel's own errno, and calls that do not fail because of stockade (a high
# port, a write to /tmp, the runtime's own calls) are no event.
. "$(dirname "$0")/lib.sh"

dg_init() {
  trap 'sk_cleanup_containers; sk_cleanup_supervisors' EXIT
  sk_config '.eventRate=100000 | .eventBurst=100000'
}

# dg_field JQ-EXPR: a field of SK_EVENT (the last event asserted).
dg_field() { jq -r "$1" <<<"$SK_EVENT"; }

# A Docker-like spec: root, a writable root, the engine's capabilities.
DG_ENGINE='.root.readonly = false
  | .process.capabilities = ({} | .bounding = $c | .effective = $c | .permitted = $c)
  | .process.args = $a'
DG_CAPS='["CAP_CHOWN","CAP_KILL","CAP_NET_BIND_SERVICE","CAP_SETUID","CAP_SETGID"]'

t_diagnosed() {
  local b id out script
  dg_init
  script='probe bind 80; probe bind 8080; touch /tmp/f; chown 0 /tmp/f; echo chown=$?; chown 65534 /tmp/f; echo own=$?
probe write /etc/stockade-new; probe write /tmp/ok; cd /etc && probe write rel; mkdir /etc/d; echo mkdir=$?
mkdir /etc; echo exists=$?; probe write /etc/passwd; probe write /empty/x
probe write /etc/stockade-new; echo done=1; exec sleep 300'
  b=$(sk_bundle b "$DG_ENGINE" --argjson c "$DG_CAPS" --argjson a "$(sk_args_sh "$script")") || sk_fail "bundle"
  mkdir "$b/rootfs/empty"
  sk_new_id diag
  id=$SK_ID
  out=$CASE/run-diag.out
  sk_run run-diag sk_sk run -d --bundle "$b" "$id"
  sk_assert_rc 0 "stockade run -d"
  sk_assert_supervised "$id" "$b"
  # The hardened filter hands over what can fail because of hardening:
  # bind and chown (their capabilities were cut), the writes of paths
  # (openat only with flags that write), and nothing the profile left.
  jq -e '[.linux.seccomp.syscalls[] | select(.action == "SCMP_ACT_NOTIFY") | .names[]] | (index("bind") and index("chown") and index("mkdir"))' \
    "$b/config.json" >/dev/null || sk_fail "the hardened filter does not notify bind, chown and mkdir"
  jq -e '[.linux.seccomp.syscalls[] | select(.action == "SCMP_ACT_NOTIFY" and (.names | index("openat"))) | .args[0].op] | unique == ["SCMP_CMP_MASKED_EQ"]' \
    "$b/config.json" >/dev/null || sk_fail "openat is notified without a condition on its flags"
  sk_wait_grep "$out" '^done=1$' 30 || {
    sed 's/^/  container| /' "$out" >&2
    sk_fail "the container did not finish its script"
  }
  sed 's/^/  container| /' "$out" >&2
  # The kernel's answers are unchanged.
  sk_assert_eq "$(grep -c '^bind=EACCES$' "$out")" 1 "bind 80 fails with EACCES"
  sk_assert_eq "$(grep -c '^bind=OK$' "$out")" 1 "bind 8080 works"
  sk_assert_grep "$out" '^chown=1$' "chown to root fails"
  sk_assert_grep "$out" '^own=0$' "chown to oneself works"
  sk_assert_eq "$(grep -c '^write=EROFS$' "$out")" 5 "writes on the read-only root fail with EROFS"
  sk_assert_grep "$out" '^exists=1$' "mkdir of an existing directory fails (EEXIST)"
  sk_assert_eq "$(grep -c '^write=OK$' "$out")" 1 "the write to /tmp works"
  sk_assert_grep "$out" '^mkdir=1$' "mkdir on the read-only root fails"

  sk_assert_event "$id" 'select(.type == "capability" and .details.syscall == "bind")' "the bind to port 80"
  sk_assert_eq "$(dg_field '[.decision, .mechanism, .rule, .details.capability, .profile.name] | join(" ")')" \
    "deny seccomp SK-CAP-EXTRA CAP_NET_BIND_SERVICE default" "the bind event's fields"
  [[ $(dg_field .details.call) == *"port 80"* ]] || sk_fail "the call \"$(dg_field .details.call)\" names no port 80"
  [[ $(dg_field .details.fix) == *'"NET_BIND_SERVICE"'*capabilities* ]] || sk_fail "fix: $(dg_field .details.fix)"
  sk_assert_eq "$(dg_field .details.uid)" 65534 "the caller's uid"
  sk_assert_event "$id" 'select(.type == "capability" and .details.capability == "CAP_CHOWN")' "the chown to root"
  [[ $(dg_field .details.syscall) =~ ^(chown|fchown|fchownat|lchown)$ ]] ||
    sk_fail "the chown event's syscall: $(dg_field .details.syscall)"
  sk_assert_event "$id" 'select(.type == "write" and .details.path == "/etc/stockade-new")' "the write to /etc"
  sk_assert_eq "$(dg_field '[.decision, .mechanism, .rule, .details.errnoName] | join(" ")')" \
    "deny seccomp SK-ROOTFS-WRITABLE EROFS" "the write event's fields"
  # /etc has the image's files: an empty tmpfs there would hide them.
  [[ $(dg_field .details.fix) == *"mount a volume on /etc"* ]] || sk_fail "fix: $(dg_field .details.fix)"
  sk_assert_event "$id" 'select(.type == "write" and .details.path == "/empty/x")' "the write to an empty directory"
  [[ $(dg_field .details.fix) == 'add {"path": "/empty"} to profile "default"'"'"'s writablePaths' ]] ||
    sk_fail "fix: $(dg_field .details.fix)"
  sk_assert_event "$id" 'select(.type == "write" and .details.path == "/etc/passwd")' "the write to a file of the image"
  [[ $(dg_field .details.fix) == "/etc/passwd is a file of the image"* ]] || sk_fail "fix: $(dg_field .details.fix)"
  sk_assert_event "$id" 'select(.type == "write" and .details.path == "/etc/rel")' \
    "a relative write, at its full path"
  sk_assert_event "$id" 'select(.type == "write" and .details.path == "/etc/d")' "the mkdir"
  # One event for each: the second write to /etc/stockade-new only counts,
  # and what did not fail because of stockade is none.
  sleep 0.5
  sk_assert_eq "$(sk_events "$id" 'select(.type == "write" and .details.path == "/etc/stockade-new")' | wc -l)" 1 \
    "events for the two writes to /etc/stockade-new"
  sk_assert_eq "$(sk_events "$id" 'select(.type == "capability")' | wc -l)" 2 "capability events (bind 80, chown)"
  sk_assert_eq "$(sk_events "$id" 'select(.type == "write" and (.details.path | startswith("/tmp")))' | wc -l)" 0 \
    "events for the write to /tmp"
  sk_assert_eq "$(sk_events "$id" 'select(.type == "syscall")' | wc -l)" 0 "syscall events"
  sk_assert_eq "$(sk_events "$id" 'select(.type == "write" and .details.path == "/etc")' | wc -l)" 0 \
    "events for the mkdir of an existing directory (EEXIST, not EROFS)"

  # stockadectl events shows them.
  sk_run ctl "$SK_BUILD/stockadectl" events --file "$CASE/events.json" --container "$id" --type capability,write
  sk_assert_eq "$(wc -l <"$CASE/ctl.out")" 7 "stockadectl events --type capability,write"

  sk_run "delete-$id" sk_sk delete -f "$id"
  sk_assert_rc 0 "stockade delete -f"
}

# What the engine had not given is not stockade's doing: a read-only root
# and no capabilities in the engine's spec watch nothing.
t_not_ours() {
  local b
  dg_init
  b=$(sk_bundle b '.root.readonly = true | .process.capabilities = {} | .process.args = ["sleep", "300"]') || sk_fail "bundle"
  sk_new_id plain
  sk_run run-plain sk_sk run -d --bundle "$b" "$SK_ID"
  sk_assert_rc 0 "stockade run -d"
  jq -e '[.linux.seccomp.syscalls[] | select(.action == "SCMP_ACT_NOTIFY") | .names[]] | (index("bind") or index("chown") or index("mkdir") or index("openat")) | not' \
    "$b/config.json" >/dev/null || sk_fail "the filter notifies what hardening did not take away"
  sk_run "delete-$SK_ID" sk_sk delete -f "$SK_ID"
  sk_assert_rc 0 "stockade delete -f"
}

# What no event can show cheaply (every open would be a round trip): a file
# the profile's user may not read where the engine's root could.
# `stockadectl explain` answers from the container's state: the rule and the
# fix when stockade is the cause (exit 0), "not stockade's doing" otherwise
# (exit 1).
dg_explain() { # EXPECTED-RC WHAT ARGS...
  local rc=$1 what=$2
  shift 2
  STOCKADE_CONFIG=$CASE/stockade.json sk_run explain "$SK_BUILD/stockadectl" explain --root "$(sk_rt_root "$RT")" "$@"
  sed 's/^/  explain| /' "$CASE/explain.out" >&2
  sk_assert_rc "$rc" "stockadectl explain $*: $what"
}

t_explain() {
  local b id out
  dg_init
  b=$(sk_bundle b "$DG_ENGINE" --argjson c "$(jq -c '. + ["CAP_DAC_OVERRIDE"]' <<<"$DG_CAPS")" \
    --argjson a "$(sk_args_sh 'cat /etc/secret.conf; echo cat=$?; echo done=1; exec sleep 300')") || sk_fail "bundle"
  echo "password" >"$b/rootfs/etc/secret.conf"
  chown 999:999 "$b/rootfs/etc/secret.conf"
  chmod 0640 "$b/rootfs/etc/secret.conf"
  sk_new_id explain
  id=$SK_ID
  out=$CASE/run-explain.out
  sk_run run-explain sk_sk run -d --bundle "$b" "$id"
  sk_assert_rc 0 "stockade run -d"
  sk_wait_grep "$out" '^done=1$' 30 || sk_fail "the container did not finish its script"
  sk_assert_grep "$out" '^cat=1$' "cat of the 0640 file fails for the profile's user"

  dg_explain 0 "the unreadable file" "$id" --read /etc/secret.conf
  sk_assert_grep "$CASE/explain.out" '^  rule: SK-USER-ROOT ' "the rule"
  sk_assert_grep "$CASE/explain.out" 'set profile "default".s user to \{"uid": 999, "gid": 999\}' "the fix"
  sk_assert_grep "$CASE/explain.out" 'refused for uid 65534 at /etc/secret.conf \(mode 0640, owner 999:999\)' "where"
  dg_explain 0 "a new file on the read-only root" "$id" --write /etc/new.conf
  sk_assert_grep "$CASE/explain.out" '^  rule: SK-ROOTFS-WRITABLE$' "the rule of the write"
  dg_explain 0 "a low port" "$id" --bind 80
  sk_assert_grep "$CASE/explain.out" '^  rule: SK-CAP-EXTRA$' "the rule of the bind"
  dg_explain 1 "a file anyone may read" "$id" --read /etc/passwd
  sk_assert_grep "$CASE/explain.out" 'allowed for uid 65534' "the verdict on /etc/passwd"
  dg_explain 1 "a high port" "$id" --bind 8080
  dg_explain 1 "a writable path of the profile" "$id" --write /tmp/x
  sk_assert_grep "$CASE/explain.out" 'on the mount /tmp' "the verdict on /tmp"
  dg_explain 2 "a relative path" "$id" --read etc/passwd
  dg_explain 2 "an unknown container" nosuchcontainer --read /etc/passwd
  sk_assert_grep "$CASE/explain.err" 'no container "nosuchcontainer"' "the message for an unknown container"

  sk_run "delete-$id" sk_sk delete -f "$id"
  sk_assert_rc 0 "stockade delete -f"
}

sk_for_runtimes "diagnose: a failure hardening caused is an event naming the rule and the fix" t_diagnosed
sk_for_runtimes "diagnose: stockadectl explain names the rule behind an unreadable file, a write, a port" t_explain
sk_for_runtimes "diagnose: what the engine had not given is not watched" t_not_ours
