#!/usr/bin/env bash
# The whole test suite: installs what is missing, then runs pytest. The suite starts its own
# throwaway PostgreSQL cluster and runs Qt offscreen; nothing needs to be set up by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
bash installer/setup.sh --dev
exec .venv/bin/python -m pytest "$@"
