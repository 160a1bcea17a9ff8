#!/bin/bash
# shellcheck disable=SC2016 # jq filters and in-container scripts are single-quoted on purpose
# Host-side access to container paths resolves inside the container's root
# (openat2 RESOLVE_IN_ROOT): symlinks planted in the image and in the
# container's writable tmpfs, absolute and ../ forms, and a symlinked mount
# target, all pointing at host canary files, never make stockade's
# supervisor read, hash, mark or write the host's files.
#
# The host canaries live in /var/tmp/stockade-canary.XXXXXX (a path the
# busybox rootfs does not have): a program with a unique hash, a secret
# file and an empty directory, their access times set to 2001 (relatime
# updates an access time older than the modification time on any read).
# The image holds its own, different program at the same path, which the
# symlinks reach when resolved inside the container.
. "$(dirname "$0")/lib.sh"

CTL=$SK_BUILD/stockadectl
SL_HC=

sl_init() {
  trap 'sk_cleanup_containers; sk_cleanup_supervisors; [ -n "$SL_HC" ] && rm -rf "$SL_HC"' EXIT
  sk_config '.eventRate=100000 | .eventBurst=100000'
  SL_HC=$(mktemp -d /var/tmp/stockade-canary.XXXXXX) || sk_fail "cannot make the host canary directory"
  { cat "$SK_HELPERS/sktrue"; echo "host canary $SL_HC $RANDOM$RANDOM"; } >"$SL_HC/prog"
  chmod 0755 "$SL_HC/prog"
  echo "host secret $SL_HC $RANDOM$RANDOM" >"$SL_HC/secret"
  mkdir "$SL_HC/mnt"
  SL_HOST_SHA=$(sha256sum <"$SL_HC/prog" | cut -d' ' -f1)
  SL_SECRET_SHA=$(sha256sum <"$SL_HC/secret" | cut -d' ' -f1)
  SL_SECRET=$(cat "$SL_HC/secret")
  SL_IMAGE_SHA=$({ cat "$SK_HELPERS/sktrue"; echo "image copy"; } | sha256sum | cut -d' ' -f1)
  # Last: nothing of the test reads them from here on.
  touch -a -d 2001-01-01T00:00:00Z "$SL_HC/prog" "$SL_HC/secret" "$SL_HC/mnt"
}

# sl_bundle NAME PROFILE: the busybox rootfs with the planted links, and a
# tmpfs mounted at /mnt/lnk, a symlink to the host canary directory.
sl_bundle() {
  local b r
  b=$(sk_bundle "$1" '.annotations["stockade.io/profile"] = $p
      | .mounts += [{"destination": "/mnt/lnk", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "mode=1777"]}]
      | .process.args = ["sh", "-c", $s]' --arg p "$2" --arg s "$(sl_script)") || return 1
  r=$b/rootfs
  mkdir -p "$r$SL_HC" "$r/mnt"
  { cat "$SK_HELPERS/sktrue"; echo "image copy"; } >"$r$SL_HC/prog"
  chmod 0755 "$r$SL_HC/prog"
  # runc gives a tmpfs the mode of the directory it covers
  mkdir -p "$r$SL_HC/mnt" && chmod 1777 "$r$SL_HC/mnt"
  ln -s "$SL_HC/prog" "$r/bin/lnk-abs"
  ln -s "../../../../../../../..$SL_HC/prog" "$r/bin/lnk-rel"
  ln -s "$SL_HC/mnt" "$r/mnt/lnk"

  echo "$b"
}

# In the container: links in /tmp (tmpfs) too, execs through every link,
# reads and writes through links to the secret, a program copied into the
# tmpfs mounted on the symlinked target and run.
sl_script() {
  cat <<EOF
ln -s $SL_HC/prog /tmp/abs; ln -s ../../../../../..$SL_HC/prog /tmp/rel
ln -s $SL_HC/secret /tmp/wabs; ln -s ../../../../../..$SL_HC/secret /tmp/wrel
for l in /tmp/abs /tmp/rel /bin/lnk-abs /bin/lnk-rel; do echo "\$l \$(probe exec \$l | head -n 1)"; done
cat /tmp/wabs >/dev/null 2>&1; echo pwned >/tmp/wabs 2>/dev/null; echo pwned >/tmp/wrel 2>/dev/null
echo x >/mnt/lnk/written; cp /bin/sktrue /mnt/lnk/prog || echo "mnt-dir \$(ls -ldL /mnt/lnk) \$(id -u)"
echo "mnt \$(probe exec /mnt/lnk/prog | head -n 1)"
echo done=1
exec sleep 300
EOF
}

# The host canaries are as they were: content, access time.
sl_assert_host_untouched() {
  # access times first: the content checks read the files
  sk_assert_eq "$(stat -c %X "$SL_HC/prog")" "$(date -d 2001-01-01T00:00:00Z +%s)" "$1: host canary program atime (it was read)"
  sk_assert_eq "$(stat -c %X "$SL_HC/secret")" "$(date -d 2001-01-01T00:00:00Z +%s)" "$1: host secret atime (it was read)"
  sk_assert_eq "$(sha256sum <"$SL_HC/prog" | cut -d' ' -f1)" "$SL_HOST_SHA" "$1: host canary program content"
  sk_assert_eq "$(sha256sum <"$SL_HC/secret" | cut -d' ' -f1)" "$SL_SECRET_SHA" "$1: host secret content"
  sk_assert_eq "$(find "$SL_HC/mnt" -mindepth 1 | wc -l)" 0 "$1: files in the host canary directory"
  sk_assert_no_grep "$CASE/events.json" "$SL_HOST_SHA" "$1: the host program's hash in an event"
  sk_assert_no_grep "$CASE/events.json" "$SL_SECRET" "$1: the host secret in an event"
}

# Every fanotify mark of the supervisor is on one of the container's mounts.
sl_assert_marks_inside() {
  local sup=$1 init=$2 fd ids id n=0
  ids=$(awk '{ print $1 }' "/proc/$init/mountinfo" | tr '\n' ' ')
  for fd in /proc/"$sup"/fdinfo/*; do
    while read -r id; do
      n=$((n + 1))
      [[ " $ids " == *" $((16#$id)) "* ]] || sk_fail "supervisor $sup marks mount $((16#$id)), which is not the container's ($ids)"
    done < <(sed -n 's/^fanotify mnt_id:\([0-9a-f]*\) .*/\1/p' "$fd" 2>/dev/null)
  done
  [ "$n" -gt 0 ] || sk_fail "supervisor $sup has no fanotify mount mark"
  sk_log "supervisor $sup: $n mount marks, all on the container's mounts"
}

t_enforce() {
  local b id pid d mnt
  sl_init
  d=$(sk_profile_dir)
  jq '.name = "sl" | .exec = {"allow": ["/bin/*"]}' "$d/default.json" >"$d/sl.json"
  b=$(sl_bundle b sl) || sk_fail "bundle"
  sk_new_id sl
  id=$SK_ID
  sk_run run sk_sk run -d --bundle "$b" "$id"
  sk_assert_rc 0 "stockade run -d"
  sk_assert_supervised "$id" "$b"
  pid=$(sk_rt state "$id" | jq -r .pid)
  sk_wait_grep "$CASE/run.out" '^done=1$' 15 || sk_fail "the container did not finish its script: $(cat "$CASE/run.out")"
  sed 's/^/  container| /' "$CASE/run.out" >&2
  mnt=$(awk -v p="$SL_HC/mnt" '$5 == p { print $5 }' "/proc/$pid/mountinfo")
  sk_assert_eq "$mnt" "$SL_HC/mnt" "the tmpfs for /mnt/lnk is mounted inside the container's root"
  sk_wait_event "$id" 'select(.type == "drift" and (.process.path | endswith("/mnt/prog")))' 15 >/dev/null ||
    sk_fail "no drift event for the program copied into the mount on the symlinked target"
  # Execs through the four links: judged on the image's program (not on
  # the allow-list), hashed from the image's copy.
  sk_wait_event "$id" 'select(.decision == "deny" and .process.path == $p)' 10 --arg p "$SL_HC/prog" >/dev/null ||
    sk_fail "no deny event for $SL_HC/prog reached through a link"
  [ "$(sk_events "$id" 'select(.decision == "deny" and .process.path == $p and .process.sha256 == $s)' --arg p "$SL_HC/prog" \
    --arg s "$SL_IMAGE_SHA" | wc -l)" -ge 4 ] ||
    sk_fail "fewer than 4 deny events for the links with the image copy's sha256: $(sk_events "$id" 'select(.process.path == $p)' --arg p "$SL_HC/prog")"
  sl_assert_marks_inside "$SK_SUP_PID" "$pid"
  sl_assert_host_untouched "enforce"
}

t_learn() {
  local b id pid rec
  sl_init
  b=$(sl_bundle b default) || sk_fail "bundle"
  sk_new_id sllearn
  id=$SK_ID
  SK_AS=stockade-learn sk_run run sk_sk run -d --bundle "$b" "$id"
  sk_assert_rc 0 "stockade-learn run -d"
  sk_assert_supervised "$id" "$b"
  pid=$(sk_rt state "$id" | jq -r .pid)
  sk_wait_grep "$CASE/run.out" '^done=1$' 15 || sk_fail "the container did not finish its script: $(cat "$CASE/run.out")"
  sed 's/^/  container| /' "$CASE/run.out" >&2
  sk_wait_recording "$id" default "(.writes // []) | map(select(test(\"written\"))) | length > 0" 15
  rec=$SK_RECORDING
  sk_log "recording: $(jq -c '{execs, writes}' "$rec")"
  sk_assert_eq "$(jq -r --arg p "$SL_HC/prog" '[.execs[] | select(.path == $p) | .sha256] | unique | join(",")' "$rec")" \
    "$SL_IMAGE_SHA" "learned exec of $SL_HC/prog through the links: the image copy's sha256"
  sk_assert_no_grep "$rec" "$SL_HOST_SHA" "the host program's hash in the recording"
  sk_assert_no_grep "$rec" "$SL_SECRET" "the host secret in the recording"
  sl_assert_marks_inside "$SK_SUP_PID" "$pid"
  sl_assert_host_untouched "learn"
}

sk_for_runtimes "symlinks: execs through planted links are judged and hashed inside the container; host untouched" t_enforce
sk_for_runtimes "symlinks: learning through planted links records the container's files; host untouched" t_learn
