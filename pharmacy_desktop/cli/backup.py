"""`pharmacy-desktop db backup|restore`: one file holding the database and its manifest, and back.

    pharmacy-desktop db backup [--output FILE]
    pharmacy-desktop db restore FILE [--yes] [--confirm-drop-old]
    pharmacy-desktop db restore --confirm-drop-old [--yes]

A restore goes into a new database, is checked against the manifest, and only then takes the
database's name; the old one is kept (``<name>_before_restore_<time>``) until the person drops it
with ``--confirm-drop-old`` once they have looked at the restored pharmacy. Both need the database
owner's credentials (the embedded server's are the app's own).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pharmacy_desktop.cli.options import UsageError, chosen_database


def register(db_actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`db backup` and `db restore`, beside the other `db` actions (cli/db.py)."""
    backup = db_actions.add_parser(
        "backup", help="write the whole database and a manifest (revision, row counts, checksums) into one file"
    )
    backup.add_argument(
        "--output", "-o", type=Path, metavar="FILE", help="the backup file (default: the backups folder, dated)"
    )
    backup.set_defaults(handler=cmd_db_backup)
    restore = db_actions.add_parser(
        "restore",
        help="restore a backup into a new database, verify it against its manifest, then use it; the old "
        "database is kept until --confirm-drop-old",
    )
    restore.add_argument("file", nargs="?", type=Path, help="a .pharmacy-backup file")
    restore.add_argument(
        "--confirm-drop-old",
        action="store_true",
        help="drop the databases kept by earlier restores (after a FILE: right after it verified)",
    )
    restore.add_argument("--yes", action="store_true", help="do not ask (scripts)")
    restore.set_defaults(handler=cmd_db_restore)


def _summary(rows: dict[str, int]) -> str:
    keys = (
        ("users", "user_schema.users"),
        ("patients", "patient_schema.patients"),
        ("prescriptions", "prescription_schema.prescriptions"),
    )
    return ", ".join(f"{rows.get(table, 0)} {name}" for name, table in keys)


def cmd_db_backup(args: argparse.Namespace) -> int:
    from pharmacy_desktop.db import backup

    output = args.output or backup.backup_dir() / backup.default_name()
    if output.is_dir():
        output = output / backup.default_name()
    with chosen_database(args) as (url, _source):
        manifest = backup.backup(url, output)
    print(f"backup written: {output}")
    print(
        f"  revision {manifest.revision or 'base (empty)'}, app {manifest.app_version}; {_summary(manifest.rows)}; "
        f"{len(manifest.checksums)} key tables checksummed; sha256 {manifest.dump_sha256[:16]}…"
    )
    return 0


def cmd_db_restore(args: argparse.Namespace) -> int:
    from pharmacy_desktop.db import backup, migrate, restore

    if args.file is None and not args.confirm_drop_old:
        raise UsageError("give the backup file to restore (pharmacy-desktop db restore FILE), or --confirm-drop-old")
    with chosen_database(args) as (url, source):
        if args.file is None:
            return _drop_kept(url, args.yes)
        manifest = backup.read_manifest(args.file)  # a damaged or foreign file stops here, before any question
        if manifest.revision is not None and manifest.revision not in migrate.known_revisions():
            raise backup.BackupError(
                f"This backup is at revision {manifest.revision}, newer than this pharmacy-desktop "
                f"({migrate.app_version()}) knows: restore it with the release that made it "
                f"({manifest.app_version}) or a newer one. Nothing was changed."
            )
        print(
            f"Backup {args.file.name}: taken {manifest.created_at} from {manifest.database}, revision "
            f"{manifest.revision}, app {manifest.app_version}; {_summary(manifest.rows)}.",
            file=sys.stderr,
        )
        if restore.database_exists(url):
            from pharmacy_desktop.cli.confirm import confirm_destructive

            print("The database in use is kept under another name until --confirm-drop-old.", file=sys.stderr)
            confirm_destructive(f"restore {args.file.name} in place of", url, source, yes=args.yes)
        result = restore.restore(args.file, url)
        print(
            f"restored and verified against the manifest ({len(result.manifest.rows)} tables' row counts, "
            f"{len(result.manifest.checksums)} checksums); {result.database} now holds the backup's data"
        )
        if result.manifest.revision != migrate.head():
            print(
                f"The backup is at revision {result.manifest.revision}; this app needs {migrate.head()}: the embedded "
                "database is upgraded at the next start, a shared server by 'pharmacy-desktop db upgrade'."
            )
        if result.kept is None:
            return 0
        if args.confirm_drop_old:
            restore.drop_kept(url, [result.kept])
            print(f"the old database {result.kept} was dropped")
        else:
            print(
                f"The old database is kept as {result.kept}. When you have checked the restored pharmacy, drop it "
                "with: pharmacy-desktop db restore --confirm-drop-old"
            )
    return 0


def _drop_kept(url: str, yes: bool) -> int:
    from pharmacy_desktop.cli.confirm import NotConfirmed
    from pharmacy_desktop.db import restore

    kept = restore.kept_databases(url)
    if not kept:
        print("no database kept by a restore; nothing to drop")
        return 0
    print(f"About to drop the database(s) kept by earlier restores: {', '.join(kept)}", file=sys.stderr)
    if not yes:
        if not sys.stdin.isatty():
            raise NotConfirmed("refusing to drop without a confirmation: there is no terminal to ask on; add --yes.")
        sys.stderr.write("Type 'drop' to go on; anything else stops: ")
        sys.stderr.flush()
        if sys.stdin.readline().strip() != "drop":
            raise NotConfirmed("not confirmed; nothing was dropped.")
    restore.drop_kept(url, kept)
    print(f"dropped: {', '.join(kept)}")
    return 0
