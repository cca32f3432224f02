"""A refused request (429) is answered late, so a script that floods pays for it in time.

A throttle or the lock-out refuses a request in a few milliseconds, but a client that sends its
next request the moment the refusal arrives keeps one worker busy for as long as it likes: on a
small host two such clients take most of the CPU from everyone else (docs/benchmarks.md, Soak).
Holding the refusal for `ECHO_REFUSAL_DELAY_SECONDS` turns each connection of such a client into
about one request a second, at the cost of a sleeping thread, not of CPU.

The sleep is bounded: at most `ECHO_REFUSAL_DELAY_SLOTS` refusals wait at once in a process; past
that, refusals are answered at once, so many connections cannot tie up every thread. That needs a
threaded server (gunicorn's gthread worker, echo_disputes/gunicorn_conf.py); a flood from many
addresses at once is the proxy's to stop (docs/security.md).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

TOO_MANY_REQUESTS = 429


class RefusalDelayMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.slots = threading.BoundedSemaphore(max(1, settings.ECHO_REFUSAL_DELAY_SLOTS))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        delay = float(settings.ECHO_REFUSAL_DELAY_SECONDS)
        if response.status_code == TOO_MANY_REQUESTS and delay > 0:
            if self.slots.acquire(blocking=False):
                try:
                    time.sleep(delay)
                finally:
                    self.slots.release()
        return response
