"""The domain's vocabulary, defined once: models, schemas, forms, services and the matching engine
import it from here (plain Python, so the engine stays free of Flask and SQLAlchemy).

Provinces and places have their own module, ``provinces.py``, with their data and parsing.
"""

from __future__ import annotations

from .provinces import PROVINCES

# The sectors of Dutch education a partnership trains teachers for (profile-format.md):
# primary, secondary, vocational and special education.
SECTORS: tuple[str, ...] = ("po", "vo", "mbo", "so")

# The languages of the interface, of e-mail, and of what partnerships write (profiles, stories,
# sessions); also the languages the matcher analyses. Dutch first.
LANGUAGES: tuple[str, ...] = ("nl", "en")

# The most characters one free-text field (description, challenges, experiences, a story, a
# session's description) may hold.
TEXT_LIMIT = 5000

__all__ = ["LANGUAGES", "PROVINCES", "SECTORS", "TEXT_LIMIT"]
