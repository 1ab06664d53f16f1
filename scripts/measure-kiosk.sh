#!/bin/sh
# Figures of the kiosk window (release build) under Xvfb: scan → product card time for a few
# scans typed by xdotool like a USB scanner, and resident memory with the camera running on an
# image sequence (drawn frames). Usage: scripts/measure-kiosk.sh [path/to/ombor]
set -eu
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ombor-target}"
bin="${1:-}"
if [ -z "$bin" ]; then
    cargo build --release --locked --bin ombor
    bin="$CARGO_TARGET_DIR/release/ombor"
fi
tmp=$(mktemp -d)
chmod 755 "$tmp"
data="$tmp/data"; mkdir -p "$data" "$tmp/frames"; chmod 755 "$data"
faces="${OMBOR_FACES_DIR:-../shared/fixtures/faces}"
if [ -d "$faces/John_Simm" ]; then
    # A real face nobody enrolled, in 1280×720 frames (FRAME_SIZE=640x480: a camera set to that): the face check runs (detection and
    # embedding on every frame) and stays open with the preview until its timeout.
    for i in 1 2 3 4 5 6; do
        convert "$faces/John_Simm/0$i.jpg" -resize 320x320 -background gray55 -gravity center -extent "${FRAME_SIZE:-1280x720}" "$tmp/frames/$(printf %03d "$i").png"
    done
else
    for i in $(seq 1 60); do
        x=$((280 + i * 2))
        convert -size 640x480 xc:'#6b7280' -fill '#f1c27d' -draw "ellipse $x,230 110,140 0,360" "$tmp/frames/$(printf %03d "$i").png"
    done
fi
Xvfb :97 -screen 0 1280x800x24 -nolisten tcp -noreset >/dev/null 2>&1 & xvfb=$!
sleep 1
DISPLAY=:97 matchbox-window-manager -use_titlebar no >/dev/null 2>&1 & wm=$!
cleanup() { kill "$kiosk" 2>/dev/null || true; sleep 3; kill "$wm" "$xvfb" 2>/dev/null || true; rm -rf "$tmp"; }
export OMBOR_DATA_DIR="$data" XDG_CONFIG_HOME=/nonexistent
printf 'boss-password-1\n' | "$bin" user add --username boss --role admin --password-stdin >/dev/null
printf 'boss-password-1\nali-password-1\n' | "$bin" user add --username ali --role operator --user boss --password-stdin >/dev/null
printf 'boss-password-1\n' | "$bin" product add --sku CEM-50 --qr QR-000123 --name "Sement 50 kg" --unit box --user boss --password-stdin >/dev/null
DISPLAY=:97 OMBOR_UI_FULLSCREEN=false OMBOR_LOG=info OMBOR_CAMERA_SOURCE="${OMBOR_CAMERA_SOURCE-$tmp/frames/%03d.png}" "$bin" 2>"$tmp/kiosk.log" & kiosk=$!
trap cleanup EXIT
sleep 10
for i in 1 2 3 4 5 6; do
    DISPLAY=:97 xdotool type --delay 8 QR-000123; DISPLAY=:97 xdotool key Return
    sleep 1.5
    DISPLAY=:97 xdotool key Escape
done
sleep 10
echo "scan → product card (ms, from the scanned code to the card in update):"
grep "product card shown" "$tmp/kiosk.log" | sed 's/\x1b\[[0-9;]*m//g' | grep -o 'ms="[0-9.]*"' | tr '\n' ' '; echo
echo "camera: $(grep -c 'camera' "$tmp/kiosk.log") log lines; $(sed 's/\x1b\[[0-9;]*m//g' "$tmp/kiosk.log" | grep -i 'camera' | tail -1)"
pmap -x "$kiosk" | sort -k3 -n -r | head -8 >&2 || true
echo "resident memory on the lock screen: $(grep VmRSS /proc/$kiosk/status | awk '{print $2, $3}')"
# The face check with the preview running: log in on the on-screen login (taps at the 1280×800
# window's points), scan, IN, 1, continue; then sample the resident memory for 5 s.
x() { DISPLAY=:97 xdotool "$@"; }
x mousemove 907 59 click 1; sleep 1; x type --delay 60 ali; x mousemove 264 351 click 1
x type --delay 60 ali-password-1; x key Return; sleep 2
x type --delay 8 QR-000123; x key Return; sleep 1.5
x mousemove 954 170 click 1; sleep 0.5; x mousemove 707 441 click 1; x mousemove 1108 597 click 1
peak=0
for i in 1 2 3 4 5 6 7 8 9 10; do
    sleep 0.5
    kb=$(grep VmRSS /proc/$kiosk/status | awk '{print $2}')
    [ "$kb" -gt "$peak" ] && peak=$kb
done
echo "resident memory during the face check with the preview: max $peak kB ($((peak / 1024)) MiB) of 10 samples"
echo "of which shared library and binary pages: $(grep RssFile /proc/$kiosk/status | awk '{print $2, $3}')"
echo "UI updates or views longer than one 60 Hz frame (16 ms): $(grep -c 'slow UI' "$tmp/kiosk.log" || true)"
sed 's/\x1b\[[0-9;]*m//g' "$tmp/kiosk.log" | grep 'slow UI' | head -5 || true
