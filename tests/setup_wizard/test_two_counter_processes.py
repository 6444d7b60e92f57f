"""Two app processes with separate configurations — one hosting on its embedded server, one a counter
connected over TCP with TLS (certificate pinned, verify-ca) as the app role — see each other's
prescriptions live: each LISTENs on the change channel, the other enters a prescription through the
intake service, and the listener finds it in its review queue."""

from __future__ import annotations

import datetime as dt
import queue
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from pharmacy_desktop import config as config_mod
from pharmacy_desktop.db import hosting
from pharmacy_desktop.db.embedded import EmbeddedPostgres
from pharmacy_desktop.services.connection_check import (
    ServerChoice,
    read_certificate,
    trust_certificate,
)
from tests.app_process import private_workstation

pytestmark = pytest.mark.xdist_group("real_time")

REPO = Path(__file__).resolve().parents[2]
WAIT = 20.0  # seconds a process line may take (the processes' own notice wait is shorter)
START_WAIT = 90.0  # a process's start (Python, Qt, the app, a TLS connection, sign-in) on a loaded machine

# One counter workstation: opens the database as the app does (its own workstation.toml, the
# password from its own keyring), signs its pharmacist in, LISTENs; then obeys lines on stdin:
#   enter            -> enters a prescription through the intake service, prints ENTERED <rx>
#   await            -> prints WAITING, waits for a notice of a prescription it did not enter, then
#                       prints SAW <rx> of that prescription as the review queue shows it
WORKSTATION = r"""
import datetime as dt, json, sys, uuid
from decimal import Decimal
from pharmacy_desktop import config as config_mod
from pharmacy_desktop.app import open_database
from pharmacy_desktop.db import connect
from pharmacy_desktop.db.unit_of_work import CHANGE_CHANNEL
from pharmacy_desktop.services import auth, intake
from pharmacy_desktop.services.work_queues import review_queue

username, password, patient_id, med_id, npi, dea = sys.argv[1:7]
cfg = config_mod.load()
app = open_database(cfg=cfg)
actor = auth.sign_in(app.uow_factory, username, password, cfg.workstation_name)
ears = connect.connect(app.url, autocommit=True)
ears.execute(f"LISTEN {CHANGE_CHANNEL}")
with app.engine.connect() as conn:
    user, ssl = conn.exec_driver_sql(
        "SELECT current_user, coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false)"
    ).one()
print("READY", user, "ssl" if ssl else "plain", app.source, flush=True)

mine = set()  # this process's own prescriptions: their notices come back to it too

def drain():
    list(ears.notifies(timeout=0.2))

for line in sys.stdin:
    command = line.strip()
    if command == "enter":
        saved = intake.submit_prescription(app.uow_factory, actor, intake.PrescriptionInput(
            patient_id=uuid.UUID(patient_id),
            prescriber=intake.PrescriberInput("Dr. Sarah Chen", npi, dea, "(217) 555-0190"),
            items=(intake.ItemInput(uuid.UUID(med_id), Decimal(30), 30, "1 T PO QD", 0),),
            written_date=dt.date.today(), source="paper", is_stat=False,
        ))
        mine.add(str(saved.prescription_id))
        print("ENTERED", saved.rx_number, flush=True)
    elif command == "await":
        drain()
        print("WAITING", flush=True)
        noticed = None
        for n in ears.notifies(timeout=15):
            notice = json.loads(n.payload)
            if notice.get("topic") == "prescriptions" and notice.get("id") not in mine:
                noticed = notice["id"]
                break
        if noticed is None:
            print("NOTHING", flush=True)
            continue
        rows = {str(r.prescription_id): r.rx_number for r in review_queue(app.uow_factory, actor)}
        print("SAW", rows.get(noticed, "(not in the review queue)"), flush=True)
    elif command == "quit":
        break
ears.close()
app.close()
print("BYE", flush=True)
"""


class Workstation:
    """One app process; its stdout read by a thread so a silent process fails the test, not hangs it."""

    def __init__(self, name: str, env: dict[str, str], script: Path, args: list[str]) -> None:
        self.name = name
        self.lines: queue.Queue[str] = queue.Queue()
        self.proc = subprocess.Popen(
            [sys.executable, str(script), *args],
            cwd=REPO,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.strip())

    def send(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def expect(self, word: str, wait: float = WAIT) -> list[str]:
        try:
            line = self.lines.get(timeout=wait)
        except queue.Empty:
            self.proc.kill()
            _, err = self.proc.communicate()
            raise AssertionError(f"{self.name} said nothing within {wait} s; stderr:\n{err[-3000:]}") from None
        assert line.split()[0] == word, f"{self.name}: {line!r}"
        return line.split()[1:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                self.send("quit")
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()


def _pharmacy_data(owner_url: str) -> tuple[str, str]:
    """A patient and a catalog row, made with the owner connection; two pharmacists' accounts."""
    from pharmacy_desktop.app import open_database
    from pharmacy_desktop.db.models.prescriptions import Medication
    from pharmacy_desktop.services.patients import create_patient
    from tests.conftest import make_actor
    from tests.intake.conftest import patient_form

    app = open_database(owner_url, cfg=config_mod.Config())
    try:
        technician = make_actor(app.uow_factory, "technician", "tech_setup")
        make_actor(app.uow_factory, "pharmacist", "rph_host")
        make_actor(app.uow_factory, "pharmacist", "rph_counter")
        patient = create_patient(
            app.uow_factory,
            technician,
            patient_form("Maria", "Garcia", dt.date(1961, 5, 17)),
            confirmed_not_duplicate=True,
        )
        with app.uow_factory() as uow:
            med = Medication(
                ndc_code="00591040810",
                drug_name="Zestril 10 mg tablet",
                generic_name="LISINOPRIL",
                brand_name="Zestril",
                strength="10 mg",
                dosage_form="TABLET",
                route="ORAL",
                dea_schedule=None,
                is_controlled_substance=False,
                is_generic=False,
                pharmacologic_class="Angiotensin Converting Enzyme Inhibitor [EPC]",
                therapeutic_class="Angiotensin Converting Enzyme Inhibitor",
                manufacturer="Test Labs",
                package_ndc="00591-0408-10",
                package_description="100 TABLET in 1 BOTTLE",
            )
            uow.active_session.add(med)
            uow.active_session.flush()
            med_id = str(med.id)
            uow.commit()
        return str(patient.patient_id), med_id
    finally:
        app.engine.dispose()  # the server belongs to the fixture


def _configure(env: dict[str, str], url: str, sslmode: str, name: str) -> None:
    """The workstation's own configuration file and keyring, written by a process of that workstation."""
    code = (
        "import sys; from pharmacy_desktop import config as c; "
        "url = c.remember_password(sys.argv[1]); "
        "c.save(c.Config(database_url=url, sslmode=sys.argv[2], workstation_name=sys.argv[3])); "
        "print(c.config_path())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, url, sslmode, name], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-3000:]
    saved = Path(done.stdout.strip()).read_text(encoding="utf-8")
    assert "hosting-test-password" not in saved and ":***@" not in saved  # the password is in the keyring


def test_two_processes_see_each_others_prescriptions_live(
    hosted: tuple[EmbeddedPostgres, hosting.HostingResult], sandbox: Path, tmp_path: Path
) -> None:
    from tests.conftest import TEST_PASSWORD
    from tests.intake.conftest import DEA, NPI

    server, result = hosted
    patient_id, med_id = _pharmacy_data(server.url)

    counter_choice = ServerChoice(result.host, result.port, user=result.app_role, password=result.app_password)
    certificate = read_certificate(counter_choice)
    assert certificate is not None and certificate.fingerprint == result.fingerprint
    # each its own configuration and keyring file (the suite's plaintext backend, under XDG_DATA_HOME)
    _, host_env = private_workstation(sandbox, "rx-host", XDG_DATA_HOME=str(tmp_path / "host-keyring"))
    _, counter_env = private_workstation(sandbox, "rx-counter", XDG_DATA_HOME=str(tmp_path / "counter-keyring"))
    counter_url = trust_certificate(counter_choice, certificate, tmp_path / "counter-certs").url()
    assert result.host != "127.0.0.1" and result.host in counter_url
    _configure(host_env, server.url, "", "host1")
    _configure(counter_env, counter_url, "verify-ca", "counter2")

    script = tmp_path / "workstation.py"
    script.write_text(WORKSTATION, encoding="utf-8")
    host = Workstation("host", host_env, script, ["rph_host", TEST_PASSWORD, patient_id, med_id, NPI, DEA])
    counter = Workstation("counter", counter_env, script, ["rph_counter", TEST_PASSWORD, patient_id, med_id, NPI, DEA])
    try:
        user, _, *source = host.expect("READY", START_WAIT)  # the owner over 127.0.0.1 (TLS or not: libpq's default)
        assert (user, source) == ("pharmacy_owner", ["configuration", "file"])
        assert counter.expect("READY", START_WAIT) == [result.app_role, "ssl", "configuration", "file"]

        counter.send("await")
        counter.expect("WAITING")
        host.send("enter")
        (from_host,) = host.expect("ENTERED")
        assert counter.expect("SAW") == [from_host]

        host.send("await")
        host.expect("WAITING")
        counter.send("enter")
        (from_counter,) = counter.expect("ENTERED")
        assert from_counter != from_host
        assert host.expect("SAW") == [from_counter]
    finally:
        host.stop()
        counter.stop()
