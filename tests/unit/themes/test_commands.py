"""``sqw themes tag`` on real files: the analysts' way to try a lexicon change."""

from __future__ import annotations

import csv

from service_quality.cli import main
from service_quality.themes.lexicon import SEEDS_DIR


def _write(path, rows):
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "language", "text"])
        writer.writerows(rows)


def _read(path):
    with path.open(encoding="utf-8", newline="") as f:
        return [tuple(r.values()) for r in csv.DictReader(f)]


def test_tag_writes_one_row_per_comment_and_theme(tmp_path, capsys):
    source, out = tmp_path / "comments.csv", tmp_path / "tagged.csv"
    _write(
        source,
        [
            ("1", "ru", "Консультант так и не подошёл, очередь огромная"),
            ("2", "en", "The staff was not helpful at all"),
            ("3", "", ""),
            ("4", "ru", "Парковка платная"),
        ],
    )
    assert main(["themes", "tag", "--in", str(source), "--out", str(out)]) == 0
    assert _read(out) == [
        ("1", "helpfulness", "negative", "подошёл | не"),
        ("1", "speed", "negative", "очередь"),
        ("2", "helpfulness", "negative", "helpful | not"),
    ]
    assert "4 comments, 3 theme mentions" in capsys.readouterr().out


def test_a_changed_lexicon_is_tried_before_deploying(tmp_path):
    lexicon = tmp_path / "lexicon"
    lexicon.mkdir()
    for name in ("themes.csv", "theme_terms.csv", "theme_polarity_cues.csv"):
        (lexicon / name).write_bytes((SEEDS_DIR / name).read_bytes())
    with (lexicon / "themes.csv").open("a", encoding="utf-8") as f:
        f.write("parking,Парковка,Parking,negative,retail\n")
    with (lexicon / "theme_terms.csv").open("a", encoding="utf-8") as f:
        f.write("parking,ru,парковка,neutral\n")
    source, out = tmp_path / "comments.csv", tmp_path / "tagged.csv"
    _write(source, [("4", "ru", "Парковки нет, парковка платная")])
    assert main(["themes", "tag", "--in", str(source), "--out", str(out), "--lexicon", str(lexicon)]) == 0
    # a neutral term without a cue in its clause takes the theme's default polarity
    assert _read(out) == [("4", "parking", "negative", "парковки парковка")]


def test_missing_columns_are_named(tmp_path, capsys):
    source = tmp_path / "comments.csv"
    source.write_text("id,comment\n1,текст\n", encoding="utf-8")
    assert main(["themes", "tag", "--in", str(source), "--out", str(tmp_path / "x.csv")]) == 2
    assert "missing column(s) language, text" in capsys.readouterr().err
