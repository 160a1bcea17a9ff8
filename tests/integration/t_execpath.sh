#!/bin/bash
# shellcheck disable=SC2016 # jq filters and in-container scripts are single-quoted on purpose
# Fail-closed exec classification (docs/security.md, "Which file an exec
# opens"): the supervisor resolves every exec path as the kernel will for
# the calling thread, denies whatever goes through /proc (descriptor and
# process links, /dev/fd, however spelled), and leaves to fanotify only
# files on the mounts it watches. Ordinary programs must not notice.
. "$(dirname "$0")/lib.sh"

# ---------------------------------------------------------------------------
# Case helpers (sv_init and sv_profile are lib.sh's)

# ep_bundle NAME PROFILE SCRIPT [JQ-FILTER]: sh -c SCRIPT under PROFILE.
ep_bundle() {
  sk_bundle "$1" ".process.args = \$a | .annotations[\"stockade.io/profile\"] = \$p | ${4:-.}" \
    --argjson a "$(sk_args_sh "$3")" --arg p "$2"
}

# ep_run BUNDLE TAG: run -d, wait for done=1. Sets EP_ID, EP_OUT, EP_IDENT.
ep_run() {
  sk_new_id "$2"
  EP_ID=$SK_ID
  EP_OUT=$CASE/run-$2.out
  sk_run "run-$2" sk_sk run -d --bundle "$1" "$EP_ID"
  sk_assert_rc 0 "stockade run -d"
  sk_assert_supervised "$EP_ID" "$1"
  EP_IDENT=$SK_SUP_IDENT
  sk_wait_grep "$EP_OUT" '^done=1$' 30 || {
    sed 's/^/  container| /' "$EP_OUT" >&2
    sk_fail "the container did not finish its script (status $(sk_state_status "$EP_ID"))"
  }
  sed 's/^/  container| /' "$EP_OUT" >&2
}

ep_delete() {
  sk_run "delete-$EP_ID" sk_sk delete -f "$EP_ID"
  sk_assert_rc 0 "stockade delete -f"
  sk_assert_unsupervised "$EP_ID" "$EP_IDENT" "after stockade delete"
}

ep_denials() { sk_events "$EP_ID" 'select(.decision == "deny" and .type != "spec-finding")'; }

# ep_assert_eperm KEY WHAT: the container's KEY= line says EPERM (the
# supervisor's answer: Landlock's or noexec's would be EACCES).
ep_assert_eperm() { sk_assert_kv "$EP_OUT" "$1" EPERM "$2"; }

# ---------------------------------------------------------------------------
# 1. every spelling of a descriptor link is fileless, with its event

SPELLS='procself slashes dots relroot devfd symlink task threadself dirfd otherpid nofiles opath'

t_spellings() {
  local b s n ev
  sv_init
  b=$(ep_bundle b default 'exectest spell /bin/sktrue /opt/fdscript; echo done=1; exec sleep 300') || sk_fail "bundle"
  mkdir -p "$b/rootfs/opt"
  printf '#!/dev/fd/7\n' >"$b/rootfs/opt/fdscript"
  chmod 0755 "$b/rootfs/opt/fdscript"
  ep_run "$b" spell
  sk_assert_kv "$EP_OUT" spell-copy OK "the memfd, the /tmp copy and the /tmp link were made"
  for s in $SPELLS script; do
    ep_assert_eperm "spell-$s" "exec through spelling \"$s\""
  done
  # One fileless deny event per refused exec: 12 from the seccomp side,
  # the script's from fanotify (its interpreter).
  sk_wait_event "$EP_ID" 'select(.type == "fileless" and .process.path == "/opt/fdscript")' 5 >/dev/null
  sk_events "$EP_ID" 'select(.decision == "deny") | [.mechanism, .type, .process.path, .process.argv[0]]' | sed 's/^/  deny| /' >&2
  n=$(sk_events "$EP_ID" 'select(.type == "fileless" and .decision == "deny" and .mechanism == "seccomp")' | wc -l)
  sk_assert_eq "$n" 12 "fileless deny events from the seccomp side"
  for s in /proc/self/fd/7 //proc//self///fd//7 /dev/fd/7 /tmp/exectest-fdlink proc/self/fd/7; do
    sk_assert_event "$EP_ID" 'select(.type == "fileless" and .process.path == $p)' "fileless event for $s" --arg p "$s"
    sk_assert_eq "$(jq -r .mitre.technique <<<"$SK_EVENT")" T1620 "technique of $s"
    sk_assert_eq "$(jq -r '.process.argv[0]' <<<"$SK_EVENT")" spelled "argv of $s"
  done
  sk_assert_event "$EP_ID" 'select(.type == "fileless" and .process.path == "/opt/fdscript")' "the script's event"
  sk_assert_eq "$(jq -r .mechanism <<<"$SK_EVENT")" fanotify "the script is denied on the file opened"
  jq -r .message <<<"$SK_EVENT" | grep -q 'interpreter /dev/fd/7' ||
    sk_fail "the script's event does not name its interpreter: $(jq -r .message <<<"$SK_EVENT")"
  ev=$(sk_events "$EP_ID" 'select(.type == "fileless" and .process.path == "/tmp/exectest-opath")' | head -n 1)
  [ -n "$ev" ] || sk_fail "no fileless event for the O_PATH descriptor of /tmp/exectest-opath"
  sk_assert_eq "$(ep_denials | jq -r .type | sort -u | tr '\n' ' ')" "fileless " "every deny here is fileless"
  ep_delete
}

# ---------------------------------------------------------------------------
# 2. ordinary programs run, with no deny event: relative paths in the
# image, PATH searches that miss first, symlinked busybox applets, scripts

ORDINARY='set -e
cd /bin && ./sktrue && probe exec ./sktrue | grep -qx exec=OK
cd / && bin/sktrue && ./bin/sktrue && /bin/../bin/./sktrue
PATH=/nope:/usr/nope:/bin sktrue
PATH=/nope:/bin env sktrue
env -i /bin/env sktrue 2>/dev/null || true
ls / >/dev/null && cat /etc/passwd >/dev/null && /bin/ls -d /tmp >/dev/null
test "$(sh -c "echo ok")" = ok
/opt/ok.sh | grep -qx script-ok
cd /opt && ./ok.sh | grep -qx script-ok
probe exec /opt/missing | grep -qx exec=ENOENT
probe exec /opt | grep -qx exec=EACCES
echo ALL-OK; echo done=1; exec sleep 300'

t_ordinary() {
  local b
  sv_init
  b=$(ep_bundle b default "$ORDINARY") || sk_fail "bundle"
  mkdir -p "$b/rootfs/opt"
  printf '#!/bin/sh\necho script-ok\n' >"$b/rootfs/opt/ok.sh"
  chmod 0755 "$b/rootfs/opt/ok.sh"
  ep_run "$b" ordinary
  sk_assert_grep "$EP_OUT" '^ALL-OK$' "the script ran to its end (set -e)"
  sk_assert_eq "$(ep_denials | head -n 3)" "" "deny events for ordinary programs"
  ep_delete
}

# ---------------------------------------------------------------------------
# 3. allow-list and block-list are independent; Landlock never decides
# first: a program outside exec.allow is refused by the supervisor, with
# its event, although a block-list exists and Landlock would refuse it too

t_allow_and_block() {
  local b blk
  sv_init
  b=$(ep_bundle b ab 'echo "out-$(probe exec /opt/tools/sktrue2)"
echo "in-$(probe exec /bin/sktrue)"
echo "blocked-$(probe exec /bin/blocked)"
echo "interp-$(probe exec /bin/viatools.sh)"
echo done=1; exec sleep 300') || sk_fail "bundle"
  mkdir -p "$b/rootfs/opt/tools"
  cp "$SK_HELPERS/sktrue" "$b/rootfs/opt/tools/sktrue2"
  cp "$SK_BUSYBOX" "$b/rootfs/opt/tools/sh"
  { cat "$SK_HELPERS/sktrue" && echo blocked; } >"$b/rootfs/bin/blocked"
  printf '#!/opt/tools/sh\necho never\n' >"$b/rootfs/bin/viatools.sh"
  chmod 0755 "$b"/rootfs/opt/tools/* "$b/rootfs/bin/blocked" "$b/rootfs/bin/viatools.sh"
  blk=$(sha256sum <"$b/rootfs/bin/blocked" | cut -d' ' -f1)
  # Landlock on (the default): it allows execution beneath /bin only.
  sv_profile ab '.exec = {allow: ["/bin/*"]} | .blockHashes = [$blk]' --arg blk "$blk"
  ep_run "$b" ab
  sk_assert_kv "$EP_OUT" exec OK "an allowed program runs" in-
  sk_assert_kv "$EP_OUT" exec EPERM "outside exec.allow: the supervisor's EPERM, not Landlock's EACCES" out-
  sk_assert_kv "$EP_OUT" exec EPERM "a block-listed program" blocked-
  sk_assert_kv "$EP_OUT" exec EPERM "a script whose interpreter is outside exec.allow" interp-
  sk_assert_event "$EP_ID" 'select(.type == "not-allowed" and .process.path == "/opt/tools/sktrue2")' "not-allowed event"
  sk_assert_eq "$(jq -r .mechanism <<<"$SK_EVENT")" seccomp "decided before the kernel opens anything"
  sk_assert_event "$EP_ID" 'select(.type == "blocked-hash" and .process.path == "/bin/blocked")' "blocked-hash event"
  sk_assert_event "$EP_ID" 'select(.type == "not-allowed" and .process.path == "/bin/viatools.sh")' "the script's event"
  jq -r .message <<<"$SK_EVENT" | grep -q 'interpreter /opt/tools/sh' ||
    sk_fail "the script's event does not name its interpreter: $(jq -r .message <<<"$SK_EVENT")"
  # exactly one event per refused exec
  sk_assert_eq "$(ep_denials | jq -r .process.path | sort | uniq -d)" "" "a refused exec with two deny events"
  sk_assert_eq "$(ep_denials | wc -l)" 3 "deny events (one per refused exec)"
  ep_delete
}

# ---------------------------------------------------------------------------
# 4. what noexec would refuse silently: one drift event (fdExec on, so the
# descriptor is judged by its file)

t_noexec_fd() {
  local b
  sv_init
  sv_profile fdx '.exec.fdExec = true'
  b=$(ep_bundle b fdx 'exectest spell /bin/sktrue; echo done=1; exec sleep 300') || sk_fail "bundle"
  ep_run "$b" fdx
  ep_assert_eperm spell-opath "execveat of an O_PATH descriptor of a /tmp file"
  ep_assert_eperm spell-procself "/proc/self/fd/N stays denied with fdExec"
  sk_assert_event "$EP_ID" 'select(.type == "drift" and .process.path == "/tmp/exectest-opath")' "drift event"
  sk_assert_eq "$(jq -r .process.where <<<"$SK_EVENT")" tmpfs "where"
  sk_assert_event "$EP_ID" 'select(.type == "fileless" and .process.path == "/proc/self/fd/7")' "fileless event"
  ep_delete
}

# ---------------------------------------------------------------------------
# 5. complain mode: one event per exec too (the seccomp side reports and
# lets go on; fanotify, deciding the same file, does not report it again)

t_complain_once() {
  local b n
  sv_init
  sv_profile cpl '.landlock = "off" | .exec = {allow: ["/bin/*"]}'
  b=$(ep_bundle b cpl 'echo "out-$(probe exec /opt/tools/sktrue2)"; echo done=1; exec sleep 300') || sk_fail "bundle"
  mkdir -p "$b/rootfs/opt/tools"
  cp "$SK_HELPERS/sktrue" "$b/rootfs/opt/tools/sktrue2"
  SK_AS=stockade-complain ep_run "$b" cpl
  sk_assert_kv "$EP_OUT" exec OK "complain: the program runs" out-
  sk_assert_event "$EP_ID" 'select(.type == "not-allowed" and .process.path == "/opt/tools/sktrue2")' "complain event"
  sk_assert_eq "$(jq -r .decision <<<"$SK_EVENT")" report "complain: decision"
  sleep 0.5
  n=$(sk_events "$EP_ID" 'select(.type == "not-allowed")' | wc -l)
  sk_assert_eq "$n" 1 "not-allowed events for one exec in complain mode"
  SK_AS=stockade-complain ep_delete
}

# ---------------------------------------------------------------------------
# 6. an ELF's interpreter (PT_INTERP): a dynamic program with its ld.so and
# libc in the image runs; one whose PT_INTERP names /dev/fd/7 is fileless;
# ld.so outside exec.allow is refused by the supervisor, with an event,
# not by Landlock

t_elf_interp() {
  local b interp libc
  sv_init
  command -v cc >/dev/null && command -v readelf >/dev/null || sk_skip "needs cc and readelf to build a dynamic program"
  printf 'int main(void) { return 3; }\n' >"$CASE/m.c"
  b=$(ep_bundle b default 'echo "dyn-$(probe exec /opt/dyn)"; echo "bad-$(probe exec /opt/elfbad)"; echo done=1; exec sleep 300') ||
    sk_fail "bundle"
  mkdir -p "$b/rootfs/opt"
  cc -o "$b/rootfs/opt/dyn" "$CASE/m.c" 2>"$CASE/cc.err" || sk_fail "cc: $(cat "$CASE/cc.err")"
  cc -o "$b/rootfs/opt/elfbad" "$CASE/m.c" -Wl,--dynamic-linker=/dev/fd/7 2>"$CASE/cc.err" || sk_fail "cc: $(cat "$CASE/cc.err")"
  interp=$(readelf -l "$b/rootfs/opt/dyn" | sed -n 's/.*program interpreter: \(.*\)]$/\1/p')
  libc=$(cc -print-file-name=libc.so.6)
  [ -n "$interp" ] && [ -f "$libc" ] || sk_fail "cannot find the interpreter (\"$interp\") or libc (\"$libc\")"
  mkdir -p "$b/rootfs$(dirname "$interp")" "$b/rootfs$(dirname "$(readlink -f "$libc")")"
  cp -L "$interp" "$b/rootfs$interp"
  cp -L "$libc" "$b/rootfs$(readlink -f "$libc")"
  ln -s "$(readlink -f "$libc")" "$b/rootfs/opt/libc.so.6"
  # ld.so looks in its default directories; /opt too, for a libc found elsewhere
  sk_spec "$b" '.process.env += ["LD_LIBRARY_PATH=/opt"]'
  ep_run "$b" dyn
  sk_assert_kv "$EP_OUT" exec OK "a dynamic program, ld.so and libc in the image" dyn-
  sk_assert_kv "$EP_OUT" exec-status 3 "the dynamic program's own exit status (the only one that ran)"
  sk_assert_kv "$EP_OUT" exec EPERM "a program whose PT_INTERP is /dev/fd/7" bad-
  sk_assert_event "$EP_ID" 'select(.type == "fileless" and .process.path == "/opt/elfbad")' "PT_INTERP in /proc"
  sk_assert_eq "$(jq -r .mechanism <<<"$SK_EVENT")" fanotify "PT_INTERP: decided on the file opened"
  sk_assert_eq "$(ep_denials | wc -l)" 1 "deny events (only /opt/elfbad)"
  ep_delete

  # ld.so outside exec.allow (Landlock on: it allows execution beneath
  # /bin and /opt only)
  sv_profile nold '.exec = {allow: ["/bin/*", "/opt/*"]}'
  sk_spec "$b" '.annotations["stockade.io/profile"] = "nold"'
  ep_run "$b" nold
  sk_assert_kv "$EP_OUT" exec EPERM "ld.so outside exec.allow: the supervisor's EPERM, not Landlock's EACCES" dyn-
  sk_assert_event "$EP_ID" 'select(.type == "not-allowed" and .process.path == "/opt/dyn")' "ld.so not allowed"
  jq -r .message <<<"$SK_EVENT" | grep -qF "interpreter $interp" ||
    sk_fail "the event does not name the interpreter: $(jq -r .message <<<"$SK_EVENT")"
  ep_delete
}

sk_for_runtimes "execpath: every spelling of a descriptor link is denied as fileless, one event each" t_spellings
sk_for_runtimes "execpath: ordinary programs (relative, PATH search, applets, scripts) run without a deny" t_ordinary
sk_for_runtimes "execpath: exec.allow is enforced with a block-list, before Landlock, interpreters too" t_allow_and_block
sk_for_runtimes "execpath: a descriptor's file on a noexec mount is refused with a drift event" t_noexec_fd
sk_for_runtimes "execpath: complain mode reports each exec once" t_complain_once
sk_for_runtimes "execpath: an ELF's interpreter must pass like the program" t_elf_interp
