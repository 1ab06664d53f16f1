#!/usr/bin/env bash
# Builds and opens the kiosk. Extra arguments go to `ombor` (e.g. `scripts/run.sh doctor`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ombor-target}"
cargo build --release --locked
exec "$CARGO_TARGET_DIR/release/ombor" "$@"
