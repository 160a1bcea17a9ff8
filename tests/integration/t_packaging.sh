#!/bin/bash
# shellcheck disable=SC2016 # jq filters are single-quoted on purpose
# packaging/: the containerd and CRI-O drop-ins and the RuntimeClasses parse
# (tomlq and yq, Debian's yq package), name the same three handlers, one
# per mode, and every binary they name is there after `make install`.
# No container runs here.
. "$(dirname "$0")/lib.sh"

PKG=$SK_REPO/packaging
HANDLERS="stockade stockade-complain stockade-learn"

# The mode a handler's binary name carries ("stockade" -> enforce), as
# mode_from_argv0 reads it.
handler_mode() {
  case $1 in
    stockade) echo enforce ;;
    stockade-*) echo "${1#stockade-}" ;;
  esac
}

# pkg_check_containerd FILE DESTDIR: print one line per problem.
pkg_check_containerd() {
  local f=$1 d=$2 h bin rt
  local q='.plugins."io.containerd.grpc.v1.cri".containerd.runtimes'
  tomlq -e . "$f" >/dev/null || { echo "$f: not TOML"; return; }
  # Appended to the node's config.toml (which has its own version = 2), so
  # a version key of its own would be a duplicate key there.
  [ "$(tomlq -r '.version // "none"' "$f")" = none ] || echo "$f: has a version key (it is appended to config.toml)"
  # runc: the node's handler, kept when the file is appended (its comment)
  [ "$(tomlq -r "$q | keys | sort | join(\" \")" "$f")" = "runc $HANDLERS" ] ||
    echo "$f: handlers are $(tomlq -r "$q | keys | join(\" \")" "$f"), expected runc $HANDLERS"
  for h in $HANDLERS; do
    rt=$(tomlq -r --arg h "$h" "${q}[\$h].runtime_type" "$f")
    [ "$rt" = io.containerd.runc.v2 ] || echo "$f: $h: runtime_type is $rt"
    tomlq -e --arg h "$h" "${q}[\$h].pod_annotations | index(\"stockade.io/*\") != null" "$f" >/dev/null ||
      echo "$f: $h: pod_annotations does not pass stockade.io/*"
    bin=$(tomlq -r --arg h "$h" "${q}[\$h].options.BinaryName" "$f")
    [ "${bin##*/}" = "$h" ] || echo "$f: $h: BinaryName $bin does not carry the handler's mode"
    [ -x "$d$bin" ] || echo "$f: $h: BinaryName $bin is not installed (not in $d)"
  done
}

# pkg_check_crio FILE DESTDIR
pkg_check_crio() {
  local f=$1 d=$2 h bin rt
  local q='.crio.runtime.runtimes'
  tomlq -e . "$f" >/dev/null || { echo "$f: not TOML"; return; }
  [ "$(tomlq -r "$q | keys | sort | join(\" \")" "$f")" = "$HANDLERS" ] ||
    echo "$f: runtimes are $(tomlq -r "$q | keys | join(\" \")" "$f"), expected $HANDLERS"
  for h in $HANDLERS; do
    rt=$(tomlq -r --arg h "$h" "${q}[\$h].runtime_type" "$f")
    [ "$rt" = oci ] || echo "$f: $h: runtime_type is $rt"
    tomlq -e --arg h "$h" "${q}[\$h].allowed_annotations | index(\"stockade.io/profile\") != null" "$f" >/dev/null ||
      echo "$f: $h: allowed_annotations does not allow stockade.io/profile"
    bin=$(tomlq -r --arg h "$h" "${q}[\$h].runtime_path" "$f")
    [ "${bin##*/}" = "$h" ] || echo "$f: $h: runtime_path $bin does not carry the handler's mode"
    [ -x "$d$bin" ] || echo "$f: $h: runtime_path $bin is not installed (not in $d)"
  done
}

# pkg_check_runtimeclass FILE
pkg_check_runtimeclass() {
  local f=$1 h
  yq -e . "$f" >/dev/null || { echo "$f: not YAML"; return; }
  local docs='[.[] | select(. != null)]'
  [ "$(yq -s -r "$docs | map(.apiVersion + \"/\" + .kind) | unique | join(\" \")" "$f")" = "node.k8s.io/v1/RuntimeClass" ] ||
    echo "$f: not only node.k8s.io/v1 RuntimeClass objects"
  [ "$(yq -s -r "$docs | map(.handler) | sort | join(\" \")" "$f")" = "$HANDLERS" ] ||
    echo "$f: handlers are $(yq -s -r "$docs | map(.handler) | join(\" \")" "$f"), expected $HANDLERS"
  for h in $HANDLERS; do
    [ "$(yq -s -r --arg h "$h" "$docs | map(select(.handler == \$h)) | .[0].metadata.name" "$f")" = "$h" ] ||
      echo "$f: the RuntimeClass for handler $h is not named $h"
    [ "$(yq -s -r --arg h "$h" "$docs | map(select(.handler == \$h)) | .[0].metadata.labels.\"stockade.io/mode\"" "$f")" = \
      "$(handler_mode "$h")" ] || echo "$f: $h: label stockade.io/mode is not $(handler_mode "$h")"
  done
}

VERSION=$(sed -n 's/^VERSION := //p' "$SK_REPO/Makefile")
K8S=$PKG/kubernetes
HOST_PATHS="/etc/containerd /etc/stockade /usr/local/bin /var/log/stockade"

# pkg_json FILE: every document of the YAML file as one JSON array (null
# documents dropped), for jq: one yq (Python) start per file, not per query.
pkg_json() { yq -s -c '[.[] | select(. != null)]' "$1" 2>/dev/null; }

# pkg_check_installer FILE CONFIGMAPS: the node installer's Namespace,
# ServiceAccount and DaemonSet (packaging/kubernetes/installer.yaml); the
# ConfigMaps it mounts must be in CONFIGMAPS. One line per problem.
pkg_check_installer() {
  local f=$1 J C p e
  J=$(pkg_json "$f") || { echo "$f: not YAML"; return; }
  C=$(pkg_json "$2") || { echo "$2: not YAML"; return; }
  q() { jq -r "$@" <<<"$J"; }
  local ds='map(select(.kind == "DaemonSet")) | .[0]'
  local ic="$ds | .spec.template.spec.initContainers[0]"
  [ "$(q 'map(.apiVersion + "/" + .kind) | join(" ")')" = "v1/Namespace v1/ServiceAccount apps/v1/DaemonSet" ] ||
    echo "$f: objects are $(q 'map(.apiVersion + "/" + .kind) | join(" ")'), expected a Namespace, a ServiceAccount and a DaemonSet"
  [ "$(q 'map(select(.kind != "Namespace") | .metadata.namespace) | unique | join(" ")')" = \
    "$(q 'map(select(.kind == "Namespace") | .metadata.name) | join(" ")')" ] ||
    echo "$f: the ServiceAccount and DaemonSet are not in the Namespace it creates"
  [ "$(q "$ds | .spec.template.spec.serviceAccountName")" = \
    "$(q 'map(select(.kind == "ServiceAccount")) | .[0].metadata.name')" ] ||
    echo "$f: the DaemonSet does not run as the ServiceAccount"
  [ "$(q "$ds | .spec.selector.matchLabels as \$m | .spec.template.metadata.labels | contains(\$m)")" = true ] ||
    echo "$f: the DaemonSet's selector does not match its pod template's labels"
  [ "$(q "$ic | .image")" = "stockade/installer:$VERSION" ] ||
    echo "$f: the installer image is $(q "$ic | .image"), expected stockade/installer:$VERSION (the Makefile's VERSION)"
  [ "$(q "$ds | .spec.template.spec.containers | length")" -ge 1 ] || echo "$f: the DaemonSet has no container"
  # v NAME: the installer's environment variable.
  v() { q --arg n "$1" "$ic | .env | map(select(.name == \$n)) | .[0].value"; }
  # mp VOLUME-FILTER: where the installer mounts the volume.
  mp() {
    q "($ds | .spec.template.spec.volumes | map(select($1)) | .[0].name) as \$v |
       $ic | .volumeMounts | map(select(.name == \$v)) | .[0].mountPath"
  }
  [ "$(q "$ds | .spec.template.spec.volumes | map(.hostPath.path // empty) | sort | join(\" \")")" = "$HOST_PATHS" ] ||
    echo "$f: hostPath volumes are $(q "$ds | .spec.template.spec.volumes | map(.hostPath.path // empty) | join(\" \")"), expected $HOST_PATHS"
  for p in $HOST_PATHS; do
    [ "$(mp ".hostPath.path == \"$p\"")" = "$(v HOST_ROOT)$p" ] ||
      echo "$f: hostPath $p is mounted at $(mp ".hostPath.path == \"$p\""), expected $(v HOST_ROOT)$p"
  done
  [ "$(v STOCKADE_BINDIR)" = /usr/local/bin ] || echo "$f: STOCKADE_BINDIR is $(v STOCKADE_BINDIR), not the hostPath /usr/local/bin"
  for e in PROFILES_DIR:stockade-profiles SECCOMP_DIR:stockade-seccomp CONFIG_DIR:stockade-config; do
    [ "$(mp ".configMap.name == \"${e#*:}\"")" = "$(v "${e%:*}")" ] ||
      echo "$f: ConfigMap ${e#*:} is not mounted at ${e%:*} ($(v "${e%:*}"))"
    [ "$(jq --arg n "${e#*:}" 'map(select(.kind == "ConfigMap" and .metadata.name == $n)) | length' <<<"$C")" = 1 ] ||
      echo "$f: ConfigMap ${e#*:} is not in $2"
  done
  # Kubernetes expands $(NAME) in a command: the script must not have one.
  [ "$(q "$ic | .command[2]" | grep -c '\$(')" = 0 ] || echo "$f: the installer script has \$( (Kubernetes would expand it)"
}

# pkg_check_configmap FILE PROFILES CONFIG: the generated ConfigMaps hold
# exactly the profiles in PROFILES (and PROFILES/seccomp) and CONFIG, each
# key the file's name and its value the file's content.
pkg_check_configmap() {
  local f=$1 pd=$2 conf=$3 J cm dir keys want k src
  J=$(pkg_json "$f") || { echo "$f: not YAML"; return; }
  [ "$(jq -r 'map(.apiVersion + "/" + .kind + "/" + .metadata.namespace + "/" + .metadata.name) | join(" ")' <<<"$J")" = \
    "v1/ConfigMap/stockade-system/stockade-profiles v1/ConfigMap/stockade-system/stockade-seccomp v1/ConfigMap/stockade-system/stockade-config" ] ||
    echo "$f: not the three ConfigMaps stockade-profiles, stockade-seccomp, stockade-config in stockade-system"
  for cm in stockade-profiles:"$pd" stockade-seccomp:"$pd/seccomp" stockade-config:"$conf"; do
    dir=${cm#*:}
    cm=${cm%%:*}
    keys=$(jq -r --arg n "$cm" 'map(select(.metadata.name == $n)) | .[0].data // {} | keys | join(" ")' <<<"$J")
    if [ -f "$dir" ]; then
      want=${dir##*/}
    else
      want=$(cd "$dir" && ls -- *.json | tr '\n' ' ')
      want=${want% }
    fi
    [ "$keys" = "$want" ] || echo "$f: ConfigMap $cm has keys \"$keys\", expected \"$want\""
    for k in $want; do
      src=$dir/$k
      [ -f "$dir" ] && src=$dir
      cmp -s <(jq -j --arg n "$cm" --arg k "$k" 'map(select(.metadata.name == $n)) | .[0].data[$k] // ""' <<<"$J") "$src" ||
        echo "$f: ConfigMap $cm key $k differs from $src"
    done
  done
}

t_packaging() {
  local d=$CASE/dest out
  { command -v tomlq && command -v yq; } >/dev/null || sk_skip "tomlq/yq not installed (Debian package yq; run make deps)"
  sk_run install make -C "$SK_REPO" --no-print-directory B="$SK_BUILD" PREFIX=/usr DESTDIR="$d" install
  sk_assert_rc 0 "make install DESTDIR"

  out=$(pkg_check_containerd "$PKG/containerd/stockade.toml" "$d")
  sk_assert_eq "$out" "" "containerd drop-in"
  out=$(pkg_check_crio "$PKG/crio/10-stockade.conf" "$d")
  sk_assert_eq "$out" "" "CRI-O drop-in"
  out=$(pkg_check_runtimeclass "$PKG/kubernetes/runtimeclass.yaml")
  sk_assert_eq "$out" "" "RuntimeClasses"

  # The checks can fail: a handler pointing at a binary that is not
  # installed, a runtime_type typo, a missing RuntimeClass.
  sed 's|/usr/bin/stockade-learn|/usr/bin/stockade-lern|' "$PKG/containerd/stockade.toml" >"$CASE/bad.toml"
  sk_assert_ne "$(pkg_check_containerd "$CASE/bad.toml" "$d")" "" "a wrong BinaryName is found"
  sed 's|runtime_type = "oci"|runtime_type = "vm"|' "$PKG/crio/10-stockade.conf" >"$CASE/bad.conf"
  sk_assert_ne "$(pkg_check_crio "$CASE/bad.conf" "$d")" "" "a wrong runtime_type is found"
  sed 's|handler: stockade-learn|handler: stockade-lern|' "$PKG/kubernetes/runtimeclass.yaml" >"$CASE/bad.yaml"
  sk_assert_ne "$(pkg_check_runtimeclass "$CASE/bad.yaml")" "" "a wrong handler is found"
  printf 'version = 2\n[plugins\n' >"$CASE/broken.toml"
  sk_assert_ne "$(pkg_check_containerd "$CASE/broken.toml" "$d" 2>/dev/null)" "" "broken TOML is found"
}

sk_case "packaging: containerd, CRI-O and RuntimeClass files name installed handlers" t_packaging

t_k8s_installer_manifest() {
  local out
  { command -v yq && command -v tomlq; } >/dev/null || sk_skip "yq not installed (Debian package yq; run make deps)"
  out=$(pkg_check_installer "$K8S/installer.yaml" "$K8S/configmap.yaml")
  sk_assert_eq "$out" "" "installer.yaml"
  out=$(pkg_check_configmap "$K8S/configmap.yaml" "$SK_REPO/profiles" "$PKG/config.json")
  sk_assert_eq "$out" "" "configmap.yaml"
  # The committed ConfigMaps are the generator's output: not stale.
  sk_run gen "$SK_REPO/scripts/gen-k8s-configmap.sh"
  sk_assert_rc 0 "scripts/gen-k8s-configmap.sh"
  sk_assert_same "$CASE/gen.out" "$K8S/configmap.yaml" \
    "packaging/kubernetes/configmap.yaml (run scripts/gen-k8s-configmap.sh > packaging/kubernetes/configmap.yaml)"

  # The checks can fail: a wrong hostPath, an old image tag, a script with
  # $(, a profile whose content or name differs, a stale file.
  sed 's|path: /etc/stockade$|path: /etc/stokade|' "$K8S/installer.yaml" >"$CASE/bad1.yaml"
  sk_assert_ne "$(pkg_check_installer "$CASE/bad1.yaml" "$K8S/configmap.yaml")" "" "a wrong hostPath is found"
  sed "s|stockade/installer:$VERSION|stockade/installer:0.0.1|" "$K8S/installer.yaml" >"$CASE/bad2.yaml"
  sk_assert_ne "$(pkg_check_installer "$CASE/bad2.yaml" "$K8S/configmap.yaml")" "" "an old image tag is found"
  sed 's|for b in stockade stockadectl; do|for b in $(echo stockade stockadectl); do|' "$K8S/installer.yaml" >"$CASE/bad3.yaml"
  sk_assert_ne "$(pkg_check_installer "$CASE/bad3.yaml" "$K8S/configmap.yaml")" "" "a \$( in the script is found"
  sed 's|mountPath: /config/seccomp|mountPath: /config/secomp|' "$K8S/installer.yaml" >"$CASE/bad4.yaml"
  sk_assert_ne "$(pkg_check_installer "$CASE/bad4.yaml" "$K8S/configmap.yaml")" "" "a ConfigMap mounted elsewhere than its env says is found"
  cp -a "$SK_REPO/profiles" "$CASE/profiles"
  sed -i 's/"allowRoot": false/"allowRoot": true/' "$CASE/profiles/job.json"
  sk_assert_ne "$(pkg_check_configmap "$K8S/configmap.yaml" "$CASE/profiles" "$PKG/config.json")" "" \
    "a profile whose content differs is found"
  cp "$CASE/profiles/web.json" "$CASE/profiles/web2.json"
  sk_assert_ne "$(pkg_check_configmap "$K8S/configmap.yaml" "$CASE/profiles" "$PKG/config.json" | grep -c 'has keys')" 0 \
    "a profile missing from the ConfigMap is found"
  sed '0,/"name": "web"/s//"name": "webx"/' "$K8S/configmap.yaml" >"$CASE/stale.yaml"
  cmp -s "$CASE/gen.out" "$CASE/stale.yaml" && sk_fail "an edited configmap.yaml compares equal to the generator's output"
  return 0
}

sk_case "packaging: node installer DaemonSet and generated ConfigMaps" t_k8s_installer_manifest

# k8s_installer_run HOST HANDLERS: the installer's script from installer.yaml,
# run with busybox's sh and applets only (as in a busybox image), with the
# directories a kubelet would give it: $CASE/image as the image's
# /stockade (the binaries under test and the containerd drop-in), the
# ConfigMaps of configmap.yaml projected the way a kubelet does (keys are
# symlinks into ..data/), HOST as the node's root with the hostPath
# directories made (DirectoryOrCreate). HANDLERS is
# INSTALL_CONTAINERD_HANDLERS.
k8s_installer_run() {
  local host=$1 handlers=$2 J cm k a p
  if [ ! -d "$CASE/image" ]; then
    mkdir -p "$CASE/image/bin" "$CASE/image/containerd" "$CASE/bb"
    cp "$SK_BUILD/stockade" "$SK_BUILD/stockadectl" "$CASE/image/bin/"
    cp "$PKG/containerd/stockade.toml" "$CASE/image/containerd/"
    J=$(pkg_json "$K8S/configmap.yaml")
    for cm in $(jq -r '.[].metadata.name' <<<"$J"); do
      mkdir -p "$CASE/cm/$cm/..data"
      for k in $(jq -r --arg n "$cm" 'map(select(.metadata.name == $n)) | .[0].data | keys[]' <<<"$J"); do
        jq -j --arg n "$cm" --arg k "$k" 'map(select(.metadata.name == $n)) | .[0].data[$k]' <<<"$J" >"$CASE/cm/$cm/..data/$k"
        ln -s "..data/$k" "$CASE/cm/$cm/$k"
      done
    done
    for a in sh cp mv ln rm sed grep tail mkdir chmod; do
      ln -s "$SK_BUSYBOX" "$CASE/bb/$a"
    done
  fi
  for p in $HOST_PATHS; do
    mkdir -p "$host$p"
  done
  yq -s -r '.[] | select(.kind == "DaemonSet") | .spec.template.spec.initContainers[0].command[2]' \
    "$K8S/installer.yaml" >"$CASE/install.sh"
  env -i PATH="$CASE/bb" HOST_ROOT="$host" STOCKADE_BINDIR=/usr/local/bin STOCKADE_SRC="$CASE/image" \
    PROFILES_DIR="$CASE/cm/stockade-profiles" SECCOMP_DIR="$CASE/cm/stockade-seccomp" \
    CONFIG_DIR="$CASE/cm/stockade-config" INSTALL_CONTAINERD_HANDLERS="$handlers" \
    "$CASE/bb/sh" "$CASE/install.sh"
}

# k8s_installed HOST: one line per difference between what the installer
# put under HOST and what it should have.
k8s_installed() {
  local h=$1 b f
  for b in stockade stockadectl; do
    cmp -s "$h/usr/local/bin/$b" "$SK_BUILD/$b" || echo "/usr/local/bin/$b is not the image's"
    [ "$(stat -c %a "$h/usr/local/bin/$b" 2>/dev/null)" = 755 ] || echo "/usr/local/bin/$b is not mode 0755"
  done
  for b in stockade-complain stockade-learn stockade-off; do
    [ "$(readlink "$h/usr/local/bin/$b")" = stockade ] || echo "/usr/local/bin/$b is not a symlink to stockade"
  done
  for f in "$SK_REPO"/profiles/*.json "$SK_REPO"/profiles/seccomp/*.json; do
    cmp -s "$h/etc/stockade/${f#"$SK_REPO"/}" "$f" || echo "/etc/stockade/${f#"$SK_REPO"/} is not the shipped file"
    [ "$(stat -c %a "$h/etc/stockade/${f#"$SK_REPO"/}" 2>/dev/null)" = 644 ] || echo "/etc/stockade/${f#"$SK_REPO"/} is not mode 0644"
  done
  cmp -s "$h/etc/stockade/config.json" "$PKG/config.json" || echo "/etc/stockade/config.json is not packaging/config.json"
  [ -d "$h/var/log/stockade" ] || echo "no /var/log/stockade"
  f=$(find "$h" -name '*.stockade-new')
  [ -z "$f" ] || echo "temporary files left: $f"
}

# A node's containerd config (version 2) with settings of its own.
K8S_NODE_CONFIG='version = 2
root = "/var/lib/containerd"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.9"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/opt/cni/bin"'

# k8s_containerd_problems CONFIG HOST: one line per problem of the
# containerd config the installer changed: not TOML, the node's settings
# lost, a handler missing or naming a binary not installed under HOST, no
# runc handler, not exactly one BEGIN/END block.
k8s_containerd_problems() {
  local c=$1 host=$2 h bin q='.plugins."io.containerd.grpc.v1.cri"'
  tomlq -e . "$c" >/dev/null 2>&1 || { echo "$c: not TOML (a duplicate table?)"; return; }
  [ "$(tomlq -r "$q.sandbox_image" "$c")" = registry.k8s.io/pause:3.9 ] || echo "$c: the node's sandbox_image is lost"
  [ "$(tomlq -r "$q.cni.bin_dir" "$c")" = /opt/cni/bin ] || echo "$c: the node's cni.bin_dir is lost"
  [ "$(tomlq -r "$q.containerd.runtimes | keys | join(\" \")" "$c")" = "runc $HANDLERS" ] ||
    echo "$c: runtimes are $(tomlq -r "$q.containerd.runtimes | keys | join(\" \")" "$c"), expected runc $HANDLERS"
  # RUNTIME_TYPE: how the shipped handlers keep runc (packaging/containerd/stockade.toml)
  [ "$(tomlq -r "$q.containerd.runtimes.runc | .runtime_type // .RUNTIME_TYPE" "$c")" = io.containerd.runc.v2 ] ||
    echo "$c: runc handler without runtime_type"
  for h in $HANDLERS; do
    bin=$(tomlq -r --arg h "$h" "$q.containerd.runtimes[\$h].options.BinaryName" "$c")
    [ "$bin" = "/usr/local/bin/$h" ] || echo "$c: $h: BinaryName is $bin, expected /usr/local/bin/$h"
    [ -x "$host$bin" ] || echo "$c: $h: $bin is not installed"
    [ "$(tomlq -r --arg h "$h" "$q.containerd.runtimes[\$h].pod_annotations | join(\" \")" "$c")" = "stockade.io/*" ] ||
      echo "$c: $h: pod_annotations is not stockade.io/*"
  done
  [ "$(grep -c '^# BEGIN stockade runtime handlers' "$c")/$(grep -c '^# END stockade runtime handlers' "$c")" = 1/1 ] ||
    echo "$c: not exactly one BEGIN and one END line"
}

t_k8s_installer_run() {
  local h=$CASE/host c out
  { command -v yq && command -v tomlq; } >/dev/null || sk_skip "yq/tomlq not installed (Debian package yq; run make deps)"
  command -v containerd >/dev/null || sk_skip "containerd not installed (Debian package containerd; run make deps)"
  sk_require_stockade
  c=$h/etc/containerd/config.toml
  mkdir -p "$h/etc/containerd"
  echo "$K8S_NODE_CONFIG" >"$c"
  sk_run install k8s_installer_run "$h" true
  sk_assert_rc 0 "the installer script"
  sk_assert_grep "$CASE/install.out" "restart containerd" "the installer says containerd must be restarted"
  sk_assert_eq "$(k8s_installed "$h")" "" "what the installer wrote"
  # The handlers it appended name the binaries it installed; the node's own
  # settings stay; the runc handler is kept (the file declared none).
  sk_assert_eq "$(k8s_containerd_problems "$c" "$h")" "" "containerd's config.toml after the installer"
  cp "$c" "$CASE/config.first"
  # containerd itself reads it so (config dump parses and merges, starts nothing).
  sk_run dump containerd --config "$c" config dump
  sk_assert_rc 0 "containerd config dump of the changed config.toml"
  sk_assert_eq "$(sed -n 's/^ *\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.\([a-z-]*\)\]$/\1/p' "$CASE/dump.out" | sort | tr '\n' ' ')" \
    "runc $HANDLERS " "the runtimes containerd sees"
  sk_assert_grep "$CASE/dump.out" '^ *sandbox_image = "registry.k8s.io/pause:3.9"$' "the node's sandbox_image as containerd sees it"
  # The installed program runs with the installed config.
  sk_run version env STOCKADE_CONFIG="$h/etc/stockade/config.json" "$h/usr/local/bin/stockade" --version
  sk_assert_rc 0 "stockade --version as installed"
  sk_assert_grep "$CASE/version.out" "^stockade version $VERSION\$" "stockade --version as installed"

  # Again (a DaemonSet rollout or a pod restart): the same, over the old
  # files; an edited profile is put back; the handlers are replaced, not
  # appended twice.
  echo '{}' >"$h/etc/stockade/profiles/web.json"
  sk_run again k8s_installer_run "$h" true
  sk_assert_rc 0 "the installer script, a second time"
  sk_assert_eq "$(k8s_installed "$h")" "" "what the installer wrote the second time"
  sk_assert_same "$c" "$CASE/config.first" "config.toml after a second run"

  # A node that declares runc itself (with options) gets no second one.
  mkdir -p "$CASE/host4/etc/containerd"
  printf '%s\n  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n    SystemdCgroup = true\n' \
    "$K8S_NODE_CONFIG" >"$CASE/host4/etc/containerd/config.toml"
  sk_run runc k8s_installer_run "$CASE/host4" true
  sk_assert_rc 0 "the installer script on a node with a runc handler"
  sk_assert_eq "$(k8s_containerd_problems "$CASE/host4/etc/containerd/config.toml" "$CASE/host4" | grep -v 'runc handler without runtime_type')" "" \
    "config.toml of a node with a runc handler"
  sk_assert_eq "$(tomlq -r '.plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options.SystemdCgroup' "$CASE/host4/etc/containerd/config.toml")" \
    true "the node's runc handler is kept"

  # Without INSTALL_CONTAINERD_HANDLERS=true, containerd's config is not touched.
  mkdir -p "$CASE/host2/etc/containerd"
  echo "$K8S_NODE_CONFIG" >"$CASE/host2/etc/containerd/config.toml"
  sk_run nohandlers k8s_installer_run "$CASE/host2" false
  sk_assert_rc 0 "the installer script without the handlers"
  sk_assert_eq "$(k8s_installed "$CASE/host2")" "" "what the installer wrote without the handlers"
  sk_assert_eq "$(cat "$CASE/host2/etc/containerd/config.toml")" "$K8S_NODE_CONFIG" "config.toml without the handlers"

  # A config it cannot change safely stops it, the file as it was: version
  # 3 (containerd 2), a BEGIN line without its END, no file at all.
  mkdir -p "$CASE/host5/etc/containerd"
  sed 's/^version = 2$/version = 3/' <<<"$K8S_NODE_CONFIG" >"$CASE/host5/etc/containerd/config.toml"
  cp "$CASE/host5/etc/containerd/config.toml" "$CASE/v3.toml"
  sk_run v3 k8s_installer_run "$CASE/host5" true
  sk_assert_rc_nonzero "the installer script on a version 3 config"
  sk_assert_grep "$CASE/v3.err" 'config.toml is not config version 2' "the installer says why"
  sk_assert_same "$CASE/host5/etc/containerd/config.toml" "$CASE/v3.toml" "a version 3 config.toml"
  printf '%s\n# BEGIN stockade runtime handlers\n' "$K8S_NODE_CONFIG" >"$CASE/host5/etc/containerd/config.toml"
  cp "$CASE/host5/etc/containerd/config.toml" "$CASE/half.toml"
  sk_run half k8s_installer_run "$CASE/host5" true
  sk_assert_rc_nonzero "the installer script on a config with BEGIN but no END"
  sk_assert_same "$CASE/host5/etc/containerd/config.toml" "$CASE/half.toml" "a config.toml with BEGIN but no END"
  rm "$CASE/host5/etc/containerd/config.toml"
  sk_run noconf k8s_installer_run "$CASE/host5" true
  sk_assert_rc_nonzero "the installer script with no config.toml"
  sk_assert_grep "$CASE/noconf.err" 'config.toml does not exist' "the installer says why"

  # The check can fail: a missing binary fails the script.
  rm "$CASE/image/bin/stockadectl"
  sk_run broken k8s_installer_run "$CASE/host3" false
  sk_assert_rc_nonzero "the installer script with no stockadectl in the image"
}

sk_case "packaging: the node installer's script installs stockade (busybox sh)" t_k8s_installer_run


# ---- manual pages and bash completion (packaging/man, packaging/bash-completion)

MAN=$PKG/man
MAN_PAGES="stockade.8 stockadectl.8 stockade-hook.8 stockade-profile.5"

# man_warnings FILE: what groff (and man-db, when there) say while rendering.
man_warnings() {
  groff -man -Tutf8 -ww -z "$1" 2>&1
  if command -v man >/dev/null; then
    { MANWIDTH=80 man --warnings -l "$1" >/dev/null; } 2>&1
  fi
}

t_man_render() {
  local p out
  command -v groff >/dev/null || sk_skip "groff not installed (Debian package groff-base; run make deps)"
  for p in $MAN_PAGES; do
    [ -f "$MAN/$p" ] || sk_fail "$MAN/$p is missing"
    out=$(man_warnings "$MAN/$p")
    sk_assert_eq "$out" "" "$p renders without warnings"
    # NAME, SYNOPSIS, DESCRIPTION and SEE ALSO, as man-db's whatis needs.
    for s in NAME SYNOPSIS DESCRIPTION "SEE ALSO"; do
      grep -q "^\.SH \"*$s\"*\$" "$MAN/$p" || sk_fail "$p has no $s section"
    done
  done
  # The check can fail: an undefined macro is a warning.
  printf '.TH X 8\n.SH NAME\nx \\- y\n.XX oops\n' >"$CASE/bad.8"
  sk_assert_ne "$(man_warnings "$CASE/bad.8")" "" "a broken page is found"
}

# man_text FILE: the page's source with \- written -, for grep.
man_text() { sed 's/\\-/-/g; s/\\(dq/"/g' "$1"; }

# man_missing FILE WORD...: the words the page does not mention (as words).
man_missing() {
  local f=$1 w text
  shift
  # Render once; `man_text | grep -q` would race: grep -q exits at the first
  # match, the renderer dies of SIGPIPE, and pipefail calls that a miss.
  text=$(man_text "$f")
  for w in "$@"; do
    grep -qwF -- "$w" <<<"$text" || echo "$w"
  done
}

# The commands of stockadectl's command table (ctl/stockadectl.c), one a
# line, sorted.
ctl_commands() {
  sed -n 's/^ *{"\([a-z]*\)", \(NULL\|"[a-z]*"\), [a-z_]*},$/\1/p' "$SK_REPO/ctl/stockadectl.c" | sort -u
}

t_man_content() {
  local fields cmds subs opts keys anns out
  # stockade-profile.5: every top-level field of the reference's table.
  fields=$(sed -n '/^## Fields/,/^### /s/^| `\([A-Za-z]*\)` |.*/\1/p' "$SK_REPO/profiles/README.md")
  [ "$(echo "$fields" | wc -w)" -ge 11 ] || sk_fail "found only $(echo "$fields" | wc -w) fields in profiles/README.md"
  # shellcheck disable=SC2086
  out=$(man_missing "$MAN/stockade-profile.5" $fields allow allowWritable stockade-learn "stockadectl learn")
  sk_assert_eq "$out" "" "stockade-profile.5 names every profile field"

  # stockadectl.8: every command main() dispatches, every profile
  # subcommand, every long option of ctl/*.c, and --profile-dir.
  cmds=$(ctl_commands)
  subs=$(sed -n 's/^ *{"profile", "\([a-z]*\)", .*/profile \1/p' "$SK_REPO/ctl/stockadectl.c")
  opts=$(grep -ho '{"[a-z-]*", *[a-z_]*argument' "$SK_REPO"/ctl/*.c | sed 's/{"\([a-z-]*\)".*/--\1/' | sort -u)
  if [ "$(echo "$cmds" | wc -w)" -lt 6 ] || [ "$(echo "$subs" | wc -l)" -lt 3 ] || [ "$(echo "$opts" | wc -w)" -lt 8 ]; then
    sk_fail "could not read the commands and options from ctl/*.c"
  fi
  local IFS=$'\n'
  # shellcheck disable=SC2086
  out=$(man_missing "$MAN/stockadectl.8" $cmds $subs $opts --profile-dir STOCKADE_CONFIG "EXIT STATUS")
  unset IFS
  sk_assert_eq "$out" "" "stockadectl.8 names every command, subcommand and option"

  # stockade.8: every config field (shim/lib/policy/config.c's list), the program
  # names of the modes, the annotations a workload sets.
  keys=$(sed -n '/static const char \*const known\[\]/,/NULL}/p' "$SK_REPO/shim/lib/policy/config.c" | grep -o '"[A-Za-z]*"' | tr -d '"')
  anns=$(sed -n 's/^#define SK_ANN_\(PROFILE\|MODE\) "\(.*\)"$/\2/p' "$SK_REPO/include/stockade/harden.h")
  if [ "$(echo "$keys" | wc -w)" -lt 11 ] || [ "$(echo "$anns" | wc -w)" != 2 ]; then
    sk_fail "could not read the config fields and annotations"
  fi
  # shellcheck disable=SC2086
  out=$(man_missing "$MAN/stockade.8" $keys $anns stockade-complain stockade-learn stockade-off \
    STOCKADE_CONFIG /etc/stockade/config.json /run/stockade "EXIT STATUS" stockadectl stockade-profile)
  sk_assert_eq "$out" "" "stockade.8 names every config field, mode program and annotation"

  # The check can fail: a page without a field is found.
  sed '/^\.B blockHashes$/d; s/blockHashes/blockhashes/g' "$MAN/stockade-profile.5" >"$CASE/p.5"
  sk_assert_eq "$(man_missing "$CASE/p.5" blockHashes)" "blockHashes" "a missing field is found"
}

t_install_docs() {
  local d=$CASE/dest p
  sk_run install make -C "$SK_REPO" --no-print-directory B="$SK_BUILD" PREFIX=/usr DESTDIR="$d" install
  sk_assert_rc 0 "make install DESTDIR"
  for p in $MAN_PAGES; do
    [ -f "$d/usr/share/man/man${p##*.}/$p" ] || sk_fail "$p not installed in $d/usr/share/man/man${p##*.}"
    sk_assert_same "$d/usr/share/man/man${p##*.}/$p" "$MAN/$p" "installed $p"
  done
  [ -x "$d/usr/bin/stockade-hook" ] || sk_fail "stockade-hook not installed in $d/usr/bin"
  [ -f "$d/usr/share/bash-completion/completions/stockadectl" ] || sk_fail "bash completion not installed"
  sk_assert_same "$d/usr/share/bash-completion/completions/stockadectl" "$PKG/bash-completion/stockadectl" \
    "installed completion"
  # The event file's logrotate snippet, and the metrics timer with the
  # installed stockadectl's path.
  sk_assert_same "$d/etc/logrotate.d/stockade" "$PKG/logrotate/stockade" "installed logrotate snippet"
  sk_assert_same "$d/lib/systemd/system/stockade-metrics.timer" "$PKG/systemd/stockade-metrics.timer" "installed timer"
  sk_assert_grep "$d/lib/systemd/system/stockade-metrics.service" \
    '^ExecStart=/usr/bin/stockadectl metrics --output /var/lib/prometheus/node-exporter/stockade\.prom$' \
    "the metrics service runs the installed stockadectl"
  sk_assert_no_grep "$d/lib/systemd/system/stockade-metrics.service" '@[A-Z]+@' "no placeholder left in the service"
  if command -v logrotate >/dev/null; then
    sed "s|/var/log/stockade/events.json|$CASE/ev.json|" "$d/etc/logrotate.d/stockade" >"$CASE/lr.conf"
    echo '{}' >"$CASE/ev.json"
    sk_run lr logrotate -d -s "$CASE/lr.state" "$CASE/lr.conf"
    sk_assert_rc 0 "logrotate -d accepts the snippet"
    sk_assert_no_grep "$CASE/lr.err" '^error' "logrotate -d: no error"
  fi
  if command -v man >/dev/null; then
    sk_assert_eq "$(MANPATH=$d/usr/share/man man -w stockadectl 2>/dev/null)" \
      "$d/usr/share/man/man8/stockadectl.8" "man finds the installed stockadectl(8)"
  fi
}

# complete WORD...: what the completion offers for the line "WORD..." with
# the cursor on the last word, sorted, one line; in a fresh non-interactive
# bash without bash-completion's helpers, in an empty directory (file names
# are offered wherever a FILE may go).
complete_line() (
  mkdir -p "$CASE/empty" && cd "$CASE/empty" && bash --norc --noprofile -c '
    . "$0"
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    _stockadectl
    printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " " | sed "s/ \$//"
  ' "$PKG/bash-completion/stockadectl" "$@"
)

t_completion() {
  local cmds cfg
  bash -n "$PKG/bash-completion/stockadectl" || sk_fail "the completion script does not parse"
  sk_assert_eq "$(complete_line stockadectl pro)" "profile" "stockadectl pro<TAB>"
  sk_assert_eq "$(complete_line stockadectl profile '')" "diff lint show" "stockadectl profile <TAB>"
  # Every command main() dispatches, and only those.
  cmds=$(ctl_commands | tr '\n' ' ')
  sk_assert_eq "$(complete_line stockadectl '')" "${cmds% }" "stockadectl <TAB>"
  sk_assert_eq "$(complete_line stockadectl events --fo)" "--follow --format" "events --fo<TAB>"
  sk_assert_eq "$(complete_line stockadectl events --decision d)" "deny" "events --decision d<TAB>"
  sk_assert_eq "$(complete_line stockadectl metrics --s)" "--state-dir" "metrics --s<TAB>"
  sk_assert_eq "$(complete_line stockadectl learn --b)" "--base" "learn --b<TAB>"
  sk_assert_eq "$(complete_line stockadectl verify -)" "--help --json --profile --version" "verify -<TAB>"
  # Profile names: from --profile-dir, else the config's profileDir (jq).
  sk_assert_eq "$(complete_line stockadectl --profile-dir "$SK_REPO/profiles" profile show '')" \
    "$(cd "$SK_REPO/profiles" && ls *.json | sed 's/\.json$//' | sort | tr '\n' ' ' | sed 's/ $//')" \
    "profile show <TAB> with --profile-dir"
  mkdir -p "$CASE/prof"
  echo '{"name": "mine"}' >"$CASE/prof/mine.json"
  cfg=$CASE/completion-config.json
  jq -n --arg d "$CASE/prof" --arg e "$CASE/ev.json" '{runtime: "/usr/sbin/runc", profileDir: $d, eventFile: $e}' >"$cfg"
  sk_assert_eq "$(STOCKADE_CONFIG=$cfg complete_line stockadectl check -p m)" "mine" "check -p m<TAB> from the config"
  # Container ids for events --container, from the event file.
  printf '%s\n' '{"schema":"stockade.event/v1","type":"exec","container":{"id":"abcd1234"}}' 'not json' \
    '{"schema":"stockade.event/v1","type":"exec","container":{"id":"abff"}}' >"$CASE/ev.json"
  sk_assert_eq "$(STOCKADE_CONFIG=$cfg complete_line stockadectl events --container ab)" "abcd1234 abff" \
    "events --container <TAB>"
}


# lintian on the package `make deb` builds (the .changes: stockade and its
# debug symbols): no error and no warning, and each override says why.
t_lintian() {
  local changes f
  command -v lintian >/dev/null || sk_fail "lintian not installed (Debian package lintian; run make deps)"
  for f in dpkg-buildpackage dh fakeroot; do
    command -v "$f" >/dev/null || sk_skip "$f not installed (Debian packages dpkg-dev, debhelper, fakeroot; run make deps)"
  done
  sk_run deb make -C "$SK_REPO" --no-print-directory B="$SK_BUILD" deb
  sk_assert_rc 0 "make deb"
  changes=$(ls "$SK_BUILD"/deb/stockade_*.changes 2>/dev/null | head -n 1)
  [ -f "$changes" ] || sk_fail "make deb left no .changes in $SK_BUILD/deb"
  sk_run lintian lintian --fail-on error,warning "$changes"
  sk_assert_rc 0 "lintian finds no error and no warning"
  sk_assert_no_grep "$CASE/lintian.out" '^[EW]: ' "no E: or W: line"
  # Every override line follows a comment that says why.
  for f in "$PKG"/debian/*lintian-overrides; do
    [ -e "$f" ] || continue
    sk_assert_eq "$(awk '/^[^#[:space:]]/ && prev !~ /^#/ { print FILENAME ":" NR } { prev = $0 }' "$f")" "" \
      "each override in ${f##*/} is commented"
  done
  # The mode programs have manual pages (links to stockade(8)).
  sk_assert_eq "$(dpkg-deb -c "$SK_BUILD/deb/stockade.deb" | grep -c 'usr/share/man/man8/stockade-\(complain\|learn\|off\)\.8\.gz -> stockade\.8\.gz')" \
    3 "stockade-complain, -learn and -off have manual pages"
}

sk_case "packaging: man pages render without warnings" t_man_render
sk_case "packaging: man pages name every command, option and field" t_man_content
sk_case "packaging: make install puts man pages and bash completion in place" t_install_docs
sk_case "packaging: bash completion of stockadectl" t_completion
sk_case "packaging: lintian-clean Debian package, overrides commented" t_lintian
