"""Passages: a mentor's text cut into paragraphs, bullets and sentences, a challenge into requests.

The whole-text score says that two texts share words; the passage score says that one thing the
partnership asks is answered by one thing the mentor wrote. Each is a span of the original text,
so the passage that matched can be quoted verbatim as evidence.

A request the writer marks as the main one ("het grootste knelpunt", "vooral", "most urgent")
weighs more than a side remark ("daarnaast", "ook nog", "also"). The markers are ordinary Dutch
and English discourse words, not domain terms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BULLET = re.compile(r"^\s*(?:[-*•·–—>]+|\(?\d{1,2}[.)]|\(?[a-zA-Z][.)])\s+")
# A sentence ends at . ! ? ; or : followed by white space, unless the dot ends a short
# abbreviation (o.a., bijv., e.g., nr.).
_SENTENCE_END = re.compile(r"[.!?;]+[\"')\]]*\s+|:\s+(?=\S)")
_ABBREVIATION = re.compile(
    r"(?:\b\w\.){2,}$|\b(?:bijv|bv|ca|nr|evt|resp|incl|excl|mr|dr|drs|ir|ing|vs|etc|zgn)\.$", re.I
)
_WORD = re.compile(r"\w+", re.UNICODE)

MAIN = re.compile(
    r"\b(grootste|belangrijkste|vooral|voornamelijk|met name|hoofdzaak|in de eerste plaats|prioriteit|"
    r"urgent\w*|dringend\w*|het meest|most|main|biggest|major|priority|especially|above all|mainly|primarily|"
    r"in particular|first and foremost|crucial|key (?:issue|problem|question))\b",
    re.I,
)
SIDE = re.compile(
    r"^\W*(?:ook|daarnaast|verder|overigens|tot slot|ten slotte|en ook|bijkomend|p\.?s\.?|"
    r"also|besides|in addition|additionally|finally|by the way|minor|smaller|lastly)\b|"
    r"\b(kleiner\w*|minder belangrijk|minder urgent|bijzaak|speelt ook|terzijde|tweede plaats|less urgent|"
    r"less important|side issue|minor|secondary|as an aside)\b",
    re.I,
)
MAIN_WEIGHT = 2.5
SIDE_WEIGHT = 0.6
FIRST_WEIGHT = 1.25  # the first request, when nothing is marked as the main one
POINTER_WORDS = (
    8  # a marked request this short ("But the most urgent issue is this:") points at its neighbours
)
MIN_WORDS = 2  # a span with fewer words joins its neighbour (a heading, "Groet,", "Ook:")
_ENOUGH_WORDS = re.compile(r"\w+(?:\W+\w+){%d}" % (MIN_WORDS - 1))  # found: MIN_WORDS or more


@dataclass(frozen=True)
class Span:
    """A stretch of a text, as written: ``text == source[start:end]``."""

    start: int
    end: int
    text: str
    weight: float = 1.0


def _pieces(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line, bullet and sentence, trimmed, in reading order."""
    out: list[tuple[int, int]] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        start, end = pos, pos + len(line)
        pos = end
        bullet = _BULLET.match(line)
        if bullet:
            start += bullet.end()
        cursor = start
        for m in _SENTENCE_END.finditer(text, start, end):
            if m.group().startswith(".") and _ABBREVIATION.search(text, cursor, m.start() + 1):
                continue
            out.append((cursor, m.start() + len(m.group().rstrip())))
            cursor = m.end()
        out.append((cursor, end))
    trimmed = []
    for start, end in out:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end and _WORD.search(text, start, end):
            trimmed.append((start, end))
    return trimmed


def split(text: str, max_spans: int = 40) -> list[Span]:
    """The passages of ``text``: short pieces join the next one (or the previous, at the end)."""
    if not text or not text.strip():
        return []
    pieces = _pieces(text)
    merged: list[list[int]] = []
    pending: list[int] | None = None
    for start, end in pieces:
        if pending is not None:
            start = pending[0]
            pending = None
        if not _ENOUGH_WORDS.search(text, start, end):  # fewer than MIN_WORDS words
            pending = [start, end]
            continue
        merged.append([start, end])
    if pending is not None:
        if merged:
            merged[-1][1] = pending[1]
        else:
            merged.append(pending)
    if len(merged) > max_spans:  # a very long text: the rest is one passage
        merged = merged[: max_spans - 1] + [[merged[max_spans - 1][0], merged[-1][1]]]
    return [Span(s, e, text[s:e]) for s, e in merged]


def requests(text: str) -> list[Span]:
    """The requests of a challenge, each weighted by how much the writer stresses it."""
    spans = split(text)
    if not spans:
        return []
    weights = []
    any_main = False
    for span in spans:
        if MAIN.search(span.text):
            weights.append(MAIN_WEIGHT)
            any_main = True
        elif SIDE.search(span.text):
            weights.append(SIDE_WEIGHT)
        else:
            weights.append(1.0)
    for i, span in enumerate(spans):  # "Dat is het grootste knelpunt." points at its neighbours
        if weights[i] == MAIN_WEIGHT and len(_WORD.findall(span.text)) < POINTER_WORDS:
            for j in (i - 1, i + 1):
                if 0 <= j < len(spans) and weights[j] != SIDE_WEIGHT:
                    weights[j] = max(weights[j], MAIN_WEIGHT)
    if not any_main and weights[0] == 1.0:
        weights[0] = FIRST_WEIGHT
    return [Span(s.start, s.end, s.text, w) for s, w in zip(spans, weights)]


OFFER, STORY, DESCRIPTION = 0, 1, 2  # where a mentor's passage comes from


def offer_passages(experiences: str, stories, description: str) -> list[tuple[int, Span, int]]:
    """A mentor's passages as (source, span, story number or -1). Spans of experiences and stories
    index ``Profile.offer_text`` (experiences, then each story's title and text, blank lines
    between); spans of the description index the description. No passage crosses from one source
    into another."""
    out: list[tuple[int, Span, int]] = []
    offset = 0
    parts = [(OFFER, experiences, -1)] + [
        (STORY, f"{s.title}\n{s.text}", i) for i, s in enumerate(stories)
    ]
    first = True
    for source, text, story in parts:
        if not text.strip():
            continue
        if not first:
            offset += 2  # the blank line offer_text puts between parts
        first = False
        out.extend(
            (source, Span(offset + s.start, offset + s.end, s.text), story) for s in split(text)
        )
        offset += len(text)
    out.extend((DESCRIPTION, s, -1) for s in split(description))
    return out
