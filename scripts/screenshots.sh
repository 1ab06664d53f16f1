#!/bin/sh
# Pictures of the kiosk's main screens into docs/screenshots/ (the README shows them):
#  - the worker flow, login and admin mode, drawn by the kiosk's own renderer (tiny-skia) on real
#    actors and a throwaway database (ui/tests/screenshots.rs);
#  - the real window under Xvfb after a scan typed by xdotool, and a whole movement recorded with
#    taps, a scan and an image-sequence camera (tests/kiosk_window.rs).
# The camera frame is a drawing made here: the face fixtures must not enter the repository.
set -eu
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ombor-target}"
out=docs/screenshots
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

# A cartoon face as the Camera actor would send it (480×360).
convert -size 480x360 xc:'#6b7280' \
    -fill '#f1c27d' -draw 'ellipse 240,170 85,110 0,360' \
    -fill '#3b2f2f' -draw 'ellipse 205,145 12,8 0,360' -draw 'ellipse 275,145 12,8 0,360' \
    -stroke '#8b4513' -strokewidth 5 -fill none -draw 'arc 200,190 280,240 20,160' \
    "$tmp/face.png"

OMBOR_SCREENSHOT_DIR="$tmp/sim" OMBOR_SCREENSHOT_FACE="$tmp/face.png" \
    cargo test --locked -p ui --test screenshots -- --nocapture
OMBOR_SCREENSHOT_DIR="$tmp" \
    cargo test --locked --test kiosk_window a_scanned_code_shows_its_product_card -- --nocapture
# The whole worker flow in the real window (login, scan, taps, face, saved); no step pictured
# shows the camera, so no fixture photo lands in the repository.
OMBOR_SCREENSHOT_DIR="$tmp" \
    cargo test --locked --test kiosk_window a_worker_records -- --nocapture

# The simulator draws at scale 2: bring them to the window's size (1280×800, or the size in the
# name: size-1024x768-card.png).
for f in "$tmp"/sim/*.png; do
    name=$(basename "$f" | sed 's/-tiny-skia//')
    size=$(echo "$name" | sed -n 's/^size-\([0-9]*x[0-9]*\)-.*/\1/p')
    convert "$f" -resize "${size:-1280x800}" "$out/$name"
done
cp "$tmp"/window-*.png "$out/"
for f in "$tmp"/flow-*.png; do cp "$f" "$out/window-$(basename "$f")"; done
ls -l "$out"
