"""Fill missing translations of a .po catalogue from a Python dict file (a maintainer's aid).

Usage: python scripts/po_fill.py app/translations/vi/LC_MESSAGES/messages.po TRANSLATIONS.py
The dict file defines VI = {msgid: msgstr, (plural_singular,): msgstr}.
"""

import runpy
import sys

from babel.messages.pofile import read_po, write_po


def main(po_path: str, table_path: str) -> int:
    table = runpy.run_path(table_path)["VI"]
    with open(po_path, "rb") as handle:
        catalog = read_po(handle)
    missing = []
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            text = table.get((message.id[0],))
            if text and not any(message.string):
                message.string = tuple(text for _ in range(catalog.num_plurals))
            if not all(message.string):
                missing.append(message.id[0])
        else:
            if not message.string and message.id in table:
                message.string = table[message.id]
            if not message.string:
                missing.append(message.id)
    with open(po_path, "wb") as handle:
        write_po(handle, catalog, width=100, sort_output=True)
    for text in missing:
        print("untranslated:", text)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
