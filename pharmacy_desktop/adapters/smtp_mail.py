"""E-mail to patients over SMTP (standard library only): STARTTLS or implicit TLS.

(Named smtp_mail, not email: a module called email would shadow the standard library package.)

Configured by one URL (``[notifications] smtp_url`` in the workstation file, or PHARMACY_SMTP_URL):

- ``smtps://user@mail.example.org:465``: TLS from the first byte (implicit TLS);
- ``smtp://user@mail.example.org:587``: STARTTLS, required: a server that does not offer it is
  refused, since a patient message must not cross a network in clear text;
- ``?starttls=no`` is accepted only for a server on this machine (127.0.0.1, ::1, localhost: a
  local relay or a test server);
- ``?from=rx@pharmacy.example`` the sender address (default: the user if it is an address, else
  ``pharmacy@<host>``).

The password never goes in the URL: it comes from the keyring (the caller passes it).

Every message carries the outbox row's ``Message-ID``, the same on every attempt: a mail client
shows a message sent twice (a sender killed between sending and recording) once.

Errors are `EmailError`: ``permanent`` (the server refused the recipient or the message: a retry
would get the same answer) or not (connection, timeout, 4xx: try again later). Their text names
the SMTP code and never the recipient.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from urllib.parse import parse_qs, unquote, urlsplit

LOOPBACK = ("127.0.0.1", "::1", "localhost")


class EmailError(Exception):
    def __init__(self, message: str, *, permanent: bool = False, bounced: bool = False):
        super().__init__(message)
        self.message = message
        self.permanent = permanent or bounced
        self.bounced = bounced  # the address itself was refused for good


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # 'tls' (implicit), 'starttls', 'none' (loopback only)
    username: str | None
    from_address: str
    timeout: float = 20.0


def parse_smtp_url(url: str) -> SmtpSettings:
    """The settings of an ``smtp://`` / ``smtps://`` URL; ValueError says what is wrong (no password echoed)."""
    parts = urlsplit((url or "").strip())
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError("The mail server URL must start with smtp:// (STARTTLS) or smtps:// (TLS).")
    if not parts.hostname:
        raise ValueError("The mail server URL has no host: write smtp://user@mail.example.org:587.")
    if parts.password:
        raise ValueError("Do not put the mail password in the URL: it is kept in the keyring.")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    security = "tls" if parts.scheme == "smtps" else "starttls"
    if query.get("starttls", "").lower() in ("no", "false", "0"):
        if parts.scheme == "smtps" or parts.hostname not in LOOPBACK:
            raise ValueError("starttls=no is allowed only for a mail server on this machine (127.0.0.1).")
        security = "none"
    username = unquote(parts.username) if parts.username else None
    sender = query.get("from") or (username if username and "@" in username else f"pharmacy@{parts.hostname}")
    return SmtpSettings(
        host=parts.hostname,
        port=parts.port or (465 if security == "tls" else 587),
        security=security,
        username=username,
        from_address=sender,
        timeout=float(query.get("timeout", 20)),
    )


def build_message(
    *, settings: SmtpSettings, to: str, subject: str, body: str, message_id: str, from_name: str = ""
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = formataddr((from_name, settings.from_address)) if from_name else settings.from_address
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to a robot
    msg.set_content(body)
    return msg


class SmtpEmailSender:
    """One connection per message: the sender sends a few a minute, and a dropped connection
    between messages is then never an error of its own."""

    def __init__(self, settings: SmtpSettings, password: str | None = None, *, context: ssl.SSLContext | None = None):
        self.settings = settings
        self._password = password
        self._context = context or ssl.create_default_context()

    def send(self, *, to: str, subject: str, body: str, message_id: str, from_name: str = "") -> str:
        """Send one message; returns the Message-ID (the external id). Raises `EmailError`."""
        s = self.settings
        msg = build_message(settings=s, to=to, subject=subject, body=body, message_id=message_id, from_name=from_name)
        try:
            if s.security == "tls":
                client: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self._context)
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            with client:
                client.ehlo()
                if s.security == "starttls":
                    if not client.has_extn("starttls"):
                        raise EmailError(
                            f"The mail server {s.host} does not offer STARTTLS; patient mail is never sent "
                            "unencrypted. Use smtps:// or a server that offers STARTTLS.",
                            permanent=False,
                        )
                    client.starttls(context=self._context)
                    client.ehlo()
                if s.username and self._password is not None:
                    client.login(s.username, self._password)
                refused = client.send_message(msg)
                if refused:
                    code = next(iter(refused.values()))[0]
                    raise EmailError(f"The mail server refused the recipient ({code}).", bounced=code >= 500)
        except EmailError:
            raise
        except smtplib.SMTPRecipientsRefused as error:
            code = next(iter(error.recipients.values()))[0]
            raise EmailError(f"The mail server refused the recipient ({code}).", bounced=code >= 500) from None
        except smtplib.SMTPAuthenticationError as error:
            raise EmailError(
                f"The mail server refused the user name or password ({error.smtp_code}). Check them in "
                "the notification settings.",
                permanent=False,
            ) from None
        except smtplib.SMTPResponseException as error:
            # 4xx: try later; 5xx on the message itself: the same message would be refused again
            raise EmailError(
                f"The mail server answered {error.smtp_code}.", permanent=500 <= error.smtp_code < 600
            ) from None
        except (TimeoutError, smtplib.SMTPException, OSError, ssl.SSLError) as error:
            raise EmailError(f"Could not reach the mail server {s.host}:{s.port} ({type(error).__name__}).") from None
        return message_id
