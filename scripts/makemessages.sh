#!/usr/bin/env bash
# Extract the strings marked for translation into the catalogues of the tree at $1 (default: this
# repository), for the languages in $LANGS (default: es). `make messages` runs it on the
# repository; tests/i18n/test_catalogues.py on a copy, to see what a run would change.
#   - Python, and integrations/templates, into locale/ (run from the root: makemessages puts a
#     file's strings in the LOCALE_PATHS entry whose folder holds the file);
#   - templates/ into templates/locale/ (run from inside templates/).
# Needs GNU gettext's xgettext and msgmerge (scripts/ensure-gettext.sh).
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
ROOT="$(cd "${1:-$HERE}" && pwd)"
PY="${PY:-$HERE/.venv/bin/python}"
LANGS="${LANGS:-es}"
LOCALES=()
for lang in $LANGS; do LOCALES+=(-l "$lang"); done
export DJANGO_DEBUG=1
cd "$ROOT"
# `templates/**` (not `templates/*`): a folder pattern would also skip integrations/templates.
"$PY" manage.py makemessages "${LOCALES[@]}" --no-obsolete -e py,html,txt \
	--ignore='templates/**' --ignore='tests/*' --ignore='bench/*' --ignore='scripts/*' \
	--ignore='.venv/*' --ignore='static/*' --ignore='staticfiles/*' --ignore='media/*' \
	--ignore='test-artifacts/*' --ignore='docs/*' >/dev/null
cd "$ROOT/templates"
"$PY" ../manage.py makemessages "${LOCALES[@]}" --no-obsolete -e html,txt >/dev/null
