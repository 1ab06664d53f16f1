#!/usr/bin/env bash
# Builds the Debian package ombor-nazorat_VERSION_amd64.deb with cargo-deb:
#   scripts/build-deb.sh                      # release build, into $CARGO_TARGET_DIR/debian/
#   scripts/build-deb.sh --profile dev --fast --no-build -o DIR   # what tests/package.rs does
# Arguments are passed to `cargo deb`. Before packaging it puts beside the binary (in the
# profile's target dir, where [package.metadata.deb] looks):
#   deb/models/*.onnx  the two face models, checksum-verified (copied from
#                      /usr/local/share/ombor-nazorat/models when they are there, else fetched
#                      by scripts/fetch-face-models.sh): the kiosk is offline, so they are shipped;
#   deb/ombor.toml     config/ombor.toml with the installed paths (data in /var/lib/ombor-nazorat,
#                      models in /usr/share/ombor-nazorat/models).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ombor-target}"
command -v cargo-deb >/dev/null || { echo "build-deb: cargo-deb is missing: cargo install cargo-deb --locked" >&2; exit 1; }

profile=release
build=1
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --profile) profile="${args[$((i + 1))]}" ;;
    --profile=*) profile="${args[$i]#--profile=}" ;;
    --no-build) build=0 ;;
  esac
done
case "$profile" in dev | test) dir="$CARGO_TARGET_DIR/debug" ;; release | bench) dir="$CARGO_TARGET_DIR/release" ;; *) dir="$CARGO_TARGET_DIR/$profile" ;; esac

if [ "$build" -eq 1 ]; then
  cargo build --locked --profile "$profile" -p ombor --bin ombor
fi
[ -x "$dir/ombor" ] || { echo "build-deb: no binary at $dir/ombor (build it, or drop --no-build)" >&2; exit 1; }

stage="$dir/deb"
mkdir -p "$stage/models"
for m in centerface.onnx face_recognition_sface_2021dec.onnx; do
  if [ ! -f "$stage/models/$m" ] && [ -f "/usr/local/share/ombor-nazorat/models/$m" ]; then
    cp "/usr/local/share/ombor-nazorat/models/$m" "$stage/models/$m"
  fi
done
# Verifies what is there (and fetches what is missing or wrong).
scripts/fetch-face-models.sh "$stage/models"

# The manual page, from the CLI's own help (clap_mangen).
"$dir/ombor" manpage | gzip -9n > "$stage/ombor.1.gz"

# The installed configuration: the documented default with the package's paths.
sed -e 's|^data_dir = ""$|data_dir = "/var/lib/ombor-nazorat"|' \
    -e 's|^models_dir = ""$|models_dir = "/usr/share/ombor-nazorat/models"|' \
    config/ombor.toml > "$stage/ombor.toml"
grep -q '^data_dir = "/var/lib/ombor-nazorat"$' "$stage/ombor.toml" && grep -q '^models_dir = "/usr/share/ombor-nazorat/models"$' "$stage/ombor.toml" \
  || { echo "build-deb: config/ombor.toml no longer has the empty data_dir/models_dir lines this script sets" >&2; exit 1; }

# The binary is built already (above, or by the caller): cargo-deb only packages it.
has_no_build=0
for a in "${args[@]}"; do [ "$a" = "--no-build" ] && has_no_build=1; done
[ "$has_no_build" -eq 1 ] || args+=(--no-build)
cargo deb -p ombor "${args[@]}"
