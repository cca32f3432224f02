"""The suite's own guard (tests/conftest.py): a test never asks a DNS server about a public name."""

from __future__ import annotations

import socket

import pytest


def test_a_public_name_does_not_resolve_in_tests() -> None:
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("example.com", 443)


def test_loopback_still_resolves() -> None:
    addresses = {info[4][0] for info in socket.getaddrinfo("127.0.0.1", 80)}
    assert addresses == {"127.0.0.1"}
