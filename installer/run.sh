#!/usr/bin/env bash
# Install what is missing, then start pharmacy-desktop. With no database configured it starts its
# private PostgreSQL in the user data directory, migrated and loaded with demo data on first start.
# Extra arguments go to the app (e.g. --database-url postgresql://user@server/pharmacy).
set -euo pipefail
cd "$(dirname "$0")/.."
bash installer/setup.sh
if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" && -z "${QT_QPA_PLATFORM:-}" ]]; then
  echo "No screen found (DISPLAY unset): starting the app on a virtual screen (Xvfb)."
  exec xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/pharmacy-desktop "$@"
fi
exec .venv/bin/pharmacy-desktop "$@"
