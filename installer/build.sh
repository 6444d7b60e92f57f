#!/usr/bin/env bash
# The one-folder app: dist/pharmacy-desktop/ (PyInstaller), with a Linux .desktop entry and icon.
# Usage: bash installer/build.sh [--self-test] [--install-desktop-entry]
#   --self-test              then run dist/pharmacy-desktop/pharmacy-desktop --self-test from /tmp
#   --install-desktop-entry  then put the entry and icon in ~/.local/share (the app menu finds it)
# PyInstaller comes from the project's dev dependencies (pyproject.toml) through setup.sh --dev.
# The same spec builds the Windows folder: installer/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
SELF_TEST=0
INSTALL_ENTRY=0
for arg in "$@"; do
  case "$arg" in
    --self-test) SELF_TEST=1 ;;
    --install-desktop-entry) INSTALL_ENTRY=1 ;;
    *) echo "unknown option: $arg (see the top of installer/build.sh)" >&2; exit 2 ;;
  esac
done

bash installer/setup.sh --dev
.venv/bin/python -c 'import PyInstaller' 2>/dev/null \
  || { echo "PyInstaller is missing from .venv: bash installer/setup.sh --dev" >&2; exit 1; }

echo "Building dist/pharmacy-desktop/ (PyInstaller; a few minutes)"
.venv/bin/pyinstaller --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller installer/pharmacy-desktop.spec

APP="$PWD/dist/pharmacy-desktop"
cp resources/icons/pharmacy-desktop.png "$APP/pharmacy-desktop.png"
# the entry names the folder's own program and icon by absolute path (Exec= needs no PATH entry)
sed -e "s|^Exec=.*|Exec=\"$APP/pharmacy-desktop\"|" -e "s|^Icon=.*|Icon=$APP/pharmacy-desktop.png|" \
  -e '/^# installer\/build.sh/d' installer/pharmacy-desktop.desktop > "$APP/pharmacy-desktop.desktop"
chmod +x "$APP/pharmacy-desktop.desktop"
echo "Built $APP ($(du -sh "$APP" | cut -f1)): run $APP/pharmacy-desktop"

if ((INSTALL_ENTRY)); then
  apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
  mkdir -p "$apps"
  cp "$APP/pharmacy-desktop.desktop" "$apps/pharmacy-desktop.desktop"
  echo "Desktop entry: $apps/pharmacy-desktop.desktop"
fi
if ((SELF_TEST)); then
  (cd /tmp && env -u PYTHONPATH "$APP/pharmacy-desktop" --self-test)
fi
