"""The move of secrets out of keyrings.alt's plaintext file stays inside the data folder in use.

That file is one per OS user (``$HOME/.local/share/python_keyring/keyring_pass.cfg``). A command run
with a private ``PHARMACY_DATA_DIR`` (``screenshots``, ``--self-test``, a demo) once emptied the
workstation's real entries into its own throwaway encrypted store: the workstation then had no
database password. Now an entry moves only into the store of the data folder it belongs to.
"""

from __future__ import annotations

import base64
from pathlib import Path

import keyring.core
import pytest
from keyrings.alt.file import PlaintextKeyring

from pharmacy_desktop import keyring_store
from pharmacy_desktop.db.embedded import outside_data_dir
from pharmacy_desktop.secret_file import EncryptedFileKeyring

SECRET = "Workstation-Passw0rd"


@pytest.fixture
def fake_home(tmp_path, monkeypatch):
    """A HOME of this test, with a plaintext keyring file where keyring puts it (no XDG override)."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)  # no operator choice: the app decides
    monkeypatch.setattr(keyring_store, "_backend", None)
    # keyring's own choice on a workstation with keyrings.alt and no OS keyring (restored after the test)
    monkeypatch.setattr(keyring.core, "_keyring_backend", PlaintextKeyring())
    legacy = PlaintextKeyring()
    assert Path(legacy.file_path) == home / ".local/share/python_keyring/keyring_pass.cfg"
    legacy.set_password(keyring_store.SERVICE, "db:pharmacy_app@db.local:5432/pharmacy", SECRET)
    legacy.set_password(keyring_store.SERVICE, f"embedded:{home}/.local/share/pharmacy-desktop/embedded/pgdata", "e1")
    legacy.set_password("another-app", "x", "theirs")
    return home


def test_a_private_data_folder_leaves_the_users_plaintext_keyring_byte_identical(fake_home, tmp_path, monkeypatch):
    plaintext = fake_home / ".local/share/python_keyring/keyring_pass.cfg"
    before = plaintext.read_bytes()
    private = tmp_path / "private-data"
    monkeypatch.setenv("PHARMACY_DATA_DIR", str(private))

    # what any command does at its first secret: keyring's own choice (the plaintext file) is not an
    # OS keyring, so the encrypted store of the data folder in use is chosen
    assert keyring_store.get_secret("db:pharmacy_app@db.local:5432/pharmacy") is None
    assert isinstance(keyring_store._backend, EncryptedFileKeyring)
    assert keyring_store._backend.folder == private / "keyring"

    # and the same through choose_backend with keyring's fallback named explicitly
    keyring_store.choose_backend(PlaintextKeyring(), environment={})
    assert plaintext.read_bytes() == before
    assert PlaintextKeyring().get_password(keyring_store.SERVICE, "db:pharmacy_app@db.local:5432/pharmacy") == SECRET


def test_the_private_folder_takes_only_its_own_embedded_servers_entry(fake_home, tmp_path, monkeypatch):
    private = tmp_path / "private-data"
    monkeypatch.setenv("PHARMACY_DATA_DIR", str(private))
    legacy = PlaintextKeyring()
    legacy.set_password(keyring_store.SERVICE, f"embedded:{private}/embedded/pgdata", "mine")
    legacy.set_password(keyring_store.SERVICE, f"embedded:{outside_data_dir(private / 'embedded')}", "mine-as-root")

    store = keyring_store.choose_backend(PlaintextKeyring(), environment={})
    assert store.get_password(keyring_store.SERVICE, f"embedded:{private}/embedded/pgdata") == "mine"
    assert store.get_password(keyring_store.SERVICE, f"embedded:{outside_data_dir(private / 'embedded')}") == (
        "mine-as-root"
    )
    assert store.get_password(keyring_store.SERVICE, "db:pharmacy_app@db.local:5432/pharmacy") is None
    assert legacy.get_password(keyring_store.SERVICE, "db:pharmacy_app@db.local:5432/pharmacy") == SECRET
    assert legacy.get_password(keyring_store.SERVICE, f"embedded:{private}/embedded/pgdata") is None


def test_the_users_own_data_folder_still_takes_its_secrets(fake_home, monkeypatch):
    monkeypatch.delenv("PHARMACY_DATA_DIR", raising=False)
    own_embedded = f"embedded:{fake_home}/.local/share/pharmacy-desktop/embedded/pgdata"

    assert keyring_store.get_secret("db:pharmacy_app@db.local:5432/pharmacy") == SECRET
    store = keyring_store._backend
    assert isinstance(store, EncryptedFileKeyring)
    assert store.folder == fake_home / ".local/share/pharmacy-desktop/keyring"
    assert store.get_password(keyring_store.SERVICE, own_embedded) == "e1"
    legacy = PlaintextKeyring()
    assert legacy.get_password(keyring_store.SERVICE, "db:pharmacy_app@db.local:5432/pharmacy") is None
    assert legacy.get_password(keyring_store.SERVICE, own_embedded) is None
    assert legacy.get_password("another-app", "x") == "theirs"
    plaintext = (fake_home / ".local/share/python_keyring/keyring_pass.cfg").read_text()
    assert base64.b64encode(SECRET.encode()).decode() not in plaintext
