"""The theme lexicon the company edits: three dbt seeds, read as CSV (the same files dbt loads).

- ``themes.csv``: theme_code, name_ru, name_en, default_polarity (when nothing in the comment says which way),
  domains (where the default lexicon found the theme: retail, service, restaurant, hotel, or all).
- ``theme_terms.csv``: theme_code, language (ru / en), term (one or more lemmas, space-separated; the words of
  a term may come in any order within a few words of each other), polarity (positive / negative, or neutral:
  the term names the theme, the clause's cues or the theme's default give the polarity).
- ``theme_polarity_cues.csv``: language, theme_code (empty: every theme), cue (a lemma), polarity (positive /
  negative: decides a neutral term's polarity within the clause; negation: flips what follows it).
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

from service_quality.paths import DBT_PROJECT_DIR

SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
FILES = ("themes.csv", "theme_terms.csv", "theme_polarity_cues.csv")
POLARITIES = ("positive", "negative")
LANGUAGES = ("ru", "en")


class LexiconError(ValueError):
    """A row of the lexicon that cannot be used; the message names the file, the row and what to fix."""


@dataclass(frozen=True)
class Theme:
    code: str
    name_ru: str
    name_en: str
    default_polarity: str
    domains: tuple[str, ...]


@dataclass(frozen=True)
class Term:
    theme: str
    language: str
    text: str  # as written in the seed
    words: tuple[str, ...]
    polarity: str  # positive, negative or neutral


@dataclass(frozen=True)
class Cue:
    language: str
    theme: str  # "" for every theme
    word: str
    polarity: str  # positive, negative or negation


@dataclass(frozen=True)
class Lexicon:
    themes: dict[str, Theme]
    terms: tuple[Term, ...]
    cues: tuple[Cue, ...]
    checksum: str  # SHA-256 over the three files: a changed lexicon tags every comment again


def _rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [(n, {k: (v or "").strip() for k, v in row.items()}) for n, row in enumerate(csv.DictReader(f), start=2)]


def load_lexicon(seeds_dir: Path | str = SEEDS_DIR) -> Lexicon:
    """Read and check the three seed files; errors name the file and line."""
    seeds_dir = Path(seeds_dir)
    digest = hashlib.sha256()
    for name in FILES:
        path = seeds_dir / name
        if not path.is_file():
            raise LexiconError(f"{path}: missing; the theme lexicon needs {', '.join(FILES)}")
        digest.update(path.read_bytes())
    themes: dict[str, Theme] = {}
    for n, row in _rows(seeds_dir / "themes.csv"):
        if row["default_polarity"] not in POLARITIES:
            raise LexiconError(
                f"themes.csv line {n}: default_polarity {row['default_polarity']!r} must be one of {POLARITIES}"
            )
        themes[row["theme_code"]] = Theme(
            row["theme_code"], row["name_ru"], row["name_en"], row["default_polarity"], tuple(row["domains"].split())
        )
    terms = []
    for n, row in _rows(seeds_dir / "theme_terms.csv"):
        if row["theme_code"] not in themes:
            raise LexiconError(f"theme_terms.csv line {n}: theme_code {row['theme_code']!r} is not in themes.csv")
        if row["language"] not in LANGUAGES or row["polarity"] not in (*POLARITIES, "neutral") or not row["term"]:
            raise LexiconError(
                f"theme_terms.csv line {n}: needs language in {LANGUAGES}, a term, and polarity positive, "
                f"negative or neutral (got {row['language']!r}, {row['term']!r}, {row['polarity']!r})"
            )
        terms.append(
            Term(row["theme_code"], row["language"], row["term"], tuple(row["term"].lower().split()), row["polarity"])
        )
    cues = []
    for n, row in _rows(seeds_dir / "theme_polarity_cues.csv"):
        if row["theme_code"] and row["theme_code"] not in themes:
            raise LexiconError(
                f"theme_polarity_cues.csv line {n}: theme_code {row['theme_code']!r} is not in themes.csv"
            )
        if row["language"] not in LANGUAGES or row["polarity"] not in (*POLARITIES, "negation") or not row["cue"]:
            raise LexiconError(
                f"theme_polarity_cues.csv line {n}: needs language in {LANGUAGES}, a cue, and polarity positive, "
                f"negative or negation"
            )
        cues.append(Cue(row["language"], row["theme_code"], row["cue"].lower(), row["polarity"]))
    return Lexicon(themes, tuple(terms), tuple(cues), digest.hexdigest())
