"""gunicorn's settings for every place it starts: production (docs/operations.md), `make bench`,
`make soak` and the tests that start a real server. Options given on the command line win.

    .venv/bin/gunicorn -c echo_disputes/gunicorn_conf.py --bind 127.0.0.1:8000

Environment: GUNICORN_BIND (127.0.0.1:8000), GUNICORN_WORKERS (2 x cores + 1), GUNICORN_THREADS (4),
GUNICORN_ACCESS_LOG ("-" = stdout; empty = none).
"""

from __future__ import annotations

import multiprocessing
import os

wsgi_app = "echo_disputes.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1))
# Threads, not the sync worker: a refused request (429) is held back for a second
# (echo_disputes/refusal_delay.py), and a sleeping thread must not be the worker's only one. Each
# thread keeps its own database connection: workers x threads connections in all.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# An idle keep-alive connection is closed after this long. It must outlast the client's pause
# between requests (the proxy's upstream keep-alive, the soak's 1 to 3 s): a close that crosses
# the client's next request on the wire is a failed request.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 5))
# No request should come near it; a worker stuck on a dead connection is recycled.
timeout = 30
max_requests = 2000
max_requests_jitter = 200
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
# gunicorn 27 opens a control socket under ~/.gunicorn/ by default; instances would share it.
control_socket_disable = True

# The request line (method, path, query string) is not limited here: gunicorn's own limit is at
# most 8190 bytes and answers past it with an HTML 414, which an ECHO client cannot read. The app
# answers every URL longer than URL_MAX_LENGTH with its JSON 414 (echo_disputes/middleware.py::
# UrlLengthMiddleware); the hard bound on what reaches gunicorn at all is the proxy's (64 KiB,
# docs/operations.md), and a worker reading a line for longer than `timeout` is recycled.
limit_request_line = 0
