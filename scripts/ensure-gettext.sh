#!/usr/bin/env bash
# `make messages` and the catalogue test (tests/i18n) extract strings with Django's makemessages,
# which runs GNU gettext's xgettext and msgmerge. Compiling needs no gettext (Babel, make install).
set -euo pipefail
if command -v xgettext >/dev/null && command -v msgmerge >/dev/null; then exit 0; fi
echo "Installing GNU gettext from Debian's packages for makemessages..." >&2
export DEBIAN_FRONTEND=noninteractive
SUDO=""
[ "$(id -u)" = "0" ] || SUDO="sudo"
$SUDO apt-get update -qq >&2
$SUDO apt-get install -y -qq gettext >&2
