#!/bin/sh
# The batch workload: coreutils, sed, awk, perl, tar and gzip turn generated
# records into a report and an archive below /work; prints their checksums.
set -e
mkdir -p /work/batch/in /work/batch/out
cd /work/batch
seq 1 500 | awk '{ printf "%05d,item-%d,%d\n", $1, $1 % 17, ($1 * 37) % 101 }' >in/records.csv
sed -e 's/item-/ITEM/' -e 's/,/;/g' in/records.csv >in/records.ssv
awk -F';' '{ s[$2] += $3 } END { for (k in s) print k, s[k] }' in/records.ssv | sort >out/totals.txt
perl -ne 'chomp; my @f = split /;/; $n++; $t += $f[2]; END { printf "records=%d total=%d\n", $n, $t }' in/records.ssv >out/summary.txt
cut -d';' -f2 in/records.ssv | sort | uniq -c | sort -k2 | head -n 5 >out/counts.txt
tr 'a-z' 'A-Z' <out/summary.txt >>out/counts.txt
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf out/in.tar in
gzip -n -9 out/in.tar
gzip -dc out/in.tar.gz | tar -tf - | sort
cat out/summary.txt
sha256sum out/totals.txt out/counts.txt | sed 's/  / /'
gzip -dc out/in.tar.gz | sha256sum | cut -d' ' -f1 | sed 's/^/tar-sha256=/'
echo BATCH-OK
sleep "${WL_HOLD:-0}"
