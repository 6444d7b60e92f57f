"""Secrets at rest (item 5 of issue 11): with no OS keyring, database passwords go to an
AES-GCM-encrypted file with a key only the OS user can read, never to keyrings.alt's plaintext
file; the choice is logged and every message says where the secrets really are.

The suite itself runs with PYTHON_KEYRING_BACKEND=PlaintextKeyring (tests/conftest.py), so the
backend is tested directly and the choice through ``choose_backend``'s arguments.
"""

from __future__ import annotations

import base64
import logging
import os
import stat

import pytest
from keyring.backends import SecretService, fail
from keyring.backends.chainer import ChainerBackend
from keyring.errors import KeyringError, PasswordDeleteError
from keyrings.alt.file import PlaintextKeyring

from pharmacy_desktop import keyring_store
from pharmacy_desktop.secret_file import EncryptedFileKeyring

SECRET = "Db-Passw0rd/for+pharmacy_app"


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_round_trip_and_nothing_readable_on_disk(tmp_path):
    store = EncryptedFileKeyring(tmp_path / "keyring")
    store.set_password("pharmacy-desktop", "db:pharmacy_app@db.local:5432/pharmacy", SECRET)
    assert store.get_password("pharmacy-desktop", "db:pharmacy_app@db.local:5432/pharmacy") == SECRET
    assert store.get_password("pharmacy-desktop", "db:someone-else") is None

    # a new instance (the next start of the app) reads the same store
    again = EncryptedFileKeyring(tmp_path / "keyring")
    assert again.get_password("pharmacy-desktop", "db:pharmacy_app@db.local:5432/pharmacy") == SECRET

    blob = store.data_path.read_bytes()
    for leaked in (SECRET.encode(), base64.b64encode(SECRET.encode()), b"pharmacy_app", b"db.local"):
        assert leaked not in blob  # not even the names of the servers
    assert _mode(store.folder) == 0o700
    assert _mode(store.key_path) == 0o600 and _mode(store.data_path) == 0o600

    again.delete_password("pharmacy-desktop", "db:pharmacy_app@db.local:5432/pharmacy")
    assert store.get_password("pharmacy-desktop", "db:pharmacy_app@db.local:5432/pharmacy") is None
    with pytest.raises(PasswordDeleteError):
        again.delete_password("pharmacy-desktop", "db:pharmacy_app@db.local:5432/pharmacy")


def test_loosened_permissions_are_tightened_again(tmp_path):
    store = EncryptedFileKeyring(tmp_path / "keyring")
    store.set_password("s", "u", SECRET)
    os.chmod(store.folder, 0o755)
    os.chmod(store.key_path, 0o644)
    os.chmod(store.data_path, 0o644)
    assert store.get_password("s", "u") == SECRET
    assert (_mode(store.folder), _mode(store.key_path), _mode(store.data_path)) == (0o700, 0o600, 0o600)


def test_a_replaced_key_or_an_altered_file_is_an_error_never_an_empty_store(tmp_path):
    store = EncryptedFileKeyring(tmp_path / "keyring")
    store.set_password("s", "u", SECRET)
    before = store.data_path.read_bytes()

    altered = bytearray(before)
    altered[-1] ^= 0x01
    store.data_path.write_bytes(bytes(altered))
    with pytest.raises(KeyringError, match="cannot be decrypted"):
        store.get_password("s", "u")
    with pytest.raises(KeyringError):
        store.set_password("s", "other", "x")  # does not overwrite what it cannot read
    assert store.data_path.read_bytes() == bytes(altered)

    store.data_path.write_bytes(before)
    store.key_path.unlink()
    with pytest.raises(KeyringError, match="key file .* is missing"):
        store.get_password("s", "u")


def test_no_os_keyring_means_the_encrypted_file_with_a_warning(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="pharmacy_desktop.keyring_store")
    for detected in (fail.Keyring(), PlaintextKeyring(), ChainerBackend()):
        caplog.clear()
        chosen = keyring_store.choose_backend(detected, environment={}, folder=tmp_path / "keyring")
        assert isinstance(chosen, EncryptedFileKeyring), type(detected).__name__
        assert "no OS keyring" in caplog.text and str(tmp_path / "keyring") in caplog.text


def test_an_os_keyring_is_used_when_there_is_one(tmp_path):
    os_keyring = SecretService.Keyring()
    assert keyring_store.choose_backend(os_keyring, environment={}, folder=tmp_path) is os_keyring

    class Chain(ChainerBackend):  # keyring's chain as it is on a desktop: the OS keyring inside
        backends = [os_keyring]

    chain = Chain()
    assert keyring_store.choose_backend(chain, environment={}, folder=tmp_path) is chain


def test_an_explicit_plaintext_backend_is_obeyed_but_called_plaintext(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="pharmacy_desktop.keyring_store")
    plain = PlaintextKeyring()
    environment = {"PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring"}
    assert keyring_store.choose_backend(plain, environment=environment, folder=tmp_path) is plain
    assert "PLAINTEXT" in caplog.text


def test_secrets_left_in_the_plaintext_file_move_into_the_encrypted_one(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))  # a plaintext file of this test only
    monkeypatch.delenv("PHARMACY_DATA_DIR")  # the OS user's own data folder (tests/privacy/test_plaintext_move_scope)
    legacy = PlaintextKeyring()
    legacy.set_password(keyring_store.SERVICE, "db:pharmacy_app@db.local:5432/pharmacy", SECRET)
    legacy.set_password("another-app", "x", "theirs")

    store = keyring_store.choose_backend(fail.Keyring(), environment={})
    assert store.folder == tmp_path / "xdg" / "pharmacy-desktop" / "keyring"
    assert store.get_password(keyring_store.SERVICE, "db:pharmacy_app@db.local:5432/pharmacy") == SECRET
    assert legacy.get_password(keyring_store.SERVICE, "db:pharmacy_app@db.local:5432/pharmacy") is None
    plaintext = open(legacy.file_path, encoding="utf-8").read()
    assert base64.b64encode(SECRET.encode()).decode() not in plaintext
    assert legacy.get_password("another-app", "x") == "theirs"  # not ours to move


def test_create_roles_says_where_the_passwords_really_are(database_url, capsys, monkeypatch):
    from pharmacy_desktop import cli

    keyring_store.reset()
    assert cli.main(["db", "create-roles", "--database-url", database_url]) == 0
    out = capsys.readouterr().out
    assert "not in any file" not in out
    # the suite's store is keyrings.alt's plaintext file: the message must say so
    assert "PLAINTEXT file" in out and PlaintextKeyring().file_path in out


def test_an_os_keyring_that_fails_at_first_use_gives_way_to_the_encrypted_file(tmp_path, monkeypatch, caplog):
    # this machine has no Secret Service running: keyring's real backend raises at the first call
    monkeypatch.setenv("PHARMACY_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(keyring_store, "_backend", SecretService.Keyring())
    caplog.set_level(logging.WARNING, logger="pharmacy_desktop.keyring_store")
    keyring_store.set_secret("db:app@db.local:5432/pharmacy", SECRET)
    assert isinstance(keyring_store._backend, EncryptedFileKeyring)
    assert keyring_store.get_secret("db:app@db.local:5432/pharmacy") == SECRET
    assert (tmp_path / "keyring" / "secrets.enc").exists()
    assert "the OS keyring failed" in caplog.text and "secrets are kept in an encrypted file" in caplog.text
    assert "encrypted file" in keyring_store.storage_description()


def test_db_connect_says_where_the_password_went(database_url, tmp_path, monkeypatch, capsys):
    import io
    from urllib.parse import urlsplit

    from pharmacy_desktop import cli

    keyring_store.reset()
    monkeypatch.setenv("PHARMACY_CONFIG_DIR", str(tmp_path / "config"))
    parts = urlsplit(database_url)
    bare = parts._replace(netloc=f"{parts.username}@{parts.netloc.split('@', 1)[1]}").geturl()
    monkeypatch.setattr("sys.stdin", io.StringIO(parts.password + "\n"))
    assert cli.main(["db", "connect", bare]) == 0
    out = capsys.readouterr().out
    assert "The password is kept in a PLAINTEXT file" in out  # the suite's store, named for what it is
