"""Tag comments from a CSV file with the theme lexicon, to try a lexicon change before deploying it.

``sqw themes tag --in comments.csv --out tagged.csv [--lexicon DIR]``: the input has the columns id,
language and text (UTF-8, a header row; language may be empty: each word is read in the language of its
script); the output has one row per comment and theme found: id, theme, polarity, matched words (the words
of the comment that matched, then the negation or cue words that decided the polarity, after " | ").
The lexicon is the dbt seeds (``dbt_project/seeds``: themes.csv, theme_terms.csv, theme_polarity_cues.csv),
or the same three files in ``--lexicon DIR``.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

INPUT_COLUMNS = ("id", "language", "text")
OUTPUT_COLUMNS = ("id", "theme", "polarity", "matched_words")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="themes_command", required=True, metavar="subcommand")
    tag = sub.add_parser("tag", help="tag a CSV of comments (id, language, text)", description=__doc__)
    tag.add_argument("--in", dest="input", required=True, help="CSV with columns id, language, text")
    tag.add_argument("--out", dest="output", required=True, help="CSV written: id, theme, polarity, matched_words")
    tag.add_argument("--lexicon", default=None, help="folder with the three lexicon CSVs (default: the dbt seeds)")


def tag_file(input_path: Path, output_path: Path, lexicon_dir: Path | None = None) -> tuple[int, int]:
    """Tag every comment of ``input_path``; returns (comments, mentions written)."""
    from service_quality.themes.lexicon import SEEDS_DIR, load_lexicon
    from service_quality.themes.tagger import Tagger

    tagger = Tagger(load_lexicon(lexicon_dir or SEEDS_DIR))
    with input_path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in INPUT_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(
                f"{input_path}: missing column(s) {', '.join(missing)}; the header must name {', '.join(INPUT_COLUMNS)}"
            )
        rows = list(reader)
    comments = mentions = 0
    with output_path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(OUTPUT_COLUMNS)
        for row in rows:
            comments += 1
            for m in tagger.tag(row["text"]).mentions:
                words = " ".join(m.matched_words) + (f" | {' '.join(m.cue_words)}" if m.cue_words else "")
                writer.writerow([row["id"], m.theme, m.polarity, words])
                mentions += 1
    return comments, mentions


def run(args: argparse.Namespace) -> int:
    from service_quality.themes.lexicon import LexiconError

    try:
        comments, mentions = tag_file(Path(args.input), Path(args.output), Path(args.lexicon) if args.lexicon else None)
    except (OSError, ValueError, LexiconError) as error:
        print(f"sqw themes tag: {error}", file=sys.stderr)
        return 2
    print(f"{comments} comments, {mentions} theme mentions -> {args.output}")
    return 0
