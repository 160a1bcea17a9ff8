#!/bin/sh
# Usage: embed.sh SYMBOL FILE > header.h
# Emit FILE as a NUL-terminated C string named SYMBOL.
set -eu
sym=$1
file=$2
printf '/* generated from %s by scripts/embed.sh; do not edit */\n' "$file"
printf 'static const char %s[] = {\n' "$sym"
od -An -v -tx1 "$file" | sed -e 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g' -e 's/^/  /'
printf '  0x00\n};\n'
