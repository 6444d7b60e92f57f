"""Run as a process by test_sender_smtp: one sender pass that is killed (SIGKILL, no clean-up at
all) right after the SMTP server accepted the message and before the outcome is recorded."""

from __future__ import annotations

import os
import signal
import sys

from pharmacy_desktop.adapters.smtp_mail import SmtpEmailSender, parse_smtp_url
from pharmacy_desktop.db.engine import make_engine, make_session_factory
from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.services.notification_sender import NotificationSender


def main(database_url: str, smtp_url: str) -> None:
    factory = UnitOfWorkFactory(make_session_factory(make_engine(database_url)), workstation="doomed-ws")
    sender = NotificationSender(
        factory,
        workstation="doomed-ws",
        email=SmtpEmailSender(parse_smtp_url(smtp_url)),
        after_send=lambda _id: os.kill(os.getpid(), signal.SIGKILL),
    )
    sender.send_pending()
    sys.exit(3)  # never reached: the kill comes first


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
