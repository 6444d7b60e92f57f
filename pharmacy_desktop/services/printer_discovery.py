"""Find network receipt/label printers: hosts of a subnet that accept a connection on the raw port 9100.

The first-run wizard offers what it finds to the workstation's printer settings (where the test
page is printed). Nothing is sent to the hosts found: a connection is opened and closed.
"""

from __future__ import annotations

import ipaddress
import socket
from concurrent.futures import ThreadPoolExecutor

from pharmacy_desktop.errors import ValidationFailed

RAW_PORT = 9100
MAX_HOSTS = 1024  # a /22: a pharmacy's network, not a scan of someone else's


def hosts_of(network: str) -> list[str]:
    try:
        net = ipaddress.ip_network(network.strip(), strict=False)
    except ValueError:
        raise ValidationFailed(f"{network!r} is not a network: write it like 192.168.1.0/24.") from None
    if net.num_addresses > MAX_HOSTS:
        raise ValidationFailed(f"{net} is too large to search: give the counters' own network (at most /22).")
    if not net.is_private:
        raise ValidationFailed(f"{net} is not a private network: only the pharmacy's own network is searched.")
    return [str(h) for h in net.hosts()] or [str(net.network_address)]  # a /32: the one address


def answers(host: str, port: int, timeout: float) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def discover(network: str, *, port: int = RAW_PORT, timeout: float = 0.4, workers: int = 64) -> tuple[str, ...]:
    """The printer addresses (``tcp://HOST:PORT``) of ``network``'s hosts that accept a connection on ``port``."""
    hosts = hosts_of(network)
    with ThreadPoolExecutor(max_workers=min(workers, len(hosts))) as pool:
        found = list(pool.map(lambda h: answers(h, port, timeout), hosts))
    return tuple(f"tcp://{h}:{port}" for h, ok in zip(hosts, found, strict=True) if ok)
