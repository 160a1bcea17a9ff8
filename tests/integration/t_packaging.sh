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
  cmds=$(sed -n 's/.*strcmp(argv\[i\], "\([a-z]*\)").*/\1/p' "$SK_REPO/ctl/stockadectl.c")
  subs=$(sed -n 's/.*strcmp(argv\[1\], "\([a-z]*\)").*/profile \1/p' "$SK_REPO/ctl/stockadectl.c")
  opts=$(grep -ho '{"[a-z-]*", *[a-z_]*argument' "$SK_REPO"/ctl/*.c | sed 's/{"\([a-z-]*\)".*/--\1/' | sort -u)
  if [ "$(echo "$cmds" | wc -w)" -lt 6 ] || [ "$(echo "$subs" | wc -l)" -lt 3 ] || [ "$(echo "$opts" | wc -w)" -lt 8 ]; then
    sk_fail "could not read the commands and options from ctl/*.c"
  fi
  local IFS=$'\n'
  # shellcheck disable=SC2086
  out=$(man_missing "$MAN/stockadectl.8" $cmds $subs $opts --profile-dir STOCKADE_CONFIG "EXIT STATUS")
  unset IFS
  sk_assert_eq "$out" "" "stockadectl.8 names every command, subcommand and option"

  # stockade.8: every config field (shim/config.c's list), the program
  # names of the modes, the annotations a workload sets.
  keys=$(sed -n '/static const char \*const known\[\]/,/NULL}/p' "$SK_REPO/shim/config.c" | grep -o '"[A-Za-z]*"' | tr -d '"')
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
  cmds=$(sed -n 's/.*strcmp(argv\[i\], "\([a-z]*\)").*/\1/p' "$SK_REPO/ctl/stockadectl.c" | sort | tr '\n' ' ')
  sk_assert_eq "$(complete_line stockadectl '')" "${cmds% }" "stockadectl <TAB>"
  sk_assert_eq "$(complete_line stockadectl events --fo)" "--follow" "events --fo<TAB>"
  sk_assert_eq "$(complete_line stockadectl learn --b)" "--base" "learn --b<TAB>"
  sk_assert_eq "$(complete_line stockadectl verify -)" "--help --json --profile" "verify -<TAB>"
  # Profile names: from --profile-dir, else the config's profileDir (jq).
  sk_assert_eq "$(complete_line stockadectl --profile-dir "$SK_REPO/profiles" profile show '')" \
    "default job locked web" "profile show <TAB> with --profile-dir"
  mkdir -p "$CASE/prof"
  echo '{"name": "mine"}' >"$CASE/prof/mine.json"
  cfg=$CASE/completion-config.json
  jq -n --arg d "$CASE/prof" --arg e "$CASE/ev.json" '{runtime: "/usr/sbin/runc", profileDir: $d, eventFile: $e}' >"$cfg"
  sk_assert_eq "$(STOCKADE_CONFIG=$cfg complete_line stockadectl check -p m)" "mine" "check -p m<TAB> from the config"
  # Container ids for events --container, from the event file.
  printf '%s\n' '{"type":"exec","container":"abcd1234"}' 'not json' '{"type":"exec","container":"abff"}' >"$CASE/ev.json"
  sk_assert_eq "$(STOCKADE_CONFIG=$cfg complete_line stockadectl events --container ab)" "abcd1234 abff" \
    "events --container <TAB>"
}

sk_case "packaging: man pages render without warnings" t_man_render
sk_case "packaging: man pages name every command, option and field" t_man_content
sk_case "packaging: make install puts man pages and bash completion in place" t_install_docs
sk_case "packaging: bash completion of stockadectl" t_completion
