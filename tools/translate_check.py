"""List the entries of a message catalogue that still need a translator.

Usage: python tools/translate_check.py [path/to/messages.po ...]
(default: every app/translations/*/LC_MESSAGES/messages.po)

Prints one line per problem (untranslated, fuzzy, or placeholders that differ
from the French msgid) with its source location, and exits with status 1 if
there is any. It never writes a translation: it only tells you what to fix.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
NAMED = re.compile(r"%\((\w+)\)")


def placeholders(text: str) -> set[str]:
    """The named %-placeholders of a string, e.g. {'name', 'n'}."""
    return set(NAMED.findall(text))


def problems(po_path: Path) -> list[str]:
    """Human-readable problems of one catalogue; empty when it is complete."""
    with po_path.open("rb") as f:
        catalog = read_po(f)
    found = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        where = ", ".join(f"{p}:{n}" for p, n in message.locations[:2]) or "?"
        label = ids[0] if len(ids[0]) <= 70 else ids[0][:67] + "..."
        if message.fuzzy:
            found.append(f"fuzzy         {where}  {label!r}")
        if not all(s.strip() for s in strings) or len(strings) < len(ids):
            found.append(f"untranslated  {where}  {label!r}")
            continue
        expected = placeholders(ids[-1])
        for s in strings:
            if placeholders(s) != expected:
                found.append(f"placeholders  {where}  {label!r} -> {s!r}")
                break
    # Babel's own checks (those `pybabel compile` reports as errors).
    for message, errors in catalog.check():
        where = ", ".join(f"{p}:{n}" for p, n in message.locations[:2]) or "?"
        for error in errors:
            found.append(f"format        {where}  {error}")
    return found


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted(ROOT.glob("app/translations/*/LC_MESSAGES/messages.po"))
    total = 0
    for path in paths:
        found = problems(path)
        total += len(found)
        for line in found:
            print(f"{path.relative_to(ROOT) if path.is_absolute() else path}: {line}")
    if total:
        print(f"{total} entr{'y' if total == 1 else 'ies'} to fix.", file=sys.stderr)
        return 1
    print("All entries translated.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
