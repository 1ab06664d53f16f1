#!/usr/bin/env bash
# Installs what is missing, then runs every test of the workspace against real PostgreSQL,
# real OpenCV and a real window under Xvfb. Every test binary runs even when one fails; the last
# line sums them all: `N passed, N failed, N ignored`. Exit status 0 only when nothing failed.
#   scripts/test.sh [CARGO TEST ARGS...]     e.g. scripts/test.sh -p models
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
export PATH="$HOME/.cargo/bin:$PATH"
# Outside the clone, so a fresh clone rebuilds incrementally.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ombor-target}"
export OPENCV_LOG_LEVEL=ERROR
mkdir -p "$CARGO_TARGET_DIR"
log="$CARGO_TARGET_DIR/test-$(date +%Y%m%d-%H%M%S).log"

set +e
cargo test --workspace --locked --no-fail-fast "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e

# libtest's line per binary: "test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; ..."
read -r passed failed ignored binaries < <(awk '
  /^test result: / {
    n++
    for (i = 1; i <= NF; i++) {
      if ($(i+1) ~ /^passed;?/) p += $i
      if ($(i+1) ~ /^failed;?/) f += $i
      if ($(i+1) ~ /^ignored;?/) g += $i
    }
  }
  END { print p+0, f+0, g+0, n+0 }' "$log")
# A binary that crashed (or did not build) prints no result line; cargo lists it at the end.
crashed=0
if [ "$rc" -ne 0 ]; then
  crashed=$(grep -c "^error: test failed, to rerun pass" "$log" || true)
  with_failures=$(awk '/^test result: / { for (i = 1; i <= NF; i++) if ($(i+1) ~ /^failed;?/ && $i > 0) n++ } END { print n+0 }' "$log")
  crashed=$(( crashed > with_failures ? crashed - with_failures : 0 ))
fi
extra=""
[ "$crashed" -gt 0 ] && extra="; $crashed test binaries stopped without a result (see $log)"
[ "$rc" -ne 0 ] && [ "$binaries" -eq 0 ] && extra="; no test ran: the build failed (see $log)"
echo "$passed passed, $failed failed, $ignored ignored$extra"
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ] || exit 1
