"""Secrets (database passwords) live in the OS keyring, or else in an encrypted file; never in plaintext.

Which store is used:

1. ``PYTHON_KEYRING_BACKEND`` set: the backend it names (an operator's or the test suite's choice);
   a plaintext one is logged as a warning.
2. An OS keyring (Secret Service/libsecret, KWallet, macOS Keychain, Windows Credential Locker)
   that answers: that one.
3. Otherwise (a headless workstation; or keyring fell back to keyrings.alt's plaintext file, which it
   does by itself when nothing better exists): ``EncryptedFileKeyring`` (secret_file.py), with a
   logged warning saying where the secrets are. Secrets an earlier version left in keyrings.alt's
   plaintext file are moved into it and removed from the plaintext file: only the data folder's own
   (that file is one per OS user; a private ``PHARMACY_DATA_DIR`` takes nothing that is not its own).

``storage_description()`` says where secrets actually are, for messages such as the one
``db create-roles`` prints.
"""

from __future__ import annotations

import configparser
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

SERVICE = "pharmacy-desktop"
log = logging.getLogger(__name__)

# modules of keyring's own backends that are real OS keyrings
_OS_KEYRING_MODULES = (
    "keyring.backends.SecretService",
    "keyring.backends.libsecret",
    "keyring.backends.kwallet",
    "keyring.backends.macOS",
    "keyring.backends.Windows",
)
_PLAINTEXT = ("PlaintextKeyring", "UncryptedFileKeyring")

_backend: KeyringBackend | None = None


def is_os_keyring(backend: KeyringBackend) -> bool:
    """Is ``backend`` an OS keyring (or a chain holding one)?"""
    inner = getattr(backend, "backends", None)  # keyring's ChainerBackend
    if inner is not None:
        return any(is_os_keyring(b) for b in inner)
    return type(backend).__module__.startswith(_OS_KEYRING_MODULES)


def choose_backend(
    detected: KeyringBackend | None = None,
    *,
    environment: Mapping[str, str] | None = None,
    folder: Path | str | None = None,
) -> KeyringBackend:
    """The backend to use (see the module docstring); ``detected`` is keyring's own choice."""
    environment = os.environ if environment is None else environment
    detected = detected if detected is not None else keyring.get_keyring()
    if environment.get("PYTHON_KEYRING_BACKEND"):
        if type(detected).__name__ in _PLAINTEXT:
            log.warning(
                "secrets are stored in PLAINTEXT (%s chosen by PYTHON_KEYRING_BACKEND)", type(detected).__name__
            )
        return detected
    if is_os_keyring(detected):
        return detected
    return encrypted_fallback(folder)


def encrypted_fallback(folder: Path | str | None = None) -> KeyringBackend:
    from pharmacy_desktop.secret_file import EncryptedFileKeyring

    backend = EncryptedFileKeyring(folder)
    log.warning(
        "no OS keyring is available (no Secret Service or KWallet); secrets are kept in %s. Anyone who "
        "can act as this OS user can read them: install and unlock a desktop keyring for stronger "
        "protection",
        backend.describe(),
    )
    _move_plaintext_secrets(backend, backend.folder.parent)
    return backend


def _move_plaintext_secrets(target: KeyringBackend, data_folder: Path) -> None:
    """This data folder's secrets an earlier version wrote to keyrings.alt's plaintext file move into ``target``.

    The plaintext file is one per OS user (``~/.local/share/python_keyring/keyring_pass.cfg``), shared by
    every data folder, and ``target`` is the store of one data folder (``data_folder``). A run with a
    private ``PHARMACY_DATA_DIR`` (``screenshots``, ``--self-test``, a test) must not empty the
    workstation's own entries into its throwaway store, so an entry moves only into the store of the
    folder it belongs to: an embedded server's (``embedded:<its pgdata>``) to the folder holding that
    pgdata; the others (database, mail, SMS passwords) to this OS user's own data folder, the one
    ``PHARMACY_DATA_DIR`` unset gives. Every other entry, and every other service's, stays as it is.
    """
    try:
        from keyrings.alt.escape import unescape
        from keyrings.alt.file import PlaintextKeyring
    except ImportError:
        return
    from pharmacy_desktop.config import default_data_dir

    legacy = PlaintextKeyring()
    if not os.path.exists(legacy.file_path):
        return
    parser = configparser.RawConfigParser()
    parser.read(legacy.file_path, encoding="utf-8")
    section = next((s for s in parser.sections() if unescape(s) == SERVICE), None)
    if section is None:
        return
    own_folder = _resolved(data_folder)
    is_default = own_folder == _resolved(default_data_dir())
    moved = 0
    for option in parser.options(section):
        username = unescape(option)
        if not _belongs_to(username, own_folder, is_default=is_default):
            continue
        value = legacy.get_password(SERVICE, username)
        if value is None:
            continue
        target.set_password(SERVICE, username, value)
        legacy.delete_password(SERVICE, username)
        moved += 1
    if moved:
        log.warning("moved %d secret(s) out of the plaintext file %s into the encrypted store", moved, legacy.file_path)


def _belongs_to(username: str, data_folder: Path, *, is_default: bool) -> bool:
    """Is the secret entry ``username`` one of the data folder ``data_folder``'s (see ``_move_plaintext_secrets``)?"""
    if not username.startswith("embedded:"):
        return is_default
    from pharmacy_desktop.db.embedded import outside_data_dir

    pgdata = _resolved(Path(username.removeprefix("embedded:")))
    root = data_folder / "embedded"
    return pgdata.is_relative_to(data_folder) or pgdata == _resolved(outside_data_dir(root))


def _resolved(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _current() -> KeyringBackend:
    global _backend
    if _backend is None:
        _backend = choose_backend()
    return _backend


def reset() -> None:
    """Choose again at the next call (tests; after the desktop keyring was started)."""
    global _backend
    _backend = None


def storage_description() -> str:
    """Where secrets are kept, in words for a message."""
    backend = _current()
    describe = getattr(backend, "describe", None)
    if describe is not None:
        return str(describe())
    name = type(backend).__name__
    if name in _PLAINTEXT:
        return f"a PLAINTEXT file ({getattr(backend, 'file_path', 'keyrings.alt')}), as PYTHON_KEYRING_BACKEND says"
    if is_os_keyring(backend):
        return f"this computer's keyring ({getattr(backend, 'name', name)})"
    return f"the keyring backend {name}"


def _call(method: str, *args: str) -> Any:
    """Call the current backend; an OS keyring that fails (locked, no D-Bus) gives way to the encrypted file."""
    global _backend
    backend = _current()
    try:
        return getattr(backend, method)(SERVICE, *args)
    except Exception as exc:  # OS keyrings raise their own kinds (secretstorage, D-Bus, a locked wallet)
        if not is_os_keyring(backend) or isinstance(exc, PasswordDeleteError):
            raise
        log.warning("the OS keyring failed (%s)", type(exc).__name__)
        _backend = encrypted_fallback()
        return getattr(_backend, method)(SERVICE, *args)


def get_secret(key: str) -> str | None:
    return cast("str | None", _call("get_password", key))


def set_secret(key: str, value: str) -> None:
    _call("set_password", key, value)
