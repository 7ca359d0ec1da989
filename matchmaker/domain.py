"""The domain's vocabulary, defined once: models, schemas, forms, services and the matching engine
import it from here (plain Python, so the engine stays free of Flask and SQLAlchemy).

Provinces and places have their own module, ``provinces.py``, with their data and parsing.
"""

from __future__ import annotations

from .provinces import PROVINCES

# The sectors of Dutch education a partnership trains teachers for (profile-format.md):
# primary, secondary, vocational and special education.
SECTORS: tuple[str, ...] = ("po", "vo", "mbo", "so")

# How people write a sector in an exchange file, read as its code: the code in any case, the
# sector's name in Dutch or English, and the school types of secondary education (vmbo, havo,
# vwo). Speciaal basisonderwijs (sbo) is not here: by law it is primary, by practice often
# counted as special, so it is refused rather than guessed.
SECTOR_NAMES: dict[str, str] = {
    **{code: code for code in SECTORS},
    "primair onderwijs": "po",
    "basisonderwijs": "po",
    "primary": "po",
    "primary education": "po",
    "voortgezet onderwijs": "vo",
    "vmbo": "vo",
    "havo": "vo",
    "vwo": "vo",
    "secondary": "vo",
    "secondary education": "vo",
    "middelbaar beroepsonderwijs": "mbo",
    "beroepsonderwijs": "mbo",
    "vocational": "mbo",
    "vocational education": "mbo",
    "speciaal onderwijs": "so",
    "voortgezet speciaal onderwijs": "so",
    "vso": "so",
    "(v)so": "so",
    "special education": "so",
}


def sector_spelling(written: str) -> str:
    """How a written sector is compared: lower case, single spaces ("Primair  Onderwijs")."""
    return " ".join(written.lower().split())


def sector_code(written: str) -> str | None:
    """The sector code for how a sector was written ("PO", "Primair onderwijs", "havo"), or None."""
    return SECTOR_NAMES.get(sector_spelling(written))


# The languages of the interface, of e-mail, and of what partnerships write (profiles, stories,
# sessions); also the languages the matcher analyses. Dutch first.
LANGUAGES: tuple[str, ...] = ("nl", "en")

# The most characters one free-text field (description, challenges, experiences, a story, a
# session's description) may hold.
TEXT_LIMIT = 5000

__all__ = [
    "LANGUAGES",
    "PROVINCES",
    "SECTORS",
    "SECTOR_NAMES",
    "TEXT_LIMIT",
    "sector_code",
    "sector_spelling",
]
