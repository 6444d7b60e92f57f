"""The command line builds its parser without the database layer: `pharmacy-desktop --help` and a
refused argument answer in a fraction of a second; a command imports the app when it opens a database."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("pharmacy_desktop.app", "pharmacy_desktop.db.unit_of_work", "pharmacy_desktop.db.models", "sqlalchemy.orm")


def _loaded_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint('LOADED', *(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.splitlines()[-1].split()[1:])  # the last line: after --help's text


def test_the_parser_and_help_leave_the_database_layer_unimported():
    code = (
        "from pharmacy_desktop import cli\n"
        "cli.build_parser()\n"
        "try:\n    cli.main(['--help'])\nexcept SystemExit as e:\n    assert e.code == 0\n"
        "try:\n    cli.main(['report', 'no-such-report'])\nexcept SystemExit as e:\n    assert e.code == 2\n"
    )
    assert _loaded_after(code) == set()


def test_a_command_that_opens_the_database_imports_it_then():
    code = (
        "from pharmacy_desktop.cli import options\n"
        "import argparse\n"
        "try:\n"
        "    with options.database(argparse.Namespace(database_url='postgresql://u:p@127.0.0.1:1/none')):\n"
        "        pass\n"
        "except Exception:\n"
        "    pass\n"
    )
    assert _loaded_after(code) == set(HEAVY)
