#!/usr/bin/env bash
# Translation catalogues. Usage:
#   scripts/i18n.sh update    extract strings from app/ and templates/, merge into every .po
#   scripts/i18n.sh compile   compile .po into .mo (the setup and test commands do this)
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=${PYBABEL:-.venv/bin/pybabel}
DIR=app/translations
case "${1:-compile}" in
  update)
    "$PYBABEL" extract -F babel.cfg -k _l -k lazy_gettext -k _plural:1,2 --no-location --sort-output \
      --project "Lifelong Learning Week" --copyright-holder "" -o "$DIR/messages.pot" .
    for lang in vi; do
      if [ -f "$DIR/$lang/LC_MESSAGES/messages.po" ]; then
        "$PYBABEL" update --no-fuzzy-matching -i "$DIR/messages.pot" -d "$DIR" -l "$lang"
      else
        "$PYBABEL" init -i "$DIR/messages.pot" -d "$DIR" -l "$lang"
      fi
    done
    ;;
  compile)
    "$PYBABEL" compile -d "$DIR"
    ;;
  *) echo "usage: $0 update|compile" >&2; exit 2 ;;
esac
