"""A loopback TCP proxy between the app and PostgreSQL that the test controls.

- ``pause()`` / ``resume()``: a stalled network. Connections stay open and bytes are accepted
  (the kernel acknowledges them, as a router queueing packets would look to the app), but nothing
  is forwarded until ``resume()``; then everything held goes through in order. New connections
  are accepted and wait like the rest.
- ``drop()``: every open connection is cut (as a server crash or a dead switch port looks).
- ``down()`` / ``up()``: the server unreachable: open connections cut, new ones closed at once.

Two pump threads per connection; nothing here knows PostgreSQL's protocol.
"""

from __future__ import annotations

import socket
import struct
import threading
from urllib.parse import urlsplit, urlunsplit


class TcpProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.forwarding = threading.Event()
        self.forwarding.set()
        self.refusing = False
        self.accepted = 0
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._accept_loop, name="fault-proxy", daemon=True)
        self._thread.start()

    def url(self, url: str) -> str:
        """``url`` (a database URL on the target) rewritten to go through this proxy."""
        parts = urlsplit(url)
        credentials, _, _ = parts.netloc.rpartition("@")
        return urlunsplit(parts._replace(netloc=f"{credentials}@127.0.0.1:{self.port}"))

    # -- faults ---------------------------------------------------------------------------------

    def pause(self) -> None:
        self.forwarding.clear()

    def resume(self) -> None:
        self.forwarding.set()

    def drop(self) -> None:
        with self._lock:
            doomed, self._sockets = self._sockets, set()
        for sock in doomed:
            _cut(sock)

    def down(self) -> None:
        self.refusing = True
        self.drop()

    def up(self) -> None:
        self.refusing = False

    def close(self) -> None:
        self._closed.set()
        self.forwarding.set()
        self._listener.close()
        self.drop()
        self._thread.join(5)

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._sockets) // 2

    # -- plumbing -------------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.refusing:
                _cut(client)
                continue
            self.accepted += 1
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _cut(client)
                continue
            upstream.settimeout(None)
            client.settimeout(None)
            with self._lock:
                self._sockets |= {client, upstream}
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                while not self.forwarding.wait(0.05):  # a stall: hold the bytes
                    if self._closed.is_set():
                        return
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with self._lock:
                    self._sockets.discard(sock)
                _cut(sock)


def _cut(sock: socket.socket) -> None:
    """Close at once with a reset (no lingering FIN handshake): the peer sees the link break."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    try:
        sock.shutdown(socket.SHUT_RDWR)  # wakes a pump blocked in recv on this socket
    except OSError:
        pass
    sock.close()
