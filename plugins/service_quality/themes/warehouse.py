"""Tag the survey comments in the warehouse that are not tagged yet with the current lexicon.

Reads only ``raw.surveys.comment`` (as the loader stored it: scrubbed), writes ``raw.survey_comments_tagged``,
``raw.survey_comment_themes`` (matched words, never the comment) and ``raw.survey_comment_lemmas``.
A task: rerunning it tags nothing twice (a version with a row for the lexicon's checksum is skipped); a
changed lexicon replaces the old rows of every version. Each chunk is committed on its own, so a long first
run that dies keeps what it did.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from service_quality.themes.lexicon import SEEDS_DIR, load_lexicon
from service_quality.warehouse.connection import WarehouseDsn

CHUNK = 5000

_PENDING = """
select s._delivery_id, s._row_number, s.response_id, s.comment
from raw.surveys as s
left join raw.survey_comments_tagged as t
    on t._delivery_id = s._delivery_id and t._row_number = s._row_number and t.lexicon_checksum = %(checksum)s
where t._delivery_id is null
order by s._delivery_id, s._row_number
limit %(limit)s
"""


@dataclass(frozen=True)
class TaggingResult:
    versions: int  # response versions tagged by this run
    with_mentions: int
    mentions: int
    lexicon_checksum: str

    def as_dict(self) -> dict[str, object]:
        return {
            "versions": self.versions,
            "with_mentions": self.with_mentions,
            "mentions": self.mentions,
            "lexicon_checksum": self.lexicon_checksum,
        }


def tag_new_comments(dsn: WarehouseDsn, seeds_dir: Path | str = SEEDS_DIR, chunk: int = CHUNK) -> TaggingResult:
    """Tag every response version of ``raw.surveys`` without a row for the current lexicon."""
    from service_quality.themes.tagger import Tagger

    lexicon = load_lexicon(seeds_dir)
    tagger = Tagger(lexicon)
    versions = with_mentions = mentions = 0
    with dsn.connect() as conn:
        while True:
            with conn.transaction():
                rows = conn.execute(_PENDING, {"checksum": lexicon.checksum, "limit": chunk}).fetchall()
                if not rows:
                    break
                keys = [(r[0], r[1]) for r in rows]
                with conn.cursor() as cur:
                    # rows of an older lexicon go (their themes and lemmas with them, by cascade)
                    cur.executemany(
                        "delete from raw.survey_comments_tagged where _delivery_id = %s and _row_number = %s", keys
                    )
                    tagged_rows, theme_rows, lemma_rows = [], [], []
                    for delivery_id, row_number, response_id, comment in rows:
                        tagged = tagger.tag(comment)
                        tagged_rows.append(
                            (
                                delivery_id,
                                row_number,
                                response_id,
                                tagged.language,
                                len(tagged.mentions),
                                lexicon.checksum,
                            )
                        )
                        for m in tagged.mentions:
                            theme_rows.append(
                                (
                                    delivery_id,
                                    row_number,
                                    response_id,
                                    m.theme,
                                    m.polarity,
                                    list(m.matched_words),
                                    list(m.cue_words),
                                )
                            )
                        for lemma, n in sorted(tagged.lemmas.items()):
                            lemma_rows.append((delivery_id, row_number, response_id, lemma, n))
                        versions += 1
                        with_mentions += bool(tagged.mentions)
                        mentions += len(tagged.mentions)
                    _copy(cur, "raw.survey_comments_tagged", _TAGGED_COLUMNS, tagged_rows)
                    _copy(cur, "raw.survey_comment_themes", _THEME_COLUMNS, theme_rows)
                    _copy(cur, "raw.survey_comment_lemmas", _LEMMA_COLUMNS, lemma_rows)
    return TaggingResult(versions, with_mentions, mentions, lexicon.checksum)


_TAGGED_COLUMNS = ("_delivery_id", "_row_number", "response_id", "language", "mentions", "lexicon_checksum")
_THEME_COLUMNS = ("_delivery_id", "_row_number", "response_id", "theme_code", "polarity", "matched_words", "cue_words")
_LEMMA_COLUMNS = ("_delivery_id", "_row_number", "response_id", "lemma", "occurrences")


def _copy(cur, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    if not rows:
        return
    with cur.copy(f"copy {table} ({', '.join(columns)}) from stdin") as copy:
        for row in rows:
            copy.write_row(row)
