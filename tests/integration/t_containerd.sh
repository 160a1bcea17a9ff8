#!/bin/bash
# shellcheck disable=SC2016 # jq filters and in-container scripts are single-quoted on purpose
# containerd (1.6, Debian's) in front of stockade, the way a node runs it.
#
# One private containerd for this file: its config is written here (a
# node's config.toml modelled on Debian's, with root, state and both
# sockets under this file's directory in the run dir, and
# packaging/containerd/stockade.toml appended with the binaries' paths
# rendered), it runs in its own mount namespace whose /run is a tmpfs
# (containerd 1.6 puts the shims' sockets in /run/containerd/s whatever
# its state dir is: nothing of the host's /run is touched), and the EXIT
# trap stops it by pid, then any shim of it by pid. The image is made
# here from the test rootfs (busybox and the helpers) as an OCI layout by
# hand (tar, sha256sum, jq) and imported with `ctr images import`.
#
# Containers run with `ctr run --runc-binary WRAPPER`: the shim runs the
# wrapper exactly as it would run runc, with the shim's environment, which
# is containerd's (ctr's own environment never reaches it). The wrapper,
# one per mode in the case's bin/, sets STOCKADE_CONFIG to the case's
# config and executes a symlink to stockade named for the mode
# (stockade, stockade-complain, stockade-learn).
#
# CRI: the CRI plugin is loaded with the three handlers, but no pod is run
# (no crictl in Debian 12, and no CRI client here to drive one).
. "$(dirname "$0")/lib.sh"

CD_NS=stockade-test-$$
CD_IMAGE=localhost/stockade-test:latest
CD_HANDLERS="stockade stockade-complain stockade-learn"
CD=
CD_PID=
CD_SNAP=

# Why this file cannot run here, or nothing.
cd_missing() {
  local t
  command -v containerd >/dev/null || { echo "containerd not installed (Debian package containerd; run make deps)"; return; }
  for t in ctr containerd-shim-runc-v2; do
    command -v "$t" >/dev/null || { echo "$t not installed (it comes with Debian's containerd package)"; return; }
  done
  sk_rt_missing runc
}

# cd_ctr ARGS...: ctr against this file's containerd, in its namespace.
cd_ctr() { timeout -k 5 "$SK_TIMEOUT" ctr --address "$CD/containerd.sock" --namespace "$CD_NS" "$@"; }

# ---------------------------------------------------------------------------
# The image: the test rootfs as one uncompressed layer of an OCI layout

cd_arch() {
  case $(uname -m) in
    x86_64) echo amd64 ;;
    aarch64) echo arm64 ;;
    *) uname -m ;;
  esac
}

# cd_blob FILE MEDIA-TYPE: move FILE into the layout's blobs as its
# digest; print its descriptor.
cd_blob() {
  local sum size
  sum=$(sha256sum <"$1" | cut -d' ' -f1)
  size=$(stat -c %s "$1")
  mv "$1" "$CD/image/blobs/sha256/$sum"
  jq -nc --arg m "$2" --arg d "sha256:$sum" --argjson s "$size" '{mediaType: $m, digest: $d, size: $s}'
}

cd_make_image() {
  local d=$CD/image layer config manifest
  mkdir -p "$d/blobs/sha256"
  tar -C "$SK_RUN_DIR/rootfs" --numeric-owner --sort=name -cf "$d/layer" . || return 1
  layer=$(cd_blob "$d/layer" application/vnd.oci.image.layer.v1.tar) || return 1
  jq -nc --arg a "$(cd_arch)" --argjson l "$layer" '{architecture: $a, os: "linux",
      config: {Env: ["PATH=/bin"], Cmd: ["sh"]}, rootfs: {type: "layers", diff_ids: [$l.digest]}}' >"$d/config"
  config=$(cd_blob "$d/config" application/vnd.oci.image.config.v1+json) || return 1
  jq -nc --argjson c "$config" --argjson l "$layer" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: $c, layers: [$l]}' >"$d/manifest"
  manifest=$(cd_blob "$d/manifest" application/vnd.oci.image.manifest.v1+json) || return 1
  jq -nc --argjson m "$manifest" --arg a "$(cd_arch)" \
    '{schemaVersion: 2, manifests: [$m + {platform: {architecture: $a, os: "linux"},
      annotations: {"org.opencontainers.image.ref.name": "latest"}}]}' >"$d/index.json"
  echo '{"imageLayoutVersion": "1.0.0"}' >"$d/oci-layout"
  tar -C "$d" -cf "$CD/image.tar" oci-layout index.json blobs
}

# ---------------------------------------------------------------------------
# The config

# The snapshotter: overlayfs when this file system can hold an overlay
# (tried in a throwaway mount namespace, as containerd's own check mounts
# one), else native.
cd_pick_snapshotter() {
  local t=$CD/overlay-check
  mkdir -p "$t/lower" "$t/upper" "$t/work" "$t/merged"
  if unshare -m --propagation private \
    mount -t overlay overlay -o "lowerdir=$t/lower,upperdir=$t/upper,workdir=$t/work" "$t/merged" 2>/dev/null; then
    echo overlayfs
  else
    echo native
  fi
  rm -rf "$t"
}

# cd_wrapper DIR CONFIG MODE-NAME: DIR/MODE-NAME, the script a handler or
# --runc-binary names: it sets STOCKADE_CONFIG and executes stockade under
# the mode's name (a symlink in DIR/real).
cd_wrapper() {
  local dir=$1 config=$2 name=$3
  mkdir -p "$dir/real"
  ln -sf "$SK_BIN" "$dir/real/$name"
  printf '#!/bin/sh\n# run by containerd-shim-runc-v2 as it runs runc\nSTOCKADE_CONFIG=%s\nexport STOCKADE_CONFIG\nexec %s "$@"\n' \
    "$config" "$dir/real/$name" >"$dir/$name"
  chmod 0755 "$dir/$name"
}

# The node's part of config.toml: Debian's stock config (CNI dirs, opt
# path; no runtimes declared, so containerd's built-in runc handler is all
# it has until the handlers are appended: packaging/containerd/stockade.toml
# keeps it) with this file's paths, and
# restrict_oom_score_adj (no CAP_SYS_RESOURCE here: runc cannot lower a
# container's oom_score_adj below containerd's, which the kubelet asks
# for).
cd_node_config() {
  cat <<EOF
version = 2
root = "$CD/root"
state = "$CD/state"

[grpc]
  address = "$CD/containerd.sock"

[ttrpc]
  address = "$CD/containerd.sock.ttrpc"

[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    restrict_oom_score_adj = true
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "$CD/cni"
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "$CD_SNAP"
  [plugins."io.containerd.internal.v1.opt"]
    path = "$CD/opt"
EOF
}

# The shipped handlers with this file's binaries for /usr/bin/.
cd_handlers() { sed "s|\"/usr/bin/stockade|\"$CD/bin/stockade|" "$SK_REPO/packaging/containerd/stockade.toml"; }

# ---------------------------------------------------------------------------
# Start and stop

# cd_start: config, image, containerd; on failure $CD/why says what.
cd_start() {
  local n h
  CD=$(mktemp -d "$SK_RUN_DIR/containerd.XXXXXX") || return 1
  CD_SNAP=$(cd_pick_snapshotter)
  mkdir -p "$CD/cni" "$CD/fifo" "$CD/sk-state"
  # The handlers' binaries (the CRI handlers name them; no pod runs them
  # here, the case checks they run).
  jq -n --arg rt "$SK_RUNC" --arg pd "$SK_REPO/profiles" --arg sd "$CD/sk-state" --arg ev "$CD/events.json" \
    '{runtime: $rt, profileDir: $pd, stateDir: $sd, eventFile: $ev}' >"$CD/stockade.json"
  for h in $CD_HANDLERS; do
    cd_wrapper "$CD/bin" "$CD/stockade.json" "$h"
  done
  { cd_node_config && echo && cd_handlers; } >"$CD/config.toml"
  cd_make_image >"$CD/image.log" 2>&1 || { echo "cannot make the OCI image: $(tail -n 3 "$CD/image.log")" >"$CD/why"; return 1; }
  # unshare execs sh, sh execs containerd: $! is containerd's pid.
  SK_CD_ENV=containerd unshare -m --propagation private sh -c \
    'mount -t tmpfs -o mode=0755,size=16m stockade-test-run /run && exec containerd --config "$1"' \
    sk-containerd "$CD/config.toml" >"$CD/containerd.log" 2>&1 &
  CD_PID=$!
  echo "$CD_PID" >"$CD/containerd.pid"
  n=100 # 10 s
  until [ -S "$CD/containerd.sock" ] && cd_ctr version >/dev/null 2>&1; do
    if ! kill -0 "$CD_PID" 2>/dev/null || [ $n -le 0 ]; then
      echo "containerd did not answer on $CD/containerd.sock within 10 s: $(grep -E 'level=(error|fatal)' "$CD/containerd.log" | tail -n 2)" >"$CD/why"
      return 1
    fi
    sleep 0.1
    n=$((n - 1))
  done
  if ! cd_ctr images import --base-name "${CD_IMAGE%:*}" --snapshotter "$CD_SNAP" "$CD/image.tar" >"$CD/import.log" 2>&1; then
    echo "ctr images import failed: $(tail -n 2 "$CD/import.log")" >"$CD/why"
    return 1
  fi
  return 0
}

# cd_stop: the EXIT trap. Whatever a case left: its tasks killed and
# deleted, its containers removed (through containerd); then containerd
# stopped by pid (TERM, then KILL after 10 s), then any shim of it that
# outlived it, by pid; then the cgroups runc made for the namespace.
cd_stop() {
  local id p n
  [ -n "$CD_PID" ] || return 0
  if kill -0 "$CD_PID" 2>/dev/null; then
    for id in $(cd_ctr task ls -q 2>/dev/null); do
      cd_ctr task kill -s KILL "$id" >/dev/null 2>&1
      cd_ctr task rm -f "$id" >/dev/null 2>&1
    done
    for id in $(cd_ctr containers ls -q 2>/dev/null); do
      cd_ctr containers rm "$id" >/dev/null 2>&1
    done
    kill -TERM "$CD_PID" 2>/dev/null
    n=100
    while kill -0 "$CD_PID" 2>/dev/null && [ $n -gt 0 ]; do
      sleep 0.1
      n=$((n - 1))
    done
    kill -KILL "$CD_PID" 2>/dev/null
  fi
  wait "$CD_PID" 2>/dev/null
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/exe" 2>/dev/null)" = "$(readlink -f "$(command -v containerd-shim-runc-v2)")" ] || continue
    [[ $({ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null) == *"$CD/containerd.sock"* ]] || continue
    kill -KILL "${p#/proc/}" 2>/dev/null
  done
  for p in /sys/fs/cgroup/*/"$CD_NS" /sys/fs/cgroup/"$CD_NS"; do
    [ -d "$p" ] && rmdir "$p" 2>/dev/null
  done
  CD_PID=
}

# ---------------------------------------------------------------------------
# Case helpers

# cd_init: the case's stockade config (runc behind it), the wrappers, and
# a cleanup that ends the case's containers through containerd first.
cd_init() {
  local h
  RT=runc # read by lib.sh (sk_config, sk_new_id)
  export RT
  trap 'cd_cleanup_case; sk_cleanup_containers; sk_cleanup_supervisors' EXIT
  sk_config '.eventRate = 100000 | .eventBurst = 100000'
  for h in $CD_HANDLERS; do
    cd_wrapper "$CASE/bin" "$CASE/stockade.json" "$h"
  done
}

cd_cleanup_case() {
  local id
  [ -f "$CASE/containers" ] || return 0
  while read -r _ id; do
    [ "$(cd_task_status "$id")" = absent ] || {
      cd_ctr task kill -s KILL "$id" >/dev/null 2>&1
      cd_wait_task "$id" STOPPED 5
      cd_ctr task rm -f "$id" >/dev/null 2>&1
    }
    cd_ctr containers rm "$id" >/dev/null 2>&1
  done <"$CASE/containers"
  return 0
}

# cd_task_status ID: RUNNING, STOPPED, ... or "absent".
cd_task_status() {
  local s
  s=$(cd_ctr task ls 2>/dev/null | awk -v id="$1" '$1 == id { print $3 }')
  echo "${s:-absent}"
}

cd_wait_task() { # ID STATUS SECONDS
  local n=$(($3 * 10))
  while [ "$(cd_task_status "$1")" != "$2" ]; do
    [ $n -le 0 ] && return 1
    sleep 0.1
    n=$((n - 1))
  done
}

# cd_run_d BINARY TAG SCRIPT: `ctr run -d` of the image running SCRIPT
# (sh -c) with BINARY as the runc binary; the container's stdout and
# stderr go to a file (the shim writes them: --log-uri file://). Sets
# CD_ID, CD_OUT, CD_BUNDLE (containerd's bundle, holding the config.json
# the runtime ran).
cd_run_d() {
  sk_new_id "$2"
  CD_ID=$SK_ID
  CD_OUT=$CASE/$2.out
  CD_BUNDLE=$CD/state/io.containerd.runtime.v2.task/$CD_NS/$CD_ID
  sk_run "run-$2" cd_ctr run -d --snapshotter "$CD_SNAP" --log-uri "file://$CD_OUT" --fifo-dir "$CD/fifo" \
    --runc-root "$CASE/runc" --runc-binary "$1" "$CD_IMAGE" "$CD_ID" sh -c "$3"
  sk_assert_rc 0 "ctr run -d --runc-binary $1"
  cd_wait_out '^done=1$'
}

# cd_wait_out ERE: the container's output gets a line matching.
cd_wait_out() {
  if ! sk_wait_grep "$CD_OUT" "$1" 15; then
    sed 's/^/  container| /' "$CD_OUT" >&2
    sk_fail "the container did not print a line matching /$1/ (task $(cd_task_status "$CD_ID"))"
  fi
  sed 's/^/  container| /' "$CD_OUT" >&2
}

# cd_remove: kill the task, delete it and the container through ctr
# (the shim runs the runtime's kill and delete).
cd_remove() {
  sk_run "kill-$CD_ID" cd_ctr task kill -s KILL "$CD_ID"
  sk_assert_rc 0 "ctr task kill"
  cd_wait_task "$CD_ID" STOPPED 10 || sk_fail "task $CD_ID: $(cd_task_status "$CD_ID") 10 s after SIGKILL"
  sk_run "taskrm-$CD_ID" cd_ctr task rm "$CD_ID"
  sk_assert_rc 0 "ctr task rm"
  sk_run "rm-$CD_ID" cd_ctr containers rm "$CD_ID"
  sk_assert_rc 0 "ctr containers rm"
}

# The drift every mode case runs: a program copied to /tmp after start,
# then executed.
CD_SCRIPT='probe status; probe write /probe-root; exectest drift /bin/sktrue /tmp/drift-true; echo done=1; exec sleep 300'

# cd_assert_drift_event DECISION MODE: the drift of /tmp/drift-true is an
# event of CD_ID with that decision and mode.
cd_assert_drift_event() {
  sk_assert_event "$CD_ID" 'select(.type == "drift" and .process.path == "/tmp/drift-true" and .decision == $d)' \
    "the drift event of container $CD_ID" --arg d "$1"
  sk_assert_eq "$(jq -r .profile.mode <<<"$SK_EVENT")" "$2" "drift event: mode"
  sk_assert_eq "$(jq -r .mitre.technique <<<"$SK_EVENT")" T1105 "drift event: technique"
  sk_assert_eq "$(jq -r .profile.name <<<"$SK_EVENT")" default "drift event: profile"
}

# cd_assert_applied MODE: the spec containerd's shim handed the runtime
# (its bundle's config.json, rewritten by stockade) names the mode and
# profile it ran with.
cd_assert_applied() {
  local c=$CD_BUNDLE/config.json
  [ -f "$c" ] || sk_fail "no config.json in containerd's bundle $CD_BUNDLE"
  sk_assert_eq "$(jq -r '.annotations["stockade.io/applied-mode"]' "$c")" "$1" "bundle config.json: stockade.io/applied-mode"
  sk_assert_eq "$(jq -r '.annotations["stockade.io/applied-profile"]' "$c")" default "bundle config.json: stockade.io/applied-profile"
  sk_assert_eq "$(jq -r '.annotations["stockade.io/profile-sha256"]' "$c")" \
    "$(sha256sum <"$SK_REPO/profiles/default.json" | cut -d' ' -f1)" "bundle config.json: stockade.io/profile-sha256"
}

# ---------------------------------------------------------------------------
# 1. containerd itself

t_daemon() {
  local dump q h rt bin
  local cri='.plugins."io.containerd.grpc.v1.cri"'
  q="$cri.containerd.runtimes"
  command -v tomlq >/dev/null || sk_fail "tomlq not installed (Debian package yq; run make deps): cannot read containerd's config dump"
  sk_assert_eq "$(readlink "/proc/$CD_PID/exe")" "$(readlink -f "$(command -v containerd)")" "pid $CD_PID is containerd"
  sk_run version cd_ctr version
  sk_assert_rc 0 "ctr version"
  sk_run plugins cd_ctr plugins ls
  sk_assert_rc 0 "ctr plugins ls"
  sk_assert_grep "$CASE/plugins.out" '^io\.containerd\.grpc\.v1 +cri +[^ ]+ +ok *$' "the CRI plugin is loaded"
  sk_assert_grep "$CASE/plugins.out" "^io\\.containerd\\.snapshotter\\.v1 +$CD_SNAP +[^ ]+ +ok *\$" "snapshotter $CD_SNAP"
  sk_log "snapshotter: $CD_SNAP; cgroups: $SK_CGROUP_LAYOUT"

  # What containerd made of the config: the three handlers as shipped,
  # with the node's runc handler and CRI settings kept.
  dump=$CASE/dump.toml
  containerd --config "$CD/config.toml" config dump >"$dump" 2>"$CASE/dump.err" || sk_fail "containerd config dump: $(cat "$CASE/dump.err")"
  sk_assert_eq "$(tomlq -r "$q | keys | sort | join(\" \")" "$dump")" "runc $CD_HANDLERS" "CRI runtime handlers"
  for h in $CD_HANDLERS; do
    rt=$(tomlq -r --arg h "$h" "${q}[\$h].runtime_type" "$dump")
    sk_assert_eq "$rt" io.containerd.runc.v2 "handler $h: runtime_type"
    sk_assert_eq "$(tomlq -c --arg h "$h" "${q}[\$h].pod_annotations" "$dump")" '["stockade.io/*"]' "handler $h: pod_annotations"
    bin=$(tomlq -r --arg h "$h" "${q}[\$h].options.BinaryName" "$dump")
    sk_assert_eq "$bin" "$CD/bin/$h" "handler $h: BinaryName"
    # The handler's binary runs and reaches runc with its config.
    sk_run "version-$h" "$bin" --version
    sk_assert_rc 0 "$bin --version"
    sk_assert_grep "$CASE/version-$h.out" '^runc version' "$bin --version shows runc's version"
  done
  # The node's runc handler survives the append to Debian's stock shape
  # (this containerd's config declares no runtime; the CRI plugin above
  # loaded only because the default runtime "runc" is still declared).
  sk_assert_eq "$(tomlq -r "$cri.containerd.default_runtime_name" "$dump")" runc "default_runtime_name"
  sk_assert_eq "$(tomlq -r "$q.runc.runtime_type" "$dump")" io.containerd.runc.v2 "the runc handler's runtime_type"
  # ... and to `containerd config default`, which declares runc itself: no
  # duplicate, the node's runc settings kept.
  containerd config default >"$CASE/default.toml" 2>/dev/null || sk_fail "containerd config default"
  sed -i 's|^\( *\)SystemdCgroup = false|\1SystemdCgroup = true|' "$CASE/default.toml"
  { cat "$CASE/default.toml" && echo && cd_handlers; } >"$CASE/default-appended.toml"
  containerd --config "$CASE/default-appended.toml" config dump >"$CASE/default-dump.toml" 2>"$CASE/dump.err" ||
    sk_fail "containerd config dump (config default + handlers): $(cat "$CASE/dump.err")"
  sk_assert_eq "$(tomlq -r "$q | keys | sort | join(\" \")" "$CASE/default-dump.toml")" "runc $CD_HANDLERS" \
    "CRI runtime handlers appended to containerd config default"
  sk_assert_eq "$(tomlq -r "$q.runc.runtime_type" "$CASE/default-dump.toml")" io.containerd.runc.v2 \
    "runc's runtime_type appended to containerd config default"
  sk_assert_eq "$(tomlq -r "$q.runc.options.SystemdCgroup" "$CASE/default-dump.toml")" true \
    "the node's runc options are kept"
  sk_assert_eq "$(tomlq -r "$q.stockade.options.BinaryName" "$CASE/default-dump.toml")" "$CD/bin/stockade" \
    "the stockade handler appended to containerd config default"
  sk_assert_eq "$(tomlq -r "$cri.restrict_oom_score_adj" "$dump")" true "restrict_oom_score_adj"
  sk_assert_eq "$(tomlq -r "$cri.cni.conf_dir" "$dump")" "$CD/cni" "the node's CNI conf_dir is kept"

  # The pitfall packaging/containerd/stockade.toml warns of: as an
  # `imports` drop-in it replaces the node's whole CRI table (the runc
  # handler and the CNI dir are gone), and the CRI plugin would not load.
  cd_handlers >"$CASE/dropin.toml"
  { cd_node_config | sed "s|^version = 2|version = 2\\nimports = [\"$CASE/dropin.toml\"]|"; } >"$CASE/imports.toml"
  containerd --config "$CASE/imports.toml" config dump >"$CASE/imports-dump.toml" 2>"$CASE/dump.err" ||
    sk_fail "containerd config dump (imports): $(cat "$CASE/dump.err")"
  sk_assert_eq "$(tomlq -r "$q | keys | sort | join(\" \")" "$CASE/imports-dump.toml")" "runc $CD_HANDLERS" \
    "handlers with the drop-in imported (only the file's own: runc as it keeps it)"
  sk_assert_ne "$(tomlq -r "$cri.cni.conf_dir" "$CASE/imports-dump.toml")" "$CD/cni" \
    "CNI conf_dir with the drop-in imported (containerd 1.6 drops the node's CRI settings)"

  # Nothing of the host's: the sockets are in the run dir, the shims'
  # in containerd's own /run (a tmpfs of its mount namespace).
  [ -S "$CD/containerd.sock" ] || sk_fail "no socket $CD/containerd.sock"
  [ "$(stat -f -c %T "/proc/$CD_PID/root/run")" = tmpfs ] || sk_fail "containerd's /run is not its own tmpfs"
  [ "$(stat -c %i /run)" != "$(stat -c %i "/proc/$CD_PID/root/run")" ] || sk_fail "containerd sees the host's /run"
}

# ---------------------------------------------------------------------------
# 2. the control: the same image and script under plain runc

t_plain() {
  local w
  cd_init
  # runc behind a wrapper that notes the environment it gets: containerd's
  # (started with SK_CD_ENV=containerd), not ctr's.
  w=$CASE/bin/runc-env
  printf '#!/bin/sh\necho "$1 $2 SK_CD_ENV=${SK_CD_ENV:-unset}" >>%s\nexec %s "$@"\n' "$CASE/runc-env.log" "$SK_RUNC" >"$w"
  chmod 0755 "$w"
  SK_CD_ENV=ctr cd_run_d "$w" plain "$CD_SCRIPT"
  sk_assert_eq "$(sed -n 's/.* SK_CD_ENV=//p' "$CASE/runc-env.log" | sort -u)" containerd \
    "the environment the shim gives the runc binary (containerd's, not ctr's)"
  sk_assert_kv "$CD_OUT" uid 0 "plain runc: ctr's spec runs as root"
  sk_assert_kv "$CD_OUT" Seccomp 0 "plain runc: ctr's spec has no seccomp filter"
  sk_assert_kv "$CD_OUT" write OK "plain runc: ctr's spec has a writable root"
  sk_assert_kv "$CD_OUT" drift OK "plain runc: the copied program runs"
  sk_assert_eq "$(jq -r '.annotations["stockade.io/applied-mode"] // "none"' "$CD_BUNDLE/config.json")" none \
    "plain runc: no stockade annotation in the bundle's config.json"
  # Without CAP_SYS_RESOURCE: the shim only raises its own oom_score_adj
  # (containerd's + 1, allowed), and ctr's spec asks runc for none, so
  # nothing here needs the capability (the CRI plugin would pass the
  # kubelet's value, hence restrict_oom_score_adj).
  sk_assert_eq "$(jq -r '.process.oomScoreAdj // "none"' "$CD_BUNDLE/config.json")" none "ctr's spec: process.oomScoreAdj"
  sk_log "oom_score_adj: containerd $(cat "/proc/$CD_PID/oom_score_adj"), container init $(cat "/proc/$(cat "$CD_BUNDLE/init.pid")/oom_score_adj" 2>/dev/null)"
  cd_remove
}

# ---------------------------------------------------------------------------
# 3. enforce

t_enforce() {
  local ident
  cd_init
  cd_run_d "$CASE/bin/stockade" enforce "$CD_SCRIPT"
  sk_assert_kv "$CD_OUT" uid 65534 "enforce: runs as the profile's user, not ctr's root"
  sk_assert_kv "$CD_OUT" CapEff 0000000000000000 "enforce: no capabilities"
  sk_assert_kv "$CD_OUT" NoNewPrivs 1 "enforce: no new privileges"
  sk_assert_kv "$CD_OUT" Seccomp 2 "enforce: a seccomp filter"
  sk_assert_kv "$CD_OUT" write EROFS "enforce: the root is read-only"
  sk_assert_kv "$CD_OUT" drift-copy OK "enforce: copying a program to /tmp"
  case $(sk_kv "$CD_OUT" drift) in
    EPERM | EACCES) ;;
    *) sk_fail "enforce: the copied program: drift=$(sk_kv "$CD_OUT" drift), expected EPERM (or EACCES: /tmp is noexec)" ;;
  esac
  cd_assert_drift_event deny enforce
  cd_assert_applied enforce
  sk_assert_eq "$(jq -r .root.readonly "$CD_BUNDLE/config.json")" true "bundle config.json: root.readonly"
  sk_assert_supervised "$CD_ID" "$CD_BUNDLE"
  ident=$SK_SUP_IDENT

  # ctr task exec: the new process gets the same treatment.
  sk_run exec cd_ctr task exec --exec-id drift2 --fifo-dir "$CD/fifo" "$CD_ID" \
    sh -c 'probe status; exectest drift /bin/sktrue /tmp/drift-exec'
  sk_assert_kv "$CASE/exec.out" uid 65534 "enforce: ctr task exec runs as the profile's user"
  sk_assert_kv "$CASE/exec.out" CapEff 0000000000000000 "enforce: ctr task exec has no capabilities"
  case $(sk_kv "$CASE/exec.out" drift) in
    EPERM | EACCES) ;;
    *) sk_fail "enforce: drift in ctr task exec: drift=$(sk_kv "$CASE/exec.out" drift), expected EPERM or EACCES" ;;
  esac
  sk_assert_event "$CD_ID" 'select(.type == "drift" and .process.path == "/tmp/drift-exec" and .decision == "deny")' \
    "the drift event of ctr task exec"

  # Removed through containerd: the shim's delete reaches stockade, which
  # ends the supervision.
  cd_remove
  sk_assert_unsupervised "$CD_ID" "$ident" "after ctr task rm"
}

# ---------------------------------------------------------------------------
# 4. complain

t_complain() {
  cd_init
  cd_run_d "$CASE/bin/stockade-complain" complain "$CD_SCRIPT"
  sk_assert_kv "$CD_OUT" uid 0 "complain: the spec runs as given (root)"
  sk_assert_kv "$CD_OUT" write OK "complain: the root stays writable"
  sk_assert_kv "$CD_OUT" drift OK "complain: the copied program runs"
  sk_assert_kv "$CD_OUT" drift-status 0 "complain: the copied program's exit status"
  cd_assert_drift_event report complain
  sk_assert_ne "$(jq -r '.message // ""' <<<"$SK_EVENT")" "" "complain: the drift event says why enforce would deny it"
  sk_assert_event "$CD_ID" 'select(.type == "spec-finding" and .rule == "SK-USER-ROOT")' "complain: the spec finding for ctr's root user"
  # The shim gives runc the container's stdio: stockade's findings stay out
  # of the container's log (a workload's stderr is its own) and go to the
  # --log file the shim passes (log.json in the task's bundle) and events.
  sk_assert_no_grep "$CD_OUT" 'stockade' "complain: stockade's findings are not in the container's log"
  sk_assert_grep "$CD/state/io.containerd.runtime.v2.task/$CD_NS/$CD_ID/log.json" 'complain: SK-USER-ROOT' \
    "complain: stockade's findings in the shim's --log file"
  cd_remove
}

# ---------------------------------------------------------------------------
# 5. learn

t_learn() {
  cd_init
  cd_run_d "$CASE/bin/stockade-learn" learn "$CD_SCRIPT"
  sk_assert_kv "$CD_OUT" uid 65534 "learn: runs as the profile's user"
  sk_assert_kv "$CD_OUT" write EROFS "learn: the root is read-only"
  sk_assert_kv "$CD_OUT" drift OK "learn: the copied program runs"
  cd_assert_drift_event report learn
  cd_assert_applied learn
  cd_remove
  sk_wait_recording "$CD_ID" default '.ended == true and (.execs | tostring | contains("/tmp/drift-true"))'
  sk_log "recording: $(jq -c '{container, profile, notifications, execs}' "$SK_RECORDING" | head -c 800)"
  sk_assert_eq "$(jq -r .container "$SK_RECORDING")" "$CD_ID" "learn: the recording's container"
}

# ---------------------------------------------------------------------------

CD_CASES=(
  "containerd: a private containerd with stockade's handlers appended to its config loads the CRI plugin and keeps the node's settings" t_daemon
  "containerd: ctr run under plain runc (the control): root, writable root, no seccomp, drift runs; the runc binary gets containerd's environment" t_plain
  "containerd: enforce: ctr run hardened (user, capabilities, seccomp, read-only root); drift denied in run and exec, events by container id" t_enforce
  "containerd: complain: the spec runs as given, the drift runs, its event says report (enforce would deny it)" t_complain
  "containerd: learn: hardened, the drift runs, a recording names it" t_learn
)

# cd_all [COMMAND...]: every case, each running its function, or COMMAND
# instead when given (a skip or a failure that concerns them all).
cd_all() {
  local i
  for ((i = 0; i < ${#CD_CASES[@]}; i += 2)); do
    if [ $# -gt 0 ]; then
      sk_case "${CD_CASES[i]}" "$@"
    else
      sk_case "${CD_CASES[i]}" "${CD_CASES[i + 1]}"
    fi
  done
}

why=$(cd_missing)
if [ -n "$why" ]; then
  cd_all sk_skip "$why"
  exit 0
fi
trap cd_stop EXIT
trap 'exit 130' INT TERM
if ! cd_start; then
  why=$(cat "$CD/why" 2>/dev/null || echo "containerd did not start")
  cd_all sk_fail "$why"
  sed 's/^/#   containerd| /' "$CD/containerd.log" | tail -n 20
  exit 0
fi
cd_all
