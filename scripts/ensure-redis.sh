#!/usr/bin/env bash
# The Redis-backend test (tests/tasks/test_redis.py) starts a throwaway Debian redis-server on a
# free loopback port; this installs the package when it is missing. Never fails the build: the
# test skips, saying why, where the package cannot be installed.
set -uo pipefail
if command -v redis-server >/dev/null 2>&1; then exit 0; fi
echo "Installing redis-server from Debian's packages for the Redis task-backend test..." >&2
export DEBIAN_FRONTEND=noninteractive
SUDO=""
[ "$(id -u)" = "0" ] || SUDO="sudo"
{ $SUDO apt-get install -y -qq redis-server >&2 \
  || { $SUDO apt-get update -qq >&2 && $SUDO apt-get install -y -qq redis-server >&2; }; } \
  || echo "redis-server could not be installed; the Redis test will be skipped." >&2
exit 0
