"""Where webhooks may go (integrations/ssrf.py), with ECHO_WEBHOOKS_ALLOW_PRIVATE_HOSTS off as in
production: through the staff API, the check at delivery time (DNS rebinding), and what the
setting relaxes, exactly."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

from accounts.models import User
from integrations import services, ssrf
from integrations.models import DeliveryStatus, WebhookEndpoint
from tests.conftest import bearer
from tests.factories import make_dispute, make_order
from tests.integrations.helpers import deliveries, endpoint_on, post, time_passes
from tests.integrations.receiver import Receiver

ENDPOINTS = "/api/webhooks/endpoints"
# A public address written as a literal: accepted without asking any resolver.
PUBLIC = "https://93.184.215.14/hooks"


@pytest.fixture(autouse=True)
def _production_rules(settings: Any) -> None:
    settings.ECHO_WEBHOOKS_ALLOW_PRIVATE_HOSTS = False


REFUSED = [
    ("https://127.0.0.1/hooks", "127.0.0.1"),
    ("https://127.8.9.10:8443/hooks", "127.8.9.10"),
    # Whichever of 127.0.0.1 and ::1 the resolver lists first.
    ("https://localhost/hooks", "localhost resolves to "),
    ("https://2130706433/hooks", "127.0.0.1"),  # 127.0.0.1 as one decimal number
    ("https://0x7f.1/hooks", "127.0.0.1"),
    ("https://10.1.2.3/hooks", "10.1.2.3"),
    ("https://172.16.5.4/hooks", "172.16.5.4"),
    ("https://192.168.1.1/hooks", "192.168.1.1"),
    ("https://100.64.0.1/hooks", "100.64.0.1"),
    ("https://169.254.169.254/latest/meta-data/", "169.254.169.254"),
    ("https://0.0.0.0/hooks", "0.0.0.0"),
    ("https://224.0.0.1/hooks", "224.0.0.1"),
    ("https://240.0.0.1/hooks", "240.0.0.1"),
    ("https://255.255.255.255/hooks", "255.255.255.255"),
    ("https://[::1]/hooks", "::1"),
    ("https://[::]/hooks", "::"),
    ("https://[fe80::1]/hooks", "fe80::1"),
    ("https://[fc00::1]/hooks", "fc00::1"),
    ("https://[ff02::1]/hooks", "ff02::1"),
    ("https://[::ffff:10.0.0.1]/hooks", "10.0.0.1"),
    ("https://[::ffff:169.254.169.254]/hooks", "169.254.169.254"),
    ("https://[2002:a00:1::]/hooks", "2002:a00:1::"),  # 6to4 around 10.0.0.1
    ("https://[64:ff9b::7f00:1]/hooks", "64:ff9b::7f00:1"),  # NAT64 around 127.0.0.1
]


@pytest.mark.parametrize(("url", "address"), REFUSED)
def test_internal_addresses_are_refused(
    db: Any, staff: User, api: Any, url: str, address: str
) -> None:
    response = api.post(ENDPOINTS, {"url": url}, format="json", **bearer(staff))
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "unsafe_webhook_url"
    assert address in body["error"]
    assert list(body["details"]) == ["url"]
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "Webhooks are sent over https only."),
        ("ftp://93.184.215.14/hooks", "Webhooks are sent over https only."),
        ("gopher://93.184.215.14:70/_", "Webhooks are sent over https only."),
        ("http://93.184.215.14/hooks", "Webhooks are sent over https only."),
        ("http://127.0.0.1:8080/hooks", "Webhooks are sent over https only."),
        ("https://user:secret@93.184.215.14/", "The URL may not contain a user name or password."),
        ("https:///hooks", "The URL has no host."),
        ("https://93.184.215.14:99999/", "This is not a valid URL."),
        ("https://93.184.215.14/a b", "The URL may not contain spaces or control characters."),
    ],
)
def test_other_schemes_and_malformed_urls_are_refused(
    db: Any, staff: User, api: Any, url: str, message: str
) -> None:
    response = api.post(ENDPOINTS, {"url": url}, format="json", **bearer(staff))
    assert response.status_code == 400
    assert response.json() == {
        "error": message,
        "code": "unsafe_webhook_url",
        "details": {"url": [message]},
    }


def test_a_public_https_url_is_accepted(db: Any, staff: User, api: Any) -> None:
    response = api.post(ENDPOINTS, {"url": PUBLIC}, format="json", **bearer(staff))
    assert response.status_code == 201
    assert ssrf.resolve(PUBLIC).address == "93.184.215.14"
    assert ssrf.resolve("https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/").address == (
        "2606:2800:21f:cb07:6820:80da:af6b:8b2c"
    )


def test_a_name_that_does_not_resolve_is_refused(monkeypatch: Any) -> None:
    def nothing(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", nothing)
    with pytest.raises(ssrf.UnsafeUrl, match=r"The host hooks\.example\.com does not resolve\."):
        ssrf.resolve("https://hooks.example.com/")


def test_a_name_with_one_internal_address_among_public_ones_is_refused(
    monkeypatch: Any,
) -> None:
    def answers(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", answers)
    with pytest.raises(ssrf.UnsafeUrl, match=r"10\.0\.0\.7"):
        ssrf.resolve("https://hooks.example.com/")


def test_what_allow_private_hosts_relaxes_exactly() -> None:
    allowed = [
        "https://10.0.0.5/hooks",
        "https://192.168.1.1/hooks",
        "https://[fd00::1]/hooks",
        "https://127.0.0.1/hooks",
        "http://127.0.0.1:8080/hooks",
        "http://localhost:8080/hooks",
        "http://[::1]:8080/hooks",
    ]
    for url in allowed:
        assert ssrf.resolve(url, allow_private=True).host_header, url
    still_refused = [
        ("http://10.0.0.5/hooks", "Plain http is accepted for a loopback receiver only"),
        ("http://93.184.215.14/hooks", "Plain http is accepted for a loopback receiver only"),
        ("https://169.254.169.254/", "169.254.169.254"),
        ("https://[fe80::1]/", "fe80::1"),
        ("https://224.0.0.1/", "224.0.0.1"),
        ("https://0.0.0.0/", "0.0.0.0"),
        ("file:///etc/passwd", "https only"),
    ]
    for url, message in still_refused:
        with pytest.raises(ssrf.UnsafeUrl, match=message):
            ssrf.resolve(url, allow_private=True)


def test_a_redirect_to_an_internal_host_is_not_followed(
    db: Any,
    settings: Any,
    receiver: Receiver,
    second_receiver: Receiver,
    staff: User,
    buyer: User,
    seller: User,
    run_tasks: Callable[[], None],
) -> None:
    # The receiver itself must be on loopback, so it is registered with the setting on; the
    # place it redirects to is an internal address a delivery must never reach.
    settings.ECHO_WEBHOOKS_ALLOW_PRIVATE_HOSTS = True
    dispute = make_dispute(order=make_order(buyer=buyer, seller=seller))
    endpoint = endpoint_on(receiver, staff)
    receiver.answers.append(("redirect", "http://169.254.169.254/latest/meta-data/"))
    receiver.answers.append(("redirect", second_receiver.url))
    post(dispute, "Anyone?")
    run_tasks()
    (row,) = deliveries(endpoint)
    assert (row.status, row.last_response_code) == (DeliveryStatus.PENDING, 302)
    time_passes(row)
    run_tasks()
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_response_code) == (DeliveryStatus.PENDING, 2, 302)
    assert len(receiver.received) == 2
    assert second_receiver.received == []


def test_dns_rebinding_cannot_reach_an_internal_host(
    db: Any,
    monkeypatch: Any,
    receiver: Receiver,
    staff: User,
    buyer: User,
    seller: User,
    run_tasks: Callable[[], None],
) -> None:
    """The name resolved to a public address when the endpoint was saved and to loopback when
    the delivery is due: the delivery resolves it again, refuses, and never connects."""
    real = socket.getaddrinfo
    answers = {"rebind.example": "93.184.215.14"}

    def resolver(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    dispute = make_dispute(order=make_order(buyer=buyer, seller=seller))
    url = f"https://rebind.example:{receiver.port}/hooks"
    endpoint, _ = services.endpoint_create(actor=staff, url=url)
    answers["rebind.example"] = "127.0.0.1"
    post(dispute, "Anyone?")
    run_tasks()
    (row,) = deliveries(endpoint)
    assert row.status == DeliveryStatus.PENDING
    assert row.last_error.startswith("Not sent: rebind.example resolves to 127.0.0.1")
    assert receiver.received == []


def test_the_delivery_connects_to_the_checked_address_with_the_name_as_host(
    db: Any,
    settings: Any,
    receiver: Receiver,
    staff: User,
    buyer: User,
    seller: User,
    run_tasks: Callable[[], None],
) -> None:
    settings.ECHO_WEBHOOKS_ALLOW_PRIVATE_HOSTS = True
    dispute = make_dispute(order=make_order(buyer=buyer, seller=seller))
    endpoint, secret = services.endpoint_create(
        actor=staff, url=f"http://localhost:{receiver.port}/hooks?tenant=7"
    )
    receiver.secret = secret
    post(dispute, "Anyone?")
    run_tasks()
    (request,) = receiver.received
    assert request.headers["Host"] == f"localhost:{receiver.port}"
    assert request.path == "/hooks?tenant=7"
    assert request.signed
    assert deliveries(endpoint)[0].status == DeliveryStatus.DELIVERED
