"""Importing an exchange document, for every surface that imports (``import-profiles``, the
admin API): write it (``profiles.import_document``: all or nothing), then name the mentors in it
whose experiences are near-identical to another mentor's. Suggestions show such a pair once; the
report tells the admin which ones, so a copy under a second key can be removed."""

from __future__ import annotations

from dataclasses import dataclass

from . import matching, profiles

DUPLICATE_CHECK_LIMIT = 5000  # profiles per document checked for near-duplicate mentors


@dataclass(frozen=True)
class ImportReport(profiles.ImportResult):
    """What an import wrote (``created``, ``updated``, ``total``), and the near-identical mentor
    pairs among its profiles."""

    near_duplicates: tuple[tuple[str, str, float], ...] = ()  # (key, other key, cosine)
    duplicate_check_skipped: bool = False  # more than DUPLICATE_CHECK_LIMIT profiles


def import_profiles(document, progress=None) -> ImportReport:
    """Import ``document`` (ValidationError, nothing written, when any record is invalid), then
    check its mentors for near-duplicates against every mentor in the index."""
    result = profiles.import_document(document, progress=progress)
    keys = [r["key"] for r in document.get("partnerships", []) if isinstance(r, dict)]
    if len(keys) > DUPLICATE_CHECK_LIMIT:
        return ImportReport(result.created, result.updated, duplicate_check_skipped=True)
    return ImportReport(result.created, result.updated, tuple(matching.near_duplicates(keys)))
