"""A free TCP port on 127.0.0.1, for the servers the tests and benchmarks start (the port is free the moment it
is returned; nothing listens there until the caller starts something)."""

from __future__ import annotations

import socket


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
