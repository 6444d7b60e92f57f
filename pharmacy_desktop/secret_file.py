"""An encrypted file keyring for workstations without an OS keyring (no Secret Service, no KWallet).

The secrets (database passwords) are one JSON document encrypted with AES-256-GCM
(``cryptography``) into ``secrets.enc``; the 32-byte key is a separate file, ``secrets.key``. Both
sit in a folder only the OS user may enter (0700); the files are 0600, tightened again whenever
they are opened. A file that does not decrypt with the key is an error, never silently replaced.

What this protects against: other OS accounts on the workstation; the data file copied alone (a
backup of the data directory without the key, a support bundle, a grep for "password"); a secret
read by accident (it is never in plaintext on disk). What it does not protect against: anyone
who runs programs as the same OS user, or as root, or who copies the whole folder (key and data):
the key is unattended by design, so the app can start without a person typing a master password.
A real OS keyring (which can tie secrets to the login password) is preferred whenever one exists.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError

MAGIC = b"PDSECRETS1"  # format marker; also bound into the ciphertext as associated data
KEY_FILE = "secrets.key"
DATA_FILE = "secrets.enc"
LOCK_FILE = ".lock"


class EncryptedFileKeyring(KeyringBackend):
    """``keyring`` backend storing secrets AES-GCM-encrypted in ``folder`` with a key file beside them."""

    priority = 0.1  # never chosen by keyring's own detection: secrets.py installs it deliberately

    def __init__(self, folder: Path | str | None = None):
        super().__init__()  # type: ignore[no-untyped-call]  # keyring's __init__ is unannotated
        if folder is None:
            from pharmacy_desktop.config import data_dir

            folder = data_dir() / "keyring"
        self.folder = Path(folder)

    @property
    def key_path(self) -> Path:
        return self.folder / KEY_FILE

    @property
    def data_path(self) -> Path:
        return self.folder / DATA_FILE

    def describe(self) -> str:
        return f"an encrypted file ({self.data_path}; its key is {self.key_path}, both readable only by this OS user)"

    # -- keyring API ---------------------------------------------------------------------------

    def get_password(self, service: str, username: str) -> str | None:
        with self._locked():
            return self._read().get(_entry(service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        with self._locked():
            entries = self._read()
            entries[_entry(service, username)] = password
            self._write(entries)

    def delete_password(self, service: str, username: str) -> None:
        with self._locked():
            entries = self._read()
            if entries.pop(_entry(service, username), None) is None:
                raise PasswordDeleteError("no such secret")
            self._write(entries)

    # -- files ---------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """One process at a time reads-modifies-writes (the app and a CLI command may overlap)."""
        self._private_folder()
        fd = os.open(self.folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _private_folder(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        _owned_and_private(self.folder, 0o700)

    def _key(self, *, create: bool) -> bytes | None:
        try:
            fd = os.open(self.key_path, os.O_RDONLY)
        except FileNotFoundError:
            if not create:
                return None
            key = AESGCM.generate_key(bit_length=256)
            _write_private(self.key_path, base64.b64encode(key), exclusive=True)
            return key
        with os.fdopen(fd, "rb") as fh:
            _owned_and_private(self.key_path, 0o600)
            raw = fh.read().strip()
        try:
            key = base64.b64decode(raw, validate=True)
        except ValueError:
            key = b""
        if len(key) != 32:
            raise KeyringError(
                f"The key file {self.key_path} is damaged (not a 256-bit key). Restore it from "
                "where it was backed up, or move the folder away and store the passwords again."
            )
        return key

    def _read(self) -> dict[str, str]:
        try:
            blob = self.data_path.read_bytes()
        except FileNotFoundError:
            return {}
        _owned_and_private(self.data_path, 0o600)
        key = self._key(create=False)
        if key is None:
            raise KeyringError(
                f"{self.data_path} holds secrets but its key file {self.key_path} is missing. "
                "Restore the key file, or move both away and store the passwords again."
            )
        if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + 12 + 16:
            raise KeyringError(
                f"{self.data_path} is not a secrets file of this app (damaged?). Move it away "
                "and store the passwords again."
            )
        nonce, ciphertext = blob[len(MAGIC) : len(MAGIC) + 12], blob[len(MAGIC) + 12 :]
        try:
            plain = AESGCM(key).decrypt(nonce, ciphertext, MAGIC)
        except InvalidTag:
            raise KeyringError(
                f"{self.data_path} cannot be decrypted with {self.key_path} (the key was replaced "
                "or the file was altered). Restore the matching key file, or move both away and "
                "store the passwords again."
            ) from None
        return dict(json.loads(plain.decode("utf-8")))

    def _write(self, entries: dict[str, str]) -> None:
        key = self._key(create=True)
        assert key is not None
        nonce = os.urandom(12)  # a fresh nonce for every write: never reused with the same key
        plain = json.dumps(entries, sort_keys=True).encode("utf-8")
        blob = MAGIC + nonce + AESGCM(key).encrypt(nonce, plain, MAGIC)
        tmp = self.data_path.with_name(DATA_FILE + ".tmp")
        tmp.unlink(missing_ok=True)
        _write_private(tmp, blob, exclusive=True)
        os.replace(tmp, self.data_path)  # all or nothing: a crash never leaves half a file


def _entry(service: str, username: str) -> str:
    return f"{service}\0{username}"


def _write_private(path: Path, content: bytes, *, exclusive: bool) -> None:
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)
        fh.flush()
        os.fsync(fh.fileno())


def _owned_and_private(path: Path, mode: int) -> None:
    """Refuse a file or folder another OS user owns; tighten one of ours that others could read."""
    info = path.stat()
    if info.st_uid != os.geteuid():
        raise KeyringError(
            f"{path} belongs to another OS user; the app keeps its secrets only in files of the user "
            "it runs as. Move it away."
        )
    if stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(path, mode)
