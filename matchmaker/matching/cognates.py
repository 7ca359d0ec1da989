"""English words that Dutch shares as loanwords, found by rule instead of by word list.

English and Dutch took much of their abstract vocabulary from Latin and French and spell its endings
in regular, documented ways (English Wiktionary, the Dutch suffix entries and their etymology
sections: -tie, -isch, -iek, -iteit, -ief, -isme, -antie, -entie, -iseren, -eren, -eel, -aal, -uur,
-eus, -ibel, -abel, -ie, https://en.wiktionary.org/wiki/-tie#Dutch and its neighbours): *calibration*
is *kalibratie*, *sceptical* *sceptisch*, *quality* *kwaliteit*, *aggressive* *agressief*,
*professional* *professioneel*, *structure* *structuur*. The lexicon (data/lexicon.json) translates
the education words that differ; this covers the long tail that is the same word in other spelling.

A candidate counts only when simplemma's Dutch dictionary (shipped in its wheel) knows it, and an
English word that needs no change is left alone: the same spelling is often another word in Dutch
(*stage*, *kind*, *brief*), so only a changed ending is taken as evidence of a shared word.
"""

from __future__ import annotations

import re
from functools import lru_cache

import simplemma

from .text import zipf

# English ending → Dutch endings, longest first; the first rule that yields a Dutch word wins.
SUFFIXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ication", ("icatie",)),
    ("isation", ("isatie",)),
    ("ization", ("isatie",)),
    ("ation", ("atie",)),
    ("ition", ("itie",)),
    ("ution", ("utie",)),
    ("ction", ("ctie", "ktie")),
    ("ssion", ("ssie",)),
    ("sion", ("sie", "ssie")),
    ("tion", ("tie",)),
    ("ically", ("isch",)),
    ("ical", ("isch", "iek")),
    ("ic", ("isch", "iek")),
    ("ity", ("iteit",)),
    ("ively", ("ief",)),
    ("ive", ("ief",)),
    ("ism", ("isme",)),
    ("ance", ("antie",)),
    ("ence", ("entie",)),
    ("ise", ("iseren",)),
    ("ize", ("iseren",)),
    ("ate", ("eren",)),
    ("ual", ("ueel",)),
    ("onal", ("oneel",)),
    ("ural", ("ureel",)),
    ("al", ("eel", "aal")),
    ("ure", ("uur",)),
    ("ous", ("eus",)),
    ("ible", ("ibel",)),
    ("able", ("abel",)),
    ("ogy", ("ogie",)),
    ("phy", ("fie",)),
    ("gy", ("gie",)),
    ("py", ("pie",)),
)
MIN_WORD = 5  # shorter English words are too often other Dutch words
MIN_STEM = 3  # letters left before the ending

_DOUBLE = re.compile(r"([bcdfgklmnprst])\1")


def _spellings(word: str) -> list[str]:
    """``word`` and its Dutch spellings: qu → kw, ph → f, th → t, c → k before a, o, u, l, r, t,
    one doubled consonant made single, y → i."""
    out = [word]

    def extend(change) -> None:
        for w in list(out):
            for new in change(w):
                if new not in out:
                    out.append(new)

    extend(lambda w: [w.replace("qu", "kw")])
    extend(lambda w: [w.replace("ph", "f").replace("th", "t")])
    extend(lambda w: [re.sub(r"c(?=[aoulrt])", "k", w), re.sub(r"^c(?=[aoulr])", "k", w)])
    extend(lambda w: [w[: m.start()] + w[m.start() + 1 :] for m in _DOUBLE.finditer(w)])
    extend(lambda w: [w.replace("y", "i")])
    return out


@lru_cache(maxsize=65536)
def dutch_cognate(token: str) -> str | None:
    """The Dutch word an English ``token`` (normalised, lower case) shares by a regular change
    of ending, in its usual spelling; None when there is none."""
    if len(token) < MIN_WORD or not token.isalpha():
        return None
    base = simplemma.lemmatize(token, lang="en")
    for word in dict.fromkeys((base, token)):
        for end, dutch_ends in SUFFIXES:
            if not word.endswith(end) or len(word) - len(end) < MIN_STEM:
                continue
            stem = word[: -len(end)]
            for dutch_end in dutch_ends:
                known = [
                    c
                    for c in _spellings(stem + dutch_end)
                    if c != token and simplemma.is_known(c, lang="nl")
                ]
                if known:
                    return max(known, key=lambda c: zipf(c, "nl"))  # ties: the first spelling
    return None
