"""Two workstations with separate configurations — the hosting one on its embedded server, a counter
over TCP with TLS (its certificate pinned) as the app role — see each other's patients live."""

from __future__ import annotations

import psycopg

from pharmacy_desktop import config as config_mod
from pharmacy_desktop.db import connect
from pharmacy_desktop.db.unit_of_work import CHANGE_CHANNEL
from pharmacy_desktop.services.connection_check import (
    ServerChoice,
    read_certificate,
    trust_certificate,
)


def listener(url: str) -> psycopg.Connection:
    conn = connect.connect(url, autocommit=True)
    conn.execute(f"LISTEN {CHANGE_CHANNEL}")
    return conn


def heard(conn: psycopg.Connection, topic: str) -> bool:
    return any(f'"{topic}"' in n.payload for n in conn.notifies(timeout=10, stop_after=1))


def test_each_sees_the_others_patients_live(shared_hosted, tmp_path):
    from pharmacy_desktop.app import open_database
    from pharmacy_desktop.services import auth
    from pharmacy_desktop.services.patients import create_patient, search_patients
    from tests.conftest import TEST_PASSWORD, make_actor
    from tests.intake.conftest import patient_form

    server, result = shared_hosted  # the folder's hosting server (conftest.py): its first administrator made here
    counter_choice = ServerChoice(result.host, result.port, user=result.app_role, password=result.app_password)
    certificate = read_certificate(counter_choice)
    assert certificate is not None and certificate.fingerprint == result.fingerprint
    counter_url = trust_certificate(counter_choice, certificate, tmp_path).url()

    host_app = open_database(server.url, cfg=config_mod.Config())
    counter_app = open_database(counter_url, cfg=config_mod.Config(sslmode="verify-ca"))
    host_ears = listener(server.url)
    counter_ears = listener(counter_url)
    try:
        with counter_app.engine.connect() as conn:
            row = conn.exec_driver_sql("SELECT current_user, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").one()
            assert tuple(row) == ("pharmacy_app", True)
        at_host = make_actor(host_app.uow_factory, "technician", "tech_host")
        make_actor(host_app.uow_factory, "technician", "tech_counter")  # an account of the pharmacy ...
        at_counter = auth.sign_in(
            counter_app.uow_factory, "tech_counter", TEST_PASSWORD, "counter2"
        )  # ... signs in there

        create_patient(host_app.uow_factory, at_host, patient_form("Hosta", "Zephyr"))
        assert heard(counter_ears, "patients")  # the counter's live-update channel hears the host's write
        assert [h.display_name for h in search_patients(counter_app.uow_factory, at_counter, "zephyr")]

        create_patient(counter_app.uow_factory, at_counter, patient_form("Counta", "Quillon"))
        assert heard(host_ears, "patients")
        assert [h.display_name for h in search_patients(host_app.uow_factory, at_host, "quillon")]
    finally:
        host_ears.close()
        counter_ears.close()
        counter_app.close()
        host_app.engine.dispose()  # the server belongs to the fixture
