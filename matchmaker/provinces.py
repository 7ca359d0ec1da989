"""The twelve provinces, and where a place lies: the one owner of the region vocabulary.

A region is stored as "Provincie" or "Provincie, Plaats" (shared/profile-format.md). Free text
("Apeldoorn", "noord-holland", "Fryslân, Drachten") is read by ``parse_region``; a place alone
is mapped to its province through ``data/places.tsv`` where that is unambiguous, and so is a
streek (a CBS COROP region or a common streek name such as Twente or Zeeuws-Vlaanderen), a compass
part of a province ("West-Brabant", "Zuid-Limburg") or an area with more words after it
("Rotterdam-Zuid"): the leading words decide, and nothing that names two provinces is guessed.

Source of data/places.tsv: CBS (Centraal Bureau voor de Statistiek), "Gemeentelijke indeling op
1 januari 2025" — all 342 municipalities with their province, as published by CBS and PDOK
(gebiedsindelingen); plus the larger places (woonplaatsen from the BAG woonplaatsenregister,
which CBS links to municipalities) that people commonly write instead of their municipality,
and names that lie in two provinces, marked unmappable. Compiled 2025; see data/README.md.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

# The canonical spelling is stored; the other accepted spellings map onto it.
PROVINCES = (
    "Groningen",
    "Friesland",
    "Drenthe",
    "Overijssel",
    "Flevoland",
    "Gelderland",
    "Utrecht",
    "Noord-Holland",
    "Zuid-Holland",
    "Zeeland",
    "Noord-Brabant",
    "Limburg",
)
PROVINCE_ALIASES = {
    "fryslan": "Friesland",
    "friesland fryslan": "Friesland",
    "brabant": "Noord-Brabant",
}
DATA = Path(__file__).with_name("data") / "places.tsv"
AMBIGUOUS = "?"


def normalize(text: str) -> str:
    """'’s-Hertogenbosch' → 's hertogenbosch': lower case, no accents, words split on anything else."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.split(r"[^a-z0-9]+", text)).strip()


_PROVINCE_BY_NAME = {normalize(p): p for p in PROVINCES} | PROVINCE_ALIASES


@dataclass(frozen=True)
class Place:
    name: str  # the spelling in the table
    province: str  # AMBIGUOUS ("?") when the name lies in more than one province
    kind: str  # gemeente | woonplaats | ambiguous: why


@cache
def places() -> dict[str, Place]:
    """The place table by normalised name."""
    table: dict[str, Place] = {}
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, province, kind = line.split("\t")
        key = normalize(name)
        if key in table and table[key].province != province:
            province = AMBIGUOUS  # the same name in two provinces: never guessed
        table[key] = Place(name, province, kind)
    return table


def province_of(name: str | None) -> str | None:
    """The canonical province a name denotes ('fryslân' → 'Friesland'), or None."""
    if not name:
        return None
    key = normalize(name)
    key = key.removeprefix("provincie ").removeprefix("province ")
    return _PROVINCE_BY_NAME.get(key)


class UnknownRegion(ValueError):
    """The text names no province, and no place that lies in exactly one."""


def parse_region(text: str | None) -> str | None:
    """ "Provincie" or "Provincie, Plaats" for free text; None for empty; UnknownRegion otherwise.

    Accepts a province ("gelderland"), a province and a place ("Gelderland, Apeldoorn"), a place
    and its province ("Apeldoorn, Gelderland"), a place or streek alone ("Apeldoorn", "Twente"),
    and an area followed by more words ("West-Brabant", "Rotterdam-Zuid", "Limburg (Zuid)"),
    stored after its province as written ("Zuid-Holland, Rotterdam-Zuid")."""
    if text is None or not text.strip():
        return None
    text = " ".join(text.split())
    head, sep, rest = (part.strip() for part in text.partition(","))
    province = province_of(head)
    if province is not None:
        return f"{province}, {rest}" if rest else province
    if sep and (province := province_of(rest)) is not None:  # "Apeldoorn, Gelderland"
        return f"{province}, {head}" if head else province
    place = places().get(normalize(text if not sep else head))
    if place is not None and place.province != AMBIGUOUS:
        return f"{place.province}, {place.name}"
    if place is None and not sep and (province := _leading_area(text)) is not None:
        return f"{province}, {text}"
    raise UnknownRegion(text)


COMPASS = (
    "noord",
    "zuid",
    "oost",
    "west",
    "midden",
    "noordoost",
    "noordwest",
    "zuidoost",
    "zuidwest",
)
_FILLER = ("regio", "streek", "de", "het")  # "Regio Twente", "De Kempen"


def _area(words: list[str]) -> str | None:
    """The province that normalised ``words`` name as a whole: a province ("limburg"), a compass
    part of one ("west brabant", "zuid limburg"), or a place or streek of the table that lies
    in one province ("twente"); None otherwise."""
    while words and words[0] in _FILLER:
        words = words[1:]
    if not words:
        return None
    name = " ".join(words)
    province = _PROVINCE_BY_NAME.get(name)
    if province is None and len(words) > 1 and words[0] in COMPASS:
        province = _PROVINCE_BY_NAME.get(" ".join(words[1:]))
    if province is None and (place := places().get(name)) is not None:
        province = place.province if place.province != AMBIGUOUS else None
    return province


def _named_province(name: str) -> str | None:
    """The province a province or streek name denotes (``AMBIGUOUS`` for a streek in two); None
    for anything else: ordinary words that are also a small place ("best") do not count."""
    province = _PROVINCE_BY_NAME.get(name)
    if province is None and (place := places().get(name)) is not None and place.kind != "gemeente":
        if place.kind == "streek" or place.province == AMBIGUOUS:
            province = place.province
    return province


def _leading_area(text: str) -> str | None:
    """The province of a region written as an area and more words, without a comma: "Twente",
    "West-Brabant", "Noord-Holland Noord", "Limburg (Zuid)", "Rotterdam-Zuid", "Amsterdam
    Nieuw-West". The longest leading words that name an area decide; the text is refused (None)
    when the rest names another province ("Groningen en Drenthe") or nothing leads."""
    words = normalize(text).split()
    for end in range(len(words), 0, -1):
        province = _area(words[:end])
        if province is None:
            continue
        rest = words[end:]
        named = (" ".join(rest[i:j]) for i in range(len(rest)) for j in range(i + 1, i + 4))
        others = {_named_province(name) for name in named} - {None}
        return province if others <= {province} else None
    return None


def province_part(region: str | None) -> str | None:
    """The province of a stored region ("Gelderland, Apeldoorn" → "Gelderland"); for a value
    that is not in the province form (an unmapped old row) the text itself, so it still
    compares with itself."""
    if not region or not region.strip():
        return None
    try:
        parsed = parse_region(region)
    except UnknownRegion:
        return region.strip()
    return parsed.partition(",")[0] if parsed else None


def place_part(region: str | None) -> str:
    """The place of a stored region ("Gelderland, Apeldoorn" → "Apeldoorn"), or ""."""
    if not region:
        return ""
    head, _sep, rest = region.partition(",")
    return rest.strip() if province_of(head) else ""
