"""Freeze the word frequencies the matcher uses: ``matchmaker/matching/data/zipf_<lang>.tsv.gz``.

The matcher needs the Zipf frequency (log10 of occurrences per billion words) of the common
Dutch and English words: those at least ``text.MIN_LISTED_ZIPF`` (3.0, once per million words)
common. It used to read them from the ``wordfreq`` package at run time; this script writes that
part of wordfreq's lists to small files once, so the service no longer needs wordfreq (58 MB with
ftfy, langcodes, locate, msgpack and regex; no longer updated upstream).

Source and licence
------------------
wordfreq 3.1.1 by Robyn Speer (https://github.com/rspeer/wordfreq/), its "best" (= "large")
lists for ``nl`` and ``en``. wordfreq's code is Apache-2.0; its README says the data files "may
be redistributed under a Creative Commons Attribution-ShareAlike 4.0 license"
(https://creativecommons.org/licenses/by-sa/4.0/), so the tables written here are CC BY-SA 4.0
as well. wordfreq's data comes from Exquisite Corpus (https://github.com/LuminosoInsight/
exquisite-corpus): for Dutch Wikipedia, subtitles (OPUS OpenSubtitles 2018 and SUBTLEX-NL,
Keuleers, Brysbaert & New 2010), news (NewsCrawl 2014, GlobalVoices), web text (OSCAR) and
Twitter; for English also Google Books Ngrams 2012 and Reddit. Its conditions: credit the SUBTLEX
authors and keep clear that SUBTLEX is freely available data; OpenSubtitles may be used with
attribution; Google Books Ngram Viewer (http://books.google.com/ngrams) acknowledged as a source.
``matchmaker/matching/data/FREQUENCIES.md`` repeats this next to the files.

Format
------
gzip'd UTF-8 text: a few ``#`` header lines (source, licence), then ``word<TAB>zipf`` per line,
most common first, exactly the words and values ``text.zipf_table`` used to compute from
wordfreq: bucket *i* of wordfreq's list has Zipf ``9 - i/100``, rounded to 2 decimals. No
precision is lost: wordfreq stores frequencies in centibel buckets, so 2 decimals are exact.

Usage, from the repository root in the project's venv with wordfreq added for the occasion
(``pip install wordfreq==3.1.1``, ``pip uninstall`` it and its dependencies afterwards: it is not a
dependency of the service)::

    python scripts/make_frequency_table.py          # write the tables
    python scripts/make_frequency_table.py --check  # compare the files with wordfreq's lists
"""

from __future__ import annotations

import argparse
import gzip
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matchmaker.matching.text import (  # noqa: E402
    LANGUAGES,
    MIN_LISTED_ZIPF,
    read_zipf_table,
    zipf_table_path,
)

HEADER = """\
# Zipf word frequencies ({lang}): word<TAB>zipf, log10 of occurrences per billion words.
# Words at least {threshold} common only. Made by scripts/make_frequency_table.py from
# wordfreq {version} by Robyn Speer (https://github.com/rspeer/wordfreq/), list "best".
# Licence: CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/), as wordfreq's data.
# Sources, credits and conditions: matchmaker/matching/data/FREQUENCIES.md.
"""


def frequencies(lang: str) -> dict[str, float]:
    """wordfreq's words in ``lang`` at least MIN_LISTED_ZIPF common, most common first (the
    computation ``text.zipf_table`` did at run time before the tables were frozen)."""
    from wordfreq import get_frequency_list

    table: dict[str, float] = {}
    for index, bucket in enumerate(get_frequency_list(lang, "best")):  # bucket i: 10^(-i/100)
        zipf = 9.0 - index / 100
        if zipf < MIN_LISTED_ZIPF:
            break
        for word in bucket:
            table[word] = round(zipf, 2)
    return table


def render(lang: str, table: dict[str, float]) -> bytes:
    from importlib.metadata import version

    text = io.StringIO()
    text.write(HEADER.format(lang=lang, threshold=MIN_LISTED_ZIPF, version=version("wordfreq")))
    for word, zipf in table.items():
        if not word or word.startswith("#") or any(c in word for c in "\t\n\r"):
            raise ValueError(f"word {word!r} cannot be stored in the table")
        value = f"{zipf:.2f}"
        if float(value) != zipf:
            raise ValueError(f"{word!r}: {zipf!r} does not survive 2 decimals")
        text.write(f"{word}\t{value}\n")
    # mtime=0 and no file name: the same lists give the same bytes.
    return gzip.compress(text.getvalue().encode("utf-8"), compresslevel=9, mtime=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="compare the files with wordfreq instead of writing"
    )
    args = parser.parse_args(argv)
    failed = False
    for lang in LANGUAGES:
        table = frequencies(lang)
        path = Path(str(zipf_table_path(lang)))
        if args.check:
            with path.open("rb") as raw:
                stored = read_zipf_table(raw)
            same = stored == table and list(stored) == list(table)
            print(f"{path.relative_to(ROOT)}: {'same' if same else 'DIFFERENT'}")
            failed |= not same
        else:
            data = render(lang, table)
            path.write_bytes(data)
            print(f"{path.relative_to(ROOT)}: {len(table)} words, {len(data)} bytes")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
