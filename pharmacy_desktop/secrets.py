"""Secrets (database passwords, tokens) live only in the system keyring.

On a headless workstation without a Secret Service, the keyring's chosen backend fails at the
first call; we then fall back to keyrings.alt's file backend so the app still starts, and log it.
"""

from __future__ import annotations

import logging

import keyring
from keyring.errors import KeyringError, NoKeyringError

SERVICE = "pharmacy-desktop"
log = logging.getLogger(__name__)
_fallback_installed = False


def _use_file_fallback() -> None:
    global _fallback_installed
    if _fallback_installed:
        return
    from keyrings.alt.file import PlaintextKeyring

    log.warning("system keyring unavailable; using the file keyring in the user data directory")
    keyring.set_keyring(PlaintextKeyring())
    _fallback_installed = True


def _call(fn, *args):
    try:
        return fn(*args)
    except (NoKeyringError, KeyringError, RuntimeError, OSError):
        if _fallback_installed:
            raise
        _use_file_fallback()
        return fn(*args)


def get_secret(key: str) -> str | None:
    return _call(keyring.get_password, SERVICE, key)


def set_secret(key: str, value: str) -> None:
    _call(keyring.set_password, SERVICE, key, value)


def delete_secret(key: str) -> None:
    try:
        _call(keyring.delete_password, SERVICE, key)
    except keyring.errors.PasswordDeleteError:
        pass
