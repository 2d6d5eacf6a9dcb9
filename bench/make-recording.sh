#!/usr/bin/env bash
# Builds one of the benchmark's C programs and records it with heaptrack into
# bench/.cache/heaptrack.NAME.zst (the large recordings `npm run bench` reads):
#   big   bench/big/big.c: 8.6 M allocations, shallow stacks (~120 MB uncompressed, ~20 s)
#   deep  bench/deep/deep.c: 9.4 M allocations, stacks 30-60 deep (~120 MB, ~30 s)
#
# Usage: bench/make-recording.sh big|deep [N]   (N: the program's argument; default 8000000 for
#   big, 7300000 for deep, or $BENCH_N). Does nothing when the recording already exists;
#   delete it to re-record. Needs gcc, heaptrack (1.4) and zstd.
#
# heaptrack_interpret 1.4.0 can blow up to tens of GB on some allocation patterns (see the note
# in deep.c); as a safety net the recording runs under `ulimit -v` ($BENCH_VMEM_KB, default 8 GB),
# so such a failure ends with std::bad_alloc instead of exhausting the machine.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="$here/.cache"
name="${1:-}"
case "$name" in
    big) default_n=8000000 ;;
    deep) default_n=7300000 ;;
    *) echo "usage: bench/make-recording.sh big|deep [N]" >&2; exit 2 ;;
esac
out="$cache/heaptrack.$name.zst"
ops="${2:-${BENCH_N:-$default_n}}"
vmem_kb="${BENCH_VMEM_KB:-8000000}"

if [ -s "$out" ]; then
    echo "make-recording: $out already exists (delete it to re-record)"
    exit 0
fi
for tool in gcc heaptrack zstd; do
    if ! command -v "$tool" > /dev/null 2>&1; then
        echo "make-recording: '$tool' is not installed" >&2
        exit 2
    fi
done
case "$ops" in ''|*[!0-9]*) echo "make-recording: N must be a number, got '$ops'" >&2; exit 2;; esac

mkdir -p "$cache"
cd "$cache"

if [ ! -x "$name" ] || [ "$here/$name/$name.c" -nt "$name" ]; then
    echo "make-recording: compiling $name.c"
    gcc -g -O0 -fno-omit-frame-pointer -o "$name" "$here/$name/$name.c"
fi

partial="heaptrack.$name.partial"
log="heaptrack.$name.log"
rm -f "$partial" "$partial.zst" "$partial.gz" "$log"
echo "make-recording: recording ./$name $ops with heaptrack (log: $cache/$log)"
start=$(date +%s.%N)
status=0
( ulimit -v "$vmem_kb"; heaptrack -o "$partial" "./$name" "$ops" ) > "$log" 2>&1 || status=$?
end=$(date +%s.%N)
if [ "$status" -ne 0 ] || [ ! -s "$partial.zst" ]; then
    tail -n 20 "$log" >&2
    echo "make-recording: heaptrack failed (exit $status)" >&2
    rm -f "$partial.zst"
    exit 1
fi
# heaptrack_interpret writes '# strings: N' / '# ips: N' as its very last lines; if it died
# (e.g. std::bad_alloc), they are missing and the recording is truncated.
if ! zstd -dc "$partial.zst" | tail -n 2 | grep -q '^# ips: '; then
    tail -n 20 "$log" >&2
    echo "make-recording: the recording is truncated (heaptrack_interpret failed?)" >&2
    rm -f "$partial.zst"
    exit 1
fi
mv -f "$partial.zst" "$out"

compressed=$(stat -c %s "$out")
uncompressed=$(zstd -dc "$out" | wc -c)
printf 'make-recording: wrote %s in %.1f s: %s bytes compressed, %s bytes uncompressed\n' \
    "$out" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" "$compressed" "$uncompressed"
grep -A3 '^heaptrack stats:' "$log" || true
