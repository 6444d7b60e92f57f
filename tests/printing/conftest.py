"""Fixtures for the print queue: a filled prescription in a real database, fake TCP printers."""

from __future__ import annotations

import datetime as dt
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest

from pharmacy_desktop.config import Config, PrinterConfig
from pharmacy_desktop.db.embedded import free_port

TODAY = dt.date.today()


class FakePrinter:
    """A TCP listener on 127.0.0.1 that plays one printer behaviour per connection, any number of times."""

    def __init__(
        self, serve: Callable[[socket.socket, FakePrinter], None], rcvbuf: int | None = None, port: int = 0
    ) -> None:
        self.received = bytearray()
        self.jobs: list[bytes] = []
        self.connections = 0
        self.stop = threading.Event()
        self.done = threading.Event()  # set when a connection has been served and closed
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:  # inherited by accepted sockets: a printer with a small buffer
            self.server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", port))
        self.server.listen(5)
        self.port = self.server.getsockname()[1]
        self.serve = serve
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    @property
    def uri(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def _run(self) -> None:
        self.server.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            start = len(self.received)
            try:
                self.serve(conn, self)
            except OSError:
                pass
            finally:
                conn.close()
                self.jobs.append(bytes(self.received[start:]))
                self.done.set()

    def wait_jobs(self, count: int, timeout: float = 5.0) -> list[bytes]:
        deadline = dt.datetime.now() + dt.timedelta(seconds=timeout)
        while len(self.jobs) < count and dt.datetime.now() < deadline:
            threading.Event().wait(0.02)
        return self.jobs

    def close(self) -> None:
        self.stop.set()
        self.server.close()
        self.thread.join(5)


# Real DLE EOT 1 / 2 / 4 replies (Epson ESC/POS reference): fixed bits 0x12 plus the state bits.
READY = {1: 0x16, 2: 0x12, 4: 0x12}
PAPER_OUT = {1: 0x1E, 2: 0x32, 4: 0x72}  # offline; stopped by paper end; roll end sensor
COVER_OPEN = {1: 0x1E, 2: 0x16, 4: 0x12}  # offline; cover open
PAPER_LOW = {1: 0x16, 2: 0x12, 4: 0x1E}  # online; roll near-end sensor


def answering(replies: dict[int, int]) -> Callable[[socket.socket, FakePrinter], None]:
    """A printer that reads everything and answers each DLE EOT n in the stream, as it arrives."""

    def serve(conn: socket.socket, fake: FakePrinter) -> None:
        start = scanned = len(fake.received)
        while chunk := conn.recv(65536):
            fake.received += chunk
            data = bytes(fake.received[start:])
            while (at := data.find(b"\x10\x04", max(scanned - start, 0))) >= 0 and at + 2 < len(data):
                if data[at + 2] in replies:
                    conn.sendall(bytes([replies[data[at + 2]]]))
                scanned = start + at + 3

    return serve


read_all = answering(READY)  # an Epson-like printer that is ready


def read_silently(conn: socket.socket, fake: FakePrinter) -> None:
    """Takes every byte and never answers a status query (a generic printer, or a stuck interface)."""
    while chunk := conn.recv(65536):
        fake.received += chunk


def never_read(conn: socket.socket, fake: FakePrinter) -> None:
    fake.stop.wait(10)


def read_then_reset(amount: int) -> Callable[[socket.socket, FakePrinter], None]:
    def serve(conn: socket.socket, fake: FakePrinter) -> None:
        got = 0
        while got < amount:
            chunk = conn.recv(amount - got)
            if not chunk:
                break
            got += len(chunk)
            fake.received += chunk
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = RST

    return serve


def refused_uri() -> str:
    """An address on 127.0.0.1 where nothing listens (connection refused)."""
    return f"tcp://127.0.0.1:{free_port()}"


@pytest.fixture
def printer() -> Iterator[Callable[..., FakePrinter]]:
    made: list[FakePrinter] = []

    def make(serve: Callable[[socket.socket, FakePrinter], None] = read_all, **kwargs: object) -> FakePrinter:
        fake = FakePrinter(serve, **kwargs)  # type: ignore[arg-type]
        made.append(fake)
        return fake

    yield make
    for fake in made:
        fake.close()


def workstation_config(label_uri: str = "", receipt_uri: str = "", profile: str = "TM-T88V") -> Config:
    printers = {}
    if label_uri:
        printers["label"] = PrinterConfig(uri=label_uri, profile=profile)
    if receipt_uri:
        printers["receipt"] = PrinterConfig(uri=receipt_uri, profile=profile)
    return Config(workstation_name="test-ws", printers=printers)


@pytest.fixture
def pharmacy(uow_factory):
    from pharmacy_desktop.db.models.users import PharmacyProfile

    with uow_factory() as uow:
        uow.session.add(
            PharmacyProfile(
                id=1,
                name="Main Street Pharmacy",
                address_line1="120 Main Street",
                city="Springfield",
                state="IL",
                zip_code="62701",
                phone="(217) 555-0142",
                npi="1234567893",
            )
        )
        uow.commit()


def make_fill(
    uow_factory,
    actors,
    *,
    rx_number: str = "6001234",
    schedule: str | None = None,
    refills: int = 2,
    refill_number: int = 0,
    directions: str | None = None,
    sig: str = "1 T PO BID",
    drug: str = "Atorvastatin Calcium",
    expiry: dt.date | None = None,
    patient: tuple[str, str] = ("Zoë", "Ångström-Łukasiewicz"),
):
    """A verified fill of a new prescription; returns (refill_id, prescription_id)."""
    from pharmacy_desktop.db.models.patients import Patient
    from pharmacy_desktop.db.models.prescriptions import (
        Medication,
        Prescription,
        PrescriptionItem,
        PrescriptionRefill,
    )

    tech, rph = actors["technician"], actors["pharmacist"]
    with uow_factory(tech.user_id) as uow:
        person = Patient(
            patient_number=f"P{rx_number}",
            first_name=patient[0],
            last_name=patient[1],
            date_of_birth=dt.date(1961, 7, 4),
            phone_primary="(217) 555-0199",
            address_line1="9 Elm Court",
            city="Springfield",
            state="IL",
            zip_code="62704",
        )
        med = Medication(
            ndc_code=f"0007101{rx_number[-4:]}",
            drug_name=drug,
            generic_name=drug,
            strength="20 mg",
            dosage_form="TABLET, FILM COATED",
            manufacturer="Greenstone LLC",
            is_generic=True,
            is_controlled_substance=schedule is not None,
            dea_schedule=schedule,
        )
        uow.session.add_all([person, med])
        uow.session.flush()
        rx = Prescription(
            prescription_number=rx_number,
            patient_id=person.id,
            prescriber_name="Dr. Maria Gonzalez",
            prescriber_npi="1234567893",
            prescription_date=TODAY,
            written_date=TODAY,
            expiration_date=TODAY + dt.timedelta(days=365),
            source="paper",
            status="in_progress",
        )
        uow.session.add(rx)
        uow.session.flush()
        item = PrescriptionItem(
            prescription_id=rx.id,
            medication_id=med.id,
            written_medication_name=f"{drug} 20 mg",
            quantity=Decimal("60"),
            quantity_unit="tablets",
            days_supply=30,
            sig=sig,
            directions=directions,
            refills_authorized=refills,
            refills_remaining=refills,
        )
        uow.session.add(item)
        uow.session.flush()
        refill = PrescriptionRefill(
            prescription_id=rx.id,
            prescription_item_id=item.id,
            refill_number=refill_number,
            medication_id=med.id,
            ndc_code=med.ndc_code,
            quantity_dispensed=Decimal("60"),
            days_supply=30,
            filled_date=TODAY,
            filled_by=tech.user_id,
            expiration_date=expiry,
            lot_number="LOT42",
            verified_by=rph.user_id,
        )
        uow.session.add(refill)
        uow.commit()
        return refill.id, rx.id


@pytest.fixture
def fill(uow_factory, actors, pharmacy):
    return make_fill(uow_factory, actors)
