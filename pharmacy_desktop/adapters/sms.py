"""Text messages to patients: the interface an HTTP SMS provider plugs into, one HTTP provider, a simulator.

The common providers (Twilio, Vonage, Plivo, Telnyx...) take the same request: an account id and
a token (HTTP basic auth; the token from the keyring), the from-number, the to-number (E.164) and
the body, POSTed as a form; they answer with their own message id, and later call back with its
delivery status. Inbound texts reach the same callback URL: "STOP" (and its synonyms) is an opt-out
the pharmacy must honour.

- `SmsProvider`: ``send(to=, body=, message_id=) -> external id``; raises `SmsError` (``permanent``:
  a number that cannot receive texts; else try again).
- `HttpSmsProvider`: that request, Twilio-shaped (``{base}/Accounts/{account}/Messages.json``);
  the outbox message id goes as an idempotency key, so a provider that honours it drops a repeat.
- `SmsSimulator`: in memory, for the demo and tests; numbers ending 0000 cannot receive texts,
  ``fail_next(n)`` makes the next n sends fail as a provider outage would.
- `parse_delivery_callback`, `is_stop`: what a callback means.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"})

# provider status words -> the outbox status
_DELIVERY = {
    "delivered": "delivered",
    "undelivered": "bounced",
    "failed": "failed",
    "rejected": "bounced",
    "expired": "failed",
}


class SmsError(Exception):
    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.bounced = permanent  # a number that cannot take texts: like a bounced address


class SmsProvider(Protocol):
    def send(self, *, to: str, body: str, message_id: str) -> str: ...


@dataclass(frozen=True)
class DeliveryReport:
    external_id: str
    status: str  # 'delivered', 'failed', 'bounced'
    error_code: str | None = None


def is_stop(body: str) -> bool:
    """An inbound text that opts out (the first word, any case: "stop", "Stop please")."""
    words = (body or "").strip().upper().split()
    return bool(words) and words[0].strip(".!") in STOP_WORDS


def parse_delivery_callback(params: Mapping[str, str]) -> DeliveryReport | None:
    """A provider's status callback (Twilio: MessageSid, MessageStatus, ErrorCode); None when it is
    only an intermediate state (queued, sent) or not a status callback."""
    external_id = params.get("MessageSid") or params.get("message_id") or params.get("id")
    status = (params.get("MessageStatus") or params.get("status") or "").lower()
    if not external_id or status not in _DELIVERY:
        return None
    return DeliveryReport(external_id, _DELIVERY[status], params.get("ErrorCode") or None)


@dataclass(frozen=True)
class HttpSmsSettings:
    base_url: str  # e.g. https://api.twilio.com/2010-04-01
    account_id: str
    from_number: str
    timeout: float = 15.0


def parse_sms_url(url: str) -> HttpSmsSettings:
    """``https://api.twilio.com/2010-04-01?account=AC123&from=%2B12175550100`` (the token is in the keyring)."""
    parts = urllib.parse.urlsplit((url or "").strip())
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError("The SMS provider URL must be https://host/path?account=ID&from=+1NNNNNNNNNN.")
    if parts.password:
        raise ValueError("Do not put the SMS token in the URL: it is kept in the keyring.")
    query = {k: v[-1] for k, v in urllib.parse.parse_qs(parts.query).items()}
    if not query.get("account") or not query.get("from"):
        raise ValueError("The SMS provider URL needs ?account=ID&from=+1NNNNNNNNNN.")
    base = urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    return HttpSmsSettings(base, query["account"], query["from"], float(query.get("timeout", 15)))


class HttpSmsProvider:
    def __init__(self, settings: HttpSmsSettings, token: str):
        self.settings = settings
        self._token = token

    def request(self, *, to: str, body: str, message_id: str) -> urllib.request.Request:
        """The HTTP request a send makes (built apart so its shape can be checked without a provider)."""
        s = self.settings
        url = f"{s.base_url.rstrip('/')}/Accounts/{urllib.parse.quote(s.account_id)}/Messages.json"
        data = urllib.parse.urlencode({"From": s.from_number, "To": to, "Body": body}).encode()
        auth = base64.b64encode(f"{s.account_id}:{self._token}".encode()).decode()
        return urllib.request.Request(
            url,
            data=data,
            method="POST",
            headers={
                "Authorization": f"Basic {auth}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Idempotency-Key": message_id,
                "I-Twilio-Idempotency-Token": message_id,
            },
        )

    def send(self, *, to: str, body: str, message_id: str) -> str:
        try:
            with urllib.request.urlopen(
                self.request(to=to, body=body, message_id=message_id), timeout=self.settings.timeout
            ) as answer:  # noqa: S310 - https URL from the configuration
                payload = json.loads(answer.read() or b"{}")
        except urllib.error.HTTPError as error:
            # 400 with a number the provider says cannot take texts: permanent; 429/5xx: later
            raise SmsError(f"The SMS provider answered {error.code}.", permanent=error.code in (400, 404)) from None
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise SmsError(f"Could not reach the SMS provider ({type(error).__name__}).") from None
        external = payload.get("sid") or payload.get("id") or payload.get("message_id")
        if not external:
            raise SmsError("The SMS provider's answer had no message id.")
        return str(external)


@dataclass
class SentText:
    external_id: str
    to: str
    body: str
    message_id: str


@dataclass
class SmsSimulator:
    """Thread-safe, in memory: what was sent, and the failures asked for."""

    sent: list[SentText] = field(default_factory=list)
    _failures: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def fail_next(self, count: int = 1) -> None:
        with self._lock:
            self._failures = count

    def send(self, *, to: str, body: str, message_id: str) -> str:
        with self._lock:
            if self._failures > 0:
                self._failures -= 1
                raise SmsError("The SMS provider answered 503.")
            if to.endswith("0000"):
                raise SmsError("The SMS provider answered 400: the number cannot receive texts.", permanent=True)
            external = f"SIM{next(self._ids):08d}"
            self.sent.append(SentText(external, to, body, message_id))
            return external
