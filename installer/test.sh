#!/usr/bin/env bash
# The whole test suite: installs what is missing, then the static checks (ruff lint and format,
# mypy, the import-linter layer contracts in pyproject.toml), then pytest. The suite starts its own
# throwaway PostgreSQL cluster and runs Qt offscreen; nothing needs to be set up by hand.
# pytest runs in two processes (pytest-xdist, -n 2: this is a 2-core machine; the suite is mostly
# waiting on PostgreSQL, Qt and sockets); the few real-time tests share a group. Extra arguments go to
# pytest and win over these defaults (e.g. -n 0 for one process, -k fill).
set -euo pipefail
cd "$(dirname "$0")/.."
bash installer/setup.sh --dev
echo "== ruff (lint, format)"
.venv/bin/ruff check .
.venv/bin/ruff format --check . >/dev/null || { .venv/bin/ruff format --check .; exit 1; }
echo "== mypy"
# mypy's incremental cache lives outside the checkout, one per checkout path: a clean clone made again
# at the same place (CI) starts warm instead of checking ~350 modules and the libraries' stubs from
# nothing (~20 s). mypy still re-checks every module whose content, options or dependencies changed
# (it compares hashes, not the fresh clone's timestamps); delete the folder to start cold.
MYPY_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/pharmacy-desktop/mypy-$(pwd -P | sha256sum | cut -c1-16)"
.venv/bin/mypy --cache-dir "$MYPY_CACHE"
echo "== import contracts"
.venv/bin/lint-imports --no-cache >/dev/null || .venv/bin/lint-imports --no-cache
echo "== pytest"
exec .venv/bin/python -m pytest -n 2 --dist loadgroup "$@"
