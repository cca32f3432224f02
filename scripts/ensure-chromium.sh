#!/usr/bin/env bash
# Browser tests drive Debian's Chromium through Playwright; `playwright install` cannot download
# browsers here, so the system package is the browser.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
echo "Installing Chromium from Debian's packages for the browser tests..." >&2
export DEBIAN_FRONTEND=noninteractive
SUDO=""
[ "$(id -u)" = "0" ] || SUDO="sudo"
$SUDO apt-get update -qq >&2
$SUDO apt-get install -y -qq chromium >&2
