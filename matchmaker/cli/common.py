"""Helpers shared by the commands: a progress bar for long runs and reading a JSON file."""

from __future__ import annotations

import json
import sys

import click

from .. import json_input


def progress_bar(label: str):
    """A click progress bar on a terminal; silent otherwise (logs, CI, pipes)."""

    def wrap(items):
        items = list(items)
        if not sys.stderr.isatty() or len(items) < 50:
            return items
        return _Bar(items, label)

    return wrap


class _Bar:
    def __init__(self, items, label):
        self.items, self.label = items, label

    def __iter__(self):
        with click.progressbar(self.items, label=self.label, show_eta=True, file=sys.stderr) as bar:
            yield from bar


def read_json(path: str, what: str):
    """The JSON document in ``path``; a missing, non-UTF-8, malformed or refused file
    (``json_input.read_document``) is a ClickException naming ``what`` the file is for."""
    try:
        with open(path, encoding="utf-8-sig") as fh:  # a byte order mark (Windows editors) is fine
            return json_input.read_document(fh.read())
    except json_input.BadDocument as exc:
        raise click.ClickException(f"{what} file {path}: {exc}") from None
    except FileNotFoundError:
        raise click.ClickException(f"{what} file not found: {path}") from None
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{what} file {path} is not UTF-8: {exc}") from None
    except json.JSONDecodeError as exc:
        raise click.ClickException(
            f"{what} file {path} is not valid JSON: line {exc.lineno}: {exc.msg}"
        ) from None
