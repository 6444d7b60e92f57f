"""The connection test's plain diagnosis: one cause per kind of failure, from the driver's facts."""

from __future__ import annotations

import pytest

from pharmacy_desktop.domain import connection_diagnosis as cd
from pharmacy_desktop.domain.connection_diagnosis import ConnectionFacts, diagnose

BASE = {"host": "counter1.local", "port": 5432, "database": "pharmacy", "user": "pharmacy_app"}


def failed(text: str, sqlstate: str | None = None, sslmode: str | None = "prefer") -> cd.Diagnosis:
    return diagnose(ConnectionFacts(**BASE, sslmode=sslmode, sqlstate=sqlstate, error_text=text))


def connected(**facts: object) -> cd.Diagnosis:
    return diagnose(ConnectionFacts(**BASE, connected=True, **facts))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "sqlstate", "kind"),
    [
        ("failed to resolve host 'counter9.local': [errno -2] name or service not known", None, cd.HOST_UNREACHABLE),
        ('could not translate host name "x" to address: name or service not known', None, cd.HOST_UNREACHABLE),
        ('connection to server at "10.0.0.9", port 5432 failed: no route to host', None, cd.HOST_UNREACHABLE),
        ('connection to server at "127.0.0.1", port 5999 failed: connection refused', None, cd.PORT_CLOSED),
        ("connection to server at ... failed: timeout expired", None, cd.NO_ANSWER),
        ('fatal:  password authentication failed for user "pharmacy_app"', "28P01", cd.PASSWORD_REFUSED),
        ("fe_sendauth: no password supplied", None, cd.NO_PASSWORD),
        (
            'fatal:  no pg_hba.conf entry for host "10.0.0.5", user "pharmacy_app", database "pharmacy", no encryption',
            "28000",
            cd.TLS_REQUIRED,
        ),
        ("server does not support ssl, but ssl was required", None, cd.TLS_UNAVAILABLE),
        (
            'fatal:  no pg_hba.conf entry for host "10.9.0.5", user "pharmacy_app", database "pharmacy", ssl encryption',
            "28000",
            cd.NOT_ALLOWED,
        ),
        ('fatal:  database "pharmcy" does not exist', "3D000", cd.DATABASE_MISSING),
        ('fatal:  role "pharmacy_ap" does not exist', "28000", cd.USER_MISSING),
        ("fatal:  sorry, too many clients already", "53300", cd.SERVER_BUSY),
        ("ssl error: certificate verify failed", None, cd.CERTIFICATE_MISMATCH),
        ('could not read root certificate file "/x/server.crt": no such file', None, cd.CERTIFICATE_MISMATCH),
        ("something else entirely", None, cd.UNKNOWN),
    ],
)
def test_each_failure_has_its_own_cause(text: str, sqlstate: str | None, kind: str) -> None:
    found = failed(text, sqlstate)
    assert found.kind == kind
    assert not found.ok
    assert found.title and found.advice


def test_messages_name_the_place_not_the_driver_text() -> None:
    found = failed('connection to server at "127.0.0.1", port 5999 failed: connection refused')
    assert "5432" in found.title and "counter1.local" in found.title
    assert "127.0.0.1" not in found.text()  # the driver's text is matched, never repeated


def test_plaintext_refused_with_tls_asked_is_not_called_tls_required() -> None:
    text = 'no pg_hba.conf entry for host "10.0.0.5", user "u", database "d", no encryption'
    assert failed(text, "28000", sslmode="require").kind == cd.NOT_ALLOWED
    assert failed(text, "28000", sslmode="disable").kind == cd.TLS_REQUIRED


def test_server_too_old() -> None:
    found = connected(server_version_num=120015, revision_status="current")
    assert found.kind == cd.SERVER_TOO_OLD and "12.15" in found.title and "PostgreSQL 14 " in found.advice
    assert connected(server_version_num=cd.MIN_SERVER_VERSION_NUM, revision_status="current").ok


def test_revision_states() -> None:
    assert connected(server_version_num=150018, revision_status="empty").kind == cd.NOT_MIGRATED
    newer = connected(server_version_num=150018, revision_status="newer", newer_message="Install 0.3.0.")
    assert newer.kind == cd.DATABASE_NEWER and not newer.ok and newer.advice == "Install 0.3.0."
    older = connected(server_version_num=150018, revision_status="older", revision="0012", head="0014")
    assert older.kind == cd.DATABASE_OLDER and older.ok and "0012" in older.title and "db upgrade" in older.advice
    assert connected(server_version_num=150018, revision_status="current").kind == cd.OK
    assert connected(server_version_num=150018, revision_status="unknown").ok  # the app role may not read it


def test_fingerprint_is_sha256_in_pairs() -> None:
    found = cd.fingerprint(b"certificate bytes")
    assert len(found.split(":")) == 32 and found == found.upper()
    assert found.startswith(
        "".join(f"{b:02X}" for b in __import__("hashlib").sha256(b"certificate bytes").digest()[:1])
    )
