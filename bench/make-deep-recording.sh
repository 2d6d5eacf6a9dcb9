#!/usr/bin/env bash
# Builds bench/deep/deep.c and records it with heaptrack into bench/.cache/heaptrack.deep.zst
# (a large recording with deep stacks, one of the inputs of `npm run bench`).
#
# Usage: bench/make-deep-recording.sh [N_OPS]        (default 7300000, or $DEEP_OPS)
#   Does nothing when bench/.cache/heaptrack.deep.zst already exists; delete it to re-record.
#   Needs gcc, heaptrack (1.4) and zstd.  Takes ~20-30 s; the recording is ~65-70 MB uncompressed.
#
# heaptrack_interpret 1.4.0 can blow up to tens of GB on some allocation patterns (see the note
# in deep.c); as a safety net the recording runs under `ulimit -v` ($DEEP_VMEM_KB, default 8 GB),
# so such a failure ends with std::bad_alloc instead of exhausting the machine.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="$here/.cache"
out="$cache/heaptrack.deep.zst"
ops="${1:-${DEEP_OPS:-7300000}}"
vmem_kb="${DEEP_VMEM_KB:-8000000}"

if [ -s "$out" ]; then
    echo "make-deep-recording: $out already exists (delete it to re-record)"
    exit 0
fi
for tool in gcc heaptrack zstd; do
    if ! command -v "$tool" > /dev/null 2>&1; then
        echo "make-deep-recording: '$tool' is not installed" >&2
        exit 2
    fi
done
case "$ops" in ''|*[!0-9]*) echo "make-deep-recording: N_OPS must be a number, got '$ops'" >&2; exit 2;; esac

mkdir -p "$cache"
cd "$cache"

if [ ! -x deep ] || [ "$here/deep/deep.c" -nt deep ]; then
    echo "make-deep-recording: compiling deep.c"
    gcc -g -O0 -fno-omit-frame-pointer -o deep "$here/deep/deep.c"
fi

partial="heaptrack.deep.partial"
rm -f "$partial" "$partial.zst" "$partial.gz" heaptrack.deep.log
echo "make-deep-recording: recording ./deep $ops with heaptrack (log: $cache/heaptrack.deep.log)"
start=$(date +%s.%N)
status=0
( ulimit -v "$vmem_kb"; heaptrack -o "$partial" ./deep "$ops" ) > heaptrack.deep.log 2>&1 || status=$?
end=$(date +%s.%N)
if [ "$status" -ne 0 ] || [ ! -s "$partial.zst" ]; then
    tail -n 20 heaptrack.deep.log >&2
    echo "make-deep-recording: heaptrack failed (exit $status)" >&2
    rm -f "$partial.zst"
    exit 1
fi
# heaptrack_interpret writes '# strings: N' / '# ips: N' as its very last lines; if it died
# (e.g. std::bad_alloc), they are missing and the recording is truncated.
if ! zstd -dc "$partial.zst" | tail -n 2 | grep -q '^# ips: '; then
    tail -n 20 heaptrack.deep.log >&2
    echo "make-deep-recording: the recording is truncated (heaptrack_interpret failed?)" >&2
    rm -f "$partial.zst"
    exit 1
fi
mv -f "$partial.zst" "$out"

compressed=$(stat -c %s "$out")
uncompressed=$(zstd -dc "$out" | wc -c)
printf 'make-deep-recording: wrote %s in %.1f s: %s bytes compressed, %s bytes uncompressed\n' \
    "$out" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" "$compressed" "$uncompressed"
grep -A3 '^heaptrack stats:' heaptrack.deep.log || true
