"""`pharmacy-desktop db connect URL`: the workstation uses a server from then on; its password
lives only in the keyring, never in the configuration file."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest

from pharmacy_desktop import cli
from pharmacy_desktop import config as config_mod
from pharmacy_desktop.keyring_store import get_secret


@pytest.fixture
def own_config(tmp_path, monkeypatch):
    monkeypatch.setenv("PHARMACY_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path / "config" / "workstation.toml"


def _without_password(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    host = parts.netloc.split("@", 1)[1]
    return parts._replace(netloc=f"{parts.username}@{host}").geturl(), parts.password


def test_connect_saves_the_url_and_keeps_the_password_in_the_keyring(database_url, own_config, monkeypatch, capsys):
    bare, password = _without_password(database_url)
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    assert cli.main(["db", "connect", bare, "--sslmode", "disable"]) == 0
    assert "connected" in capsys.readouterr().out

    text = own_config.read_text()
    assert password not in text
    assert urlsplit(database_url).path in text and 'sslmode = "disable"' in text
    assert get_secret(config_mod.secret_key_for(bare)) == password

    # from now on every command finds the server without being told
    assert cli.main(["db", "current"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_wrong_password_saves_nothing(database_url, own_config, monkeypatch, capsys):
    bare, _ = _without_password(database_url)
    monkeypatch.setattr("sys.stdin", io.StringIO("not-the-password\n"))
    assert cli.main(["db", "connect", bare]) == 1
    err = capsys.readouterr().err
    assert "could not connect" in err and "Nothing was saved" in err
    assert not own_config.exists()
