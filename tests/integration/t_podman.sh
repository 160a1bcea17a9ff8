#!/bin/bash
# shellcheck disable=SC2016 # jq filters and in-container scripts are single-quoted on purpose
# podman (Debian's 4.3, with conmon) in front of stockade, and podman with
# plain runc plus stockade-hook from a private hooks directory.
#
# Every podman command runs with storage, state and configuration of its
# own below the case directory, never the host's: --root, --runroot,
# --tmpdir, CONTAINERS_CONF (cgroupfs, file events, file locks) and
# CONTAINERS_STORAGE_CONF (vfs driver: no overlay mounts to leave behind).
# The image is the test rootfs (busybox and the helpers) imported with
# `podman import`. podman calls the runtime itself for start, kill, delete
# and exec, with an environment of its own (conmon only for create), so
# STOCKADE_CONFIG reaches stockade through a wrapper script; the wrapper
# also gives runc a --root of the case's (podman passes none).
. "$(dirname "$0")/lib.sh"

PM_PODMAN=${PM_PODMAN:-$(command -v podman || echo /usr/bin/podman)}
PM_IMAGE=localhost/stockade-test:latest
PM_ULIMITS=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

# Why podman cannot be tested here, or nothing.
pm_missing() {
  [ -x "$PM_PODMAN" ] || { echo "podman not installed ($PM_PODMAN; apt-get install podman)"; return; }
  command -v conmon >/dev/null || [ -x /usr/libexec/podman/conmon ] || { echo "conmon not installed (apt-get install conmon)"; return; }
  [ -x "$SK_RUNC" ] || echo "runc not installed ($SK_RUNC)"
}

# pm_init: the case's podman world in $CASE/pm, the stockade config (runc),
# the wrapper $CASE/bin/stockade-podman, the imported image, and a cleanup
# that ends every container, conmon, supervisor and hook of the case.
pm_init() {
  # shellcheck disable=SC2034 # read by lib.sh (sk_config, sk_rt)
  RT=runc
  PM=$CASE/pm
  mkdir -p "$PM/root" "$PM/runroot" "$PM/tmp" "$CASE/bin" || sk_fail "cannot make $PM"
  trap 'pm_cleanup' EXIT
  cat >"$PM/containers.conf" <<EOF
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PM/podman-events.log"
lock_type = "file"
tmp_dir = "$PM/tmp"
volume_path = "$PM/root/volumes"
static_dir = "$PM/root/libpod"
EOF
  cat >"$PM/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$PM/root"
runroot = "$PM/runroot"
EOF
  sk_config '.eventRate=100000 | .eventBurst=100000'
  cat >"$CASE/bin/stockade-podman" <<EOF
#!/bin/sh
# podman's runtime: stockade with this case's config and runc state.
STOCKADE_CONFIG=$CASE/stockade.json
export STOCKADE_CONFIG
exec $SK_BIN --root $CASE/root-runc "\$@"
EOF
  chmod 0755 "$CASE/bin/stockade-podman"
  PM_RUNTIME=$CASE/bin/stockade-podman
  sk_run import pm_import
  sk_assert_rc 0 "podman import of the test rootfs"
}

# pm ARGS...: podman with the case's storage, state and runtime.
pm() {
  CONTAINERS_CONF=$PM/containers.conf CONTAINERS_STORAGE_CONF=$PM/storage.conf \
    timeout -k 5 60 "$PM_PODMAN" --root "$PM/root" --runroot "$PM/runroot" --tmpdir "$PM/tmp" \
    --storage-driver vfs --cgroup-manager=cgroupfs --events-backend=file --runtime "$PM_RUNTIME" "$@"
}

pm_import() {
  tar -C "$SK_RUN_DIR/rootfs" -c . | pm import - "$PM_IMAGE"
}

# The processes of this case (their command line names the case directory,
# or their root is in it): conmon, podman's cleanup, stockade, containers.
# Not this shell.
pm_case_pids() {
  local p pid
  for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    [ "$pid" = $$ ] || [ "$pid" = "$BASHPID" ] && continue
    if [[ $({ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null) == *"$CASE/"* || $(readlink "$p/root" 2>/dev/null) == "$CASE/"* ]]; then
      echo "$pid"
    fi
  done
}

# Cleanup: podman removes its containers; whatever is left is ended by pid
# (runc containers of the case's root, supervisors, hook supervisors, conmon),
# and any mount below the case directory is detached.
pm_cleanup() {
  local pid mnt id
  [ -n "${PM:-}" ] && [ -d "$PM" ] && pm rm -a -f -t 0 >/dev/null 2>&1
  sk_cleanup_containers
  if [ -f "$CASE/runc-ids" ]; then
    while read -r id || [ -n "$id" ]; do
      [ -n "$id" ] && timeout 10 "$SK_RUNC" delete -f "$id" >/dev/null 2>&1
    done <"$CASE/runc-ids"
  fi
  sk_cleanup_supervisors
  sk_cleanup_hook_sups
  for pid in $(pm_case_pids); do
    sk_log "cleanup: pid $pid still running: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null); killed"
    kill -KILL "$pid" 2>/dev/null
  done
  while read -r _ _ _ _ mnt _; do
    [[ $mnt == "$CASE"/* ]] && echo "$mnt"
  done </proc/self/mountinfo | sort -r | while read -r mnt; do
    umount -l "$mnt" 2>/dev/null
  done
  return 0
}

# pm_supervised ID: SK_SUP_* of podman container ID's stockade supervisor.
pm_supervised() {
  local id=$1
  SK_SUP_DIR=$(sk_sup_dir "$id")
  [ -n "$SK_SUP_DIR" ] || sk_fail "container $id: no stockade state names it (podman did not run it through stockade?)"
  SK_SUP_PID=$(tr -dc '0-9' <"$SK_SUP_DIR/sup.pid" 2>/dev/null)
  [ -n "$SK_SUP_PID" ] || sk_fail "container $id: no supervisor pid in $SK_SUP_DIR"
  SK_SUP_IDENT=$(sk_proc_ident "$SK_SUP_PID")
  sk_proc_alive "$SK_SUP_IDENT" || sk_fail "container $id: supervisor pid $SK_SUP_PID is not running"
  sk_log "container $id: supervisor pid $SK_SUP_PID"
}

# ---------------------------------------------------------------------------
# A. podman --runtime stockade

# run in the foreground: output, exit status, and that stockade hardened it
# (the profile's user) and supervised it (its start and stop events).
t_pm_run() {
  local id
  pm_init
  sk_run run pm run --rm --network=none "${PM_ULIMITS[@]}" --cidfile "$CASE/cid" "$PM_IMAGE" \
    sh -c 'echo hello-from-podman; id -u; exit 7'
  sk_assert_rc 7 "podman run: the container's exit status"
  sk_assert_grep "$CASE/run.out" '^hello-from-podman$' "podman run: the container's output"
  sk_assert_grep "$CASE/run.out" '^65534$' "podman run: stockade ran it as the default profile's user"
  id=$(cat "$CASE/cid")
  [ ${#id} = 64 ] || sk_fail "podman's cidfile holds \"$id\", expected a 64-hex container id"
  sk_assert_event "$id" 'select(.type == "supervisor" and .details.event == "started")' "the supervisor started for podman's container"
  sk_assert_event "$id" 'select(.type == "supervisor" and .details.event == "stopped")' "the supervisor stopped with it"
  sk_assert_event "$id" 'select(.type == "spec-finding" and .rule == "SK-USER-ROOT")' "podman's spec was judged"
  sk_assert_no_stockade "after podman run --rm"
  sk_assert_state_empty "after podman run --rm"
}

# run -d, exec, stop, rm: the exec goes through stockade (profile's user),
# the supervisor lives with the container and is gone with it, nothing is
# left (stockade state, runc state, conmon).
t_pm_lifecycle() {
  local id ident
  pm_init
  sk_run run pm run -d --network=none "${PM_ULIMITS[@]}" "$PM_IMAGE" \
    sh -c 'trap "exit 0" TERM; echo up; while :; do sleep 0.2; done'
  sk_assert_rc 0 "podman run -d"
  id=$(tr -d '\n' <"$CASE/run.out")
  [ ${#id} = 64 ] || sk_fail "podman run -d printed \"$id\", expected a container id"
  pm_supervised "$id"
  ident=$SK_SUP_IDENT
  sk_run exec pm exec "$id" sh -c 'echo exec-ran; id -u'
  sk_assert_rc 0 "podman exec"
  sk_assert_grep "$CASE/exec.out" '^exec-ran$' "podman exec: output"
  sk_assert_grep "$CASE/exec.out" '^65534$' "podman exec: stockade ran the exec as the profile's user"
  sk_proc_alive "$ident" || sk_fail "the supervisor died during podman exec"
  sk_run stop pm stop -t 5 "$id"
  sk_assert_rc 0 "podman stop"
  sk_wait_gone "$ident" 10 || sk_fail "supervisor pid ${ident%%:*} still runs after podman stop"
  sk_run rm pm rm "$id"
  sk_assert_rc 0 "podman rm"
  sk_run ps pm ps -a -q
  sk_assert_eq "$(cat "$CASE/ps.out")" "" "podman ps -a after rm"
  sk_assert_eq "$(sk_rt list -q 2>/dev/null)" "" "runc containers of the case after podman rm"
  sk_assert_event "$id" 'select(.type == "supervisor" and .details.event == "stopped")' "the supervisor's stop event"
  sk_assert_no_stockade "after podman rm"
  sk_assert_state_empty "after podman rm"
  [ -z "$(pm_case_pids)" ] || sk_fail "processes of the case left after podman rm: $(pm_case_pids | tr '\n' ' ')"
}

# A program written to the writable tmpfs /tmp after start is denied, and
# the event names podman's container id.
t_pm_drift() {
  local id
  pm_init
  sk_run run pm run --rm --network=none "${PM_ULIMITS[@]}" --cidfile "$CASE/cid" "$PM_IMAGE" \
    sh -c 'exectest drift /bin/sktrue /tmp/drift-true; echo done=1'
  sk_assert_rc 0 "podman run"
  sk_assert_grep "$CASE/run.out" '^done=1$' "the container ran to its end"
  sk_assert_kv "$CASE/run.out" drift-copy OK "copying a program into /tmp"
  case $(sk_kv "$CASE/run.out" drift) in
    EPERM | EACCES) ;;
    *) sk_fail "executing the copy in /tmp: drift=$(sk_kv "$CASE/run.out" drift), expected EPERM or EACCES" ;;
  esac
  id=$(cat "$CASE/cid")
  sk_assert_event "$id" 'select(.type == "drift" and .process.path == "/tmp/drift-true" and .decision == "deny")' \
    "drift event of podman's container"
  sk_assert_eq "$(jq -r .container.id <<<"$SK_EVENT")" "$id" "the event's container is podman's id"
  sk_assert_eq "$(jq -r .mitre.technique <<<"$SK_EVENT")" T1105 "drift event technique"
  sk_assert_eq "$(jq -r .process.where <<<"$SK_EVENT")" tmpfs "drift event where"
  sk_assert_no_stockade "after the drift container"
}

# ---------------------------------------------------------------------------
# B. podman --runtime runc with stockade-hook from a private hooks directory

# pm_hooks_dir: $CASE/hooks.d with the shipped packaging/hooks.d files
# (schema 1.0.0, createRuntime and poststop, when.always), pointed at the
# binary under test and the case's config.
pm_hooks_dir() {
  local f
  mkdir -p "$CASE/hooks.d"
  for f in "$SK_REPO"/packaging/hooks.d/*.json; do
    jq --arg h "$SK_BUILD/stockade-hook" --arg c "$CASE/stockade.json" \
      '.hook.path = $h | .hook.env = ["STOCKADE_CONFIG=" + $c]' "$f" >"$CASE/hooks.d/${f##*/}" || sk_fail "hooks.d: $f"
  done
  [ -f "$CASE/hooks.d/stockade-createRuntime.json" ] || sk_fail "packaging/hooks.d has no stockade-createRuntime.json"
}

# A drift exec in a podman container run by plain runc is denied by the
# hook's fanotify marks; the event carries podman's container id; the
# hook supervisor is gone with the container.
t_pm_hook() {
  local id
  pm_init
  [ -x "$SK_BUILD/stockade-hook" ] || sk_fail "stockade-hook binary $SK_BUILD/stockade-hook missing (run make B=${B} all)"
  pm_hooks_dir
  PM_RUNTIME=$SK_RUNC
  sk_run run pm --hooks-dir "$CASE/hooks.d" run --rm --network=none "${PM_ULIMITS[@]}" --cidfile "$CASE/cid" \
    "$PM_IMAGE" sh -c 'sktrue; echo image=$?; exectest drift /bin/sktrue /tmp/drift-true; echo done=1'
  [ -s "$CASE/cid" ] && cp "$CASE/cid" "$CASE/runc-ids"
  sk_assert_rc 0 "podman --runtime runc --hooks-dir run"
  sk_assert_grep "$CASE/run.out" '^done=1$' "the container ran to its end"
  sk_assert_kv "$CASE/run.out" image 0 "a program of the image runs under the hook"
  sk_assert_kv "$CASE/run.out" drift-copy OK "copying a program into /tmp (podman's writable root)"
  sk_assert_kv "$CASE/run.out" drift EPERM "executing the copy: fanotify denies it"
  id=$(cat "$CASE/cid")
  sk_assert_event "$id" 'select(.type == "drift" and .process.path == "/tmp/drift-true" and .decision == "deny")' \
    "drift event of podman's container"
  sk_assert_eq "$(jq -r .mechanism <<<"$SK_EVENT")" fanotify "drift event mechanism"
  sk_assert_eq "$(jq -r .process.where <<<"$SK_EVENT")" upper "drift event where"
  sk_assert_event "$id" 'select(.type == "supervisor" and .details.event == "started")' "the hook supervisor started"
  sk_assert_event "$id" 'select(.type == "supervisor" and .details.event == "stopped")' "the hook supervisor stopped"
  [ -z "$(find "$CASE/state/hook" -mindepth 1 2>/dev/null)" ] ||
    sk_fail "hook state left after podman run --rm: $(find "$CASE/state/hook" | tr '\n' ' ')"
  [ -z "$(pm_case_pids)" ] || sk_fail "processes of the case left: $(pm_case_pids | tr '\n' ' ')"
}

pm_case() {
  local why
  why=$(pm_missing)
  if [ -n "$why" ]; then
    sk_case "$1" sk_skip "$why"
  else
    sk_case "$@"
  fi
}

pm_case "podman --runtime stockade: run, exit status and output" t_pm_run
pm_case "podman --runtime stockade: run -d, exec, stop, rm leave nothing" t_pm_lifecycle
pm_case "podman --runtime stockade: drift exec denied, event with podman's id" t_pm_drift
pm_case "podman --runtime runc + stockade-hook (--hooks-dir): drift denied, event with podman's id" t_pm_hook
