#!/usr/bin/env bash
# Builds one of the benchmark's programs and records it with heaptrack into
# bench/.cache/heaptrack.NAME.zst (the recordings `npm run bench` reads):
#   big       bench/big/big.c: 8.6 M allocations, shallow stacks (~120 MB uncompressed, ~20 s)
#   deep      bench/deep/deep.c: 9.4 M allocations, stacks 30-60 deep (~120 MB, ~30 s)
#   compiler  bench/compiler/compiler.cpp (g++ -O0 -g): a compiler front end's allocations,
#             1.3 M of them through 2 M trace nodes, 1,500 functions (~37 MB, ~5 s)
#   node      node bench/workloads/json.mjs: a Node program, V8's deep stacks (~21 MB, ~6 s)
#   small     bench/deep/deep.c 3000: a few seconds' worth of a small program (~100 KB)
#
# Usage: bench/make-recording.sh NAME [N]   (N: the program's argument; defaults below, or
#   $BENCH_N). Does nothing when the recording already exists; delete it to re-record.
#   Needs heaptrack (1.4), zstd and gcc / g++ / node as the program asks.
#
# heaptrack_interpret 1.4.0 can blow up to tens of GB on some allocation patterns (see the note
# in deep.c); as a safety net the recording runs under `ulimit -v` ($BENCH_VMEM_KB, default 8 GB),
# so such a failure ends with std::bad_alloc instead of exhausting the machine.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="$here/.cache"
name="${1:-}"
case "$name" in
    big) default_n=8000000; compiler=gcc ;;
    deep|small) default_n=7300000; compiler=gcc ;;
    compiler) default_n=400; compiler=g++ ;;
    node) default_n=0; compiler=node ;;
    *) echo "usage: bench/make-recording.sh big|deep|compiler|node|small [N]" >&2; exit 2 ;;
esac
[ "$name" = small ] && default_n=3000
out="$cache/heaptrack.$name.zst"
ops="${2:-${BENCH_N:-$default_n}}"
vmem_kb="${BENCH_VMEM_KB:-8000000}"

if [ -s "$out" ]; then
    echo "make-recording: $out already exists (delete it to re-record)"
    exit 0
fi
for tool in "$compiler" heaptrack zstd; do
    if ! command -v "$tool" > /dev/null 2>&1; then
        echo "make-recording: '$tool' is not installed" >&2
        exit 2
    fi
done
case "$ops" in ''|*[!0-9]*) echo "make-recording: N must be a number, got '$ops'" >&2; exit 2;; esac

mkdir -p "$cache"
cd "$cache"

# the program and its command line
case "$name" in
    node) program=(node "$here/workloads/json.mjs") ;;
    compiler)
        program=(./compiler "$ops")
        if [ ! -x compiler ] || [ "$here/compiler/compiler.cpp" -nt compiler ]; then
            echo "make-recording: compiling compiler.cpp"
            g++ -std=c++17 -g -O0 -fno-omit-frame-pointer -o compiler "$here/compiler/compiler.cpp"
        fi ;;
    *)
        src="$name"; [ "$name" = small ] && src=deep
        program=("./$src" "$ops")
        if [ ! -x "$src" ] || [ "$here/$src/$src.c" -nt "$src" ]; then
            echo "make-recording: compiling $src.c"
            gcc -g -O0 -fno-omit-frame-pointer -o "$src" "$here/$src/$src.c"
        fi ;;
esac

partial="heaptrack.$name.partial"
log="heaptrack.$name.log"
rm -f "$partial" "$partial.zst" "$partial.gz" "$log"
echo "make-recording: recording ${program[*]} with heaptrack (log: $cache/$log)"
start=$(date +%s.%N)
status=0
( ulimit -v "$vmem_kb"; heaptrack -o "$partial" "${program[@]}" ) > "$log" 2>&1 || status=$?
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
