#!/usr/bin/env bash
# Everything a fresh Debian/Ubuntu workstation (or CI) needs: system packages, then a virtualenv.
# Usage: bash installer/setup.sh [--dev]      (idempotent; installs only what is missing or changed)
#
# The Python install is skipped when .venv already holds this checkout's install: the marker
# .venv/.pharmacy-install records the hash of pyproject.toml, the Python version and whether the
# dev tools are in; nothing is fetched then, so a complete .venv works offline. When it must
# install and the build tools are already in .venv, pip builds without isolation (no download of
# setuptools). A PostgreSQL service is touched only when this script has just installed it.
set -euo pipefail
cd "$(dirname "$0")/.."

DEV=0
[[ "${1:-}" == "--dev" ]] && DEV=1

# PostgreSQL server binaries for the embedded database; Qt's runtime libraries; Xvfb for machines
# without a screen; poppler for looking at PDFs; a font that Qt and the label preview can use.
APT_PACKAGES=(postgresql libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
              libglib2.0-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0
              libxcb-randr0 libxcb-render-util0 libxcb-image0 xvfb xauth poppler-utils fonts-dejavu-core)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
fi
if ((${#missing[@]})); then
  echo "Installing system packages: ${missing[*]}"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  server_was_there=0
  dpkg-query -W -f='${Status}' postgresql-common 2>/dev/null | grep -q "install ok installed" && server_was_there=1
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [[ " ${missing[*]} " == *" postgresql "* ]] && ((server_was_there == 0)); then
    # PostgreSQL was not on this machine before: Debian's package just started a system-wide
    # cluster the app does not use (the app runs its own). Stop only that one. A server that was
    # here before (a PC hosting the pharmacy's database) is never touched.
    echo "Stopping the system-wide PostgreSQL service that was just installed (the app runs its own)."
    $SUDO service postgresql stop >/dev/null 2>&1 || true
  fi
fi

PYTHON=${PYTHON:-}
if [[ -z "$PYTHON" ]]; then
  for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      PYTHON=$candidate; break
    fi
  done
fi
[[ -n "$PYTHON" ]] || { echo "Python 3.11 or newer is required" >&2; exit 1; }

MARKER=.venv/.pharmacy-install
fingerprint() {  # what the install was made from: pyproject.toml, the venv's Python, where the checkout is
  { sha256sum pyproject.toml | cut -d' ' -f1; .venv/bin/python -c 'import sys; print(sys.version)'; pwd; } \
    | sha256sum | cut -d' ' -f1
}
up_to_date() {
  [[ -x .venv/bin/python && -x .venv/bin/pharmacy-desktop && -f "$MARKER" ]] || return 1
  local recorded_hash recorded_dev
  read -r recorded_hash recorded_dev < "$MARKER" || return 1
  [[ "$recorded_hash" == "$(fingerprint)" ]] || return 1
  ((DEV == 0 || recorded_dev == 1)) || return 1  # a dev install serves the app too, not the other way
  # the editable install still resolves to this checkout
  .venv/bin/python -c 'import sys, pharmacy_desktop as p; sys.exit(not p.__file__.startswith(sys.argv[1]))' "$PWD" \
    >/dev/null 2>&1
}

if up_to_date; then
  exit 0
fi

new_venv=0
if [[ ! -x .venv/bin/python ]]; then
  "$PYTHON" -m venv .venv || { echo "python venv failed: apt-get install python3-venv" >&2; exit 1; }
  new_venv=1
fi
PIP=(.venv/bin/python -m pip install -q --disable-pip-version-check)
if ((new_venv)); then
  "${PIP[@]}" --upgrade pip >/dev/null
fi
# the build backend lives in .venv (fetched once, with the first install): every later install
# builds without isolation, so it needs no network when the dependencies are already there
has_backend() {
  .venv/bin/python -c 'import setuptools, wheel, sys; sys.exit(int(setuptools.__version__.split(".")[0]) < 68)' \
    >/dev/null 2>&1
}
has_backend || "${PIP[@]}" --retries 1 --timeout 10 "setuptools>=68" wheel || true
if has_backend; then
  PIP+=(--no-build-isolation)
fi
echo "Installing pharmacy-desktop into .venv (pyproject.toml changed or the install is incomplete)"
target="."
((DEV)) && target=".[dev]"
"${PIP[@]}" -e "$target"
recorded_dev=$DEV
if ((DEV == 0)) && [[ -f "$MARKER" ]]; then
  read -r _old old_dev < "$MARKER" || old_dev=0
  [[ "${old_dev:-0}" == 1 ]] && .venv/bin/python -c 'import pytest, ruff' >/dev/null 2>&1 && recorded_dev=1
fi
echo "$(fingerprint) $recorded_dev" > "$MARKER"
