#!/usr/bin/env bash
# Rebuild s3sim and re-record the bundled demo recording
# (examples/demo/heaptrack.s3-get.zst) with heaptrack.
#
# Needs: rustc, heaptrack (and heaptrack_print for the summary at the end).
# The recording embeds the absolute path of the build directory, so the build
# happens in a neutral directory (default /tmp/heapflame-demo-build; override
# with HEAPFLAME_DEMO_BUILD_DIR).
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/../.." && pwd)"
out="$repo_root/examples/demo/heaptrack.s3-get.zst"
build_dir="${HEAPFLAME_DEMO_BUILD_DIR:-/tmp/heapflame-demo-build}"

rustc_bin="${RUSTC:-$(command -v rustc || true)}"
if [[ -z "$rustc_bin" && -x "$HOME/.cargo/bin/rustc" ]]; then
  rustc_bin="$HOME/.cargo/bin/rustc"
fi
[[ -n "$rustc_bin" ]] || { echo "record.sh: rustc not found (set RUSTC)" >&2; exit 1; }
command -v heaptrack >/dev/null || { echo "record.sh: heaptrack not found" >&2; exit 1; }

mkdir -p "$build_dir"
# remove only what this script creates
rm -f "$build_dir/s3sim" "$build_dir/s3sim.rs" "$build_dir"/heaptrack.s3-get.*

cp "$script_dir/s3sim.rs" "$build_dir/s3sim.rs"
(
  cd "$build_dir"
  "$rustc_bin" -g -O -o s3sim s3sim.rs
  heaptrack -o "$build_dir/heaptrack.s3-get" ./s3sim
)

recording="$build_dir/heaptrack.s3-get.zst"
[[ -f "$recording" ]] || { echo "record.sh: heaptrack did not write $recording" >&2; exit 1; }

mkdir -p "$(dirname "$out")"
mv -f "$recording" "$out"
echo "wrote $out ($(wc -c <"$out") bytes)"

if command -v heaptrack_print >/dev/null; then
  # summary block: runtime, calls, temporary, peak, peak RSS, leaked
  heaptrack_print "$out" | grep -E '^(total runtime|calls to allocation functions|temporary memory allocations|peak heap memory consumption|peak RSS|total memory leaked)' \
    | sed 's/heaptrack stats:.*//'
fi
