"""What every command shares: the one ``--database-url`` option and how a command gets its database."""

from __future__ import annotations

import argparse
import contextlib
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pharmacy_desktop.errors import PharmacyError

if TYPE_CHECKING:
    from pharmacy_desktop.app import Application

# pharmacy_desktop.app (the engine, every model and repository: ~0.5 s) is imported by the commands
# that open a database, when they do: building the parser, --help and a refused argument stay quick

_DB_HELP = (
    "PostgreSQL URL (postgresql://user@host:5432/db or postgresql+psycopg://...), before or after the "
    "command; default: $PHARMACY_DATABASE_URL, the workstation configuration, else the embedded server"
)
_DB_DEST = "database_url"


class UsageError(PharmacyError):
    pass


def add_db_option(parser: argparse.ArgumentParser, depth: int = 0) -> None:
    """The one definition of --database-url. Each level of sub-command keeps its own copy
    (``_database_url_<depth>``, absent unless given) so that a sub-parser's default can never
    overwrite the URL given before the sub-command; :func:`merge_database_url` joins them."""
    if "--database-url" in parser._option_string_actions:
        return
    dest = _DB_DEST if depth == 0 else f"_{_DB_DEST}_{depth}"
    default = None if depth == 0 else argparse.SUPPRESS
    parser.add_argument("--database-url", metavar="URL", help=_DB_HELP, dest=dest, default=default)


def every_parser(parser: argparse.ArgumentParser, depth: int = 0) -> Iterator[tuple[argparse.ArgumentParser, int]]:
    yield parser, depth
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):  # aliases share a parser
                yield from every_parser(child, depth + 1)


def merge_database_url(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    given = [args.database_url] if args.database_url else []
    for name in [n for n in vars(args) if n.startswith(f"_{_DB_DEST}_")]:
        given.append(getattr(args, name))
        delattr(args, name)
    if len(set(given)) > 1:
        from pharmacy_desktop.config import redact

        parser.error(
            "--database-url was given twice with different URLs ("
            + ", ".join(redact(u) for u in given)
            + "); give it once"
        )
    args.database_url = given[0] if given else None


def source_name(source: str) -> str:
    """Where a URL came from, as the person would look for it (app.configured_url's source)."""
    from pharmacy_desktop import config as config_mod

    return {
        "command line": "--database-url",
        "environment": "PHARMACY_DATABASE_URL",
        "configuration file": f"the workstation configuration {config_mod.config_path()}",
    }.get(source, source)


def checked(url: str, source: str) -> str:
    from pharmacy_desktop import config as config_mod

    try:
        config_mod.normalize_url(url)
    except ValueError as exc:
        raise UsageError(f"{exc} (the URL came from {source_name(source)})") from None
    return url


@contextlib.contextmanager
def database(args: argparse.Namespace, **kwargs: Any) -> Iterator[Application]:
    """The composition root's application for this command, closed at the end."""
    from pharmacy_desktop import config as config_mod
    from pharmacy_desktop.app import configured_url, open_database

    cli_url = getattr(args, "database_url", None)
    url, source = configured_url(cli_url, kwargs.get("cfg") or config_mod.load())
    if url is not None:
        checked(url, source)
    db = open_database(cli_url, **kwargs)
    try:
        yield db
    finally:
        db.close()


@contextlib.contextmanager
def chosen_database(args: argparse.Namespace) -> Iterator[tuple[str, str]]:
    """(URL, where it came from) for tools that manage their own connections (migrations);
    the embedded server started as needed."""
    from pharmacy_desktop import config as config_mod
    from pharmacy_desktop.app import configured_url

    url, source = configured_url(getattr(args, "database_url", None), config_mod.load())
    if url is not None:
        yield config_mod.with_keyring_password(checked(url, source)), source_name(source)
        return
    from pharmacy_desktop.db.embedded import EmbeddedPostgres

    server = EmbeddedPostgres(config_mod.data_dir() / "embedded")
    try:
        yield server.start(), f"the embedded server in {server.data_dir}"
    finally:
        server.stop()


@contextlib.contextmanager
def raw_url(args: argparse.Namespace) -> Iterator[str]:
    """A URL for tools that manage their own connections (migrations); embedded started as needed."""
    with chosen_database(args) as (url, _source):
        yield url


def print_json(obj: object) -> None:
    print(json.dumps(obj, indent=2, default=str, ensure_ascii=False))
