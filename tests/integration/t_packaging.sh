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
  [ "$(tomlq -r '.version' "$f")" = 2 ] || echo "$f: version is not 2"
  [ "$(tomlq -r "$q | keys | sort | join(\" \")" "$f")" = "$HANDLERS" ] ||
    echo "$f: handlers are $(tomlq -r "$q | keys | join(\" \")" "$f"), expected $HANDLERS"
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
