"""Reading a JSON document from outside (an API body, an import file): one set of rules for the
API and the CLI, Flask-free.

Python's ``json`` module reads more than a person meant to write, and more than the rest of the
service can hold:

- an object with the same key twice keeps the last value silently (``{"name": "A", "name": "B"}``);
- ``"\\u0000"`` becomes a NUL character, which no text holds and PostgreSQL cannot store;
- ``"\\ud800"`` becomes a lone surrogate, a ``str`` that cannot be encoded as UTF-8: the database
  driver, the templates and the export all fail on it later, far from where it came in;
- nesting beyond the interpreter's recursion limit raises ``RecursionError``, and an integer of
  more than 4,300 digits a ``ValueError``.

``read_document`` refuses each of these with a ``BadDocument`` whose message names the place.
Malformed JSON raises ``json.JSONDecodeError`` as ever, so each caller words it its own way.
"""

from __future__ import annotations

import json

MAX_DEPTH = 32  # the deepest legitimate document (an import with stories) is 5 levels deep


class BadDocument(ValueError):
    """JSON that parses but must not be accepted; the message says what and where."""


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict:
    obj: dict = {}
    for key, value in pairs:
        if key in obj:
            raise _DuplicateKey(key)
        obj[key] = value
    return obj


def _place(path: list) -> str:
    """``records[2].institutions[0]`` from ``["records", 2, "institutions", 0]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the document"


def is_unicode_text(text: str) -> bool:
    """False for a ``str`` holding a lone surrogate ("\\ud800" in JSON): not a character, and
    nothing further on (the database, the pages, the export) can write it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_value(value) -> None:
    """``BadDocument`` when ``value`` (parsed JSON) nests deeper than ``MAX_DEPTH`` or holds a
    string, key or value, that is not valid Unicode text (a lone surrogate). Iterative: a deep
    document cannot exhaust the stack here."""
    stack: list[tuple[object, list, int]] = [(value, [], 1)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            if not is_unicode_text(item):
                raise BadDocument(
                    f"{_place(path)}: the text holds a lone surrogate (such as \\ud800), which "
                    "is not a character; send the text as UTF-8"
                )
            if "\x00" in item:  # no text holds one, and PostgreSQL cannot store it
                raise BadDocument(f"{_place(path)}: the text contains a NUL character")
        elif isinstance(item, (dict, list)):
            if depth > MAX_DEPTH:
                raise BadDocument(f"the JSON is nested more than {MAX_DEPTH} levels deep")
            if isinstance(item, dict):
                for key, child in item.items():
                    if not is_unicode_text(key):
                        raise BadDocument(
                            f"{_place(path) if path else 'an object'}: a key holds a lone "
                            "surrogate (such as \\ud800), which is not a character"
                        )
                    stack.append((child, [*path, key], depth + 1))
            else:
                stack.extend((child, [*path, i], depth + 1) for i, child in enumerate(item))


def read_document(text: str | bytes):
    """The parsed document, or ``BadDocument`` (see the module), or ``json.JSONDecodeError``
    when it is not JSON at all (``UnicodeDecodeError`` for bytes that are not UTF-8)."""
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates)
    except _DuplicateKey as exc:
        raise BadDocument(
            f"an object has the key {json.dumps(exc.key)} twice; write each field once"
        ) from None
    except RecursionError:
        raise BadDocument(f"the JSON is nested more than {MAX_DEPTH} levels deep") from None
    except json.JSONDecodeError:
        raise
    except ValueError as exc:  # "Exceeds the limit (4300 digits) for integer string conversion"
        if "digits" in str(exc):
            raise BadDocument("the JSON holds a number too large to read") from None
        raise
    check_value(value)
    return value
