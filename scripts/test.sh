#!/usr/bin/env bash
# Installs what is missing, then runs every test of the workspace against real PostgreSQL,
# real OpenCV and a real window under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
export PATH="$HOME/.cargo/bin:$PATH"
# Outside the clone, so a fresh clone rebuilds incrementally.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ombor-target}"
export OPENCV_LOG_LEVEL=ERROR
cargo test --workspace --locked "$@"
