#!/usr/bin/env bash
# Start pharmacy-desktop, installing first only what is missing or changed (installer/setup.sh:
# nothing is fetched when .venv is complete, so it starts offline). With no database configured it
# starts its private PostgreSQL in the user data directory, migrated and loaded with demo data on
# the first start. Extra arguments go to the app (e.g. --database-url postgresql://user@server/pharmacy).
set -euo pipefail
cd "$(dirname "$0")/.."
bash installer/setup.sh
if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" && -z "${QT_QPA_PLATFORM:-}" ]]; then
  cat <<'MESSAGE'
No screen found (DISPLAY is not set): the app starts on a virtual screen (Xvfb) that nobody can see.
  To see it: run this command again from a desktop session, or log in with 'ssh -X' (or -Y) first.
  To quit: press Ctrl+C here; the app closes as if its window was closed and stops its database.
MESSAGE
  exec xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/pharmacy-desktop "$@"
fi
exec .venv/bin/pharmacy-desktop "$@"
