"""Survey comments of a simulated chain, loaded and tagged in the warehouse, against the simulator's truth.

The tagging reads the comment as the loader stored it; the versions whose stored comment is the one the
simulator wrote (no personal data typed in, no correction) are compared with truth/comment_themes.jsonl.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date

import pytest
from ingest_helpers import query

from service_quality.ingest.deliveries import ingest_source
from service_quality.themes.warehouse import tag_new_comments

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def loaded(databases, tmp_path_factory):
    from service_quality.ingest.settings import IngestSettings
    from service_quality.simulator import simulate
    from service_quality.warehouse.bootstrap import bootstrap

    work = tmp_path_factory.mktemp("comments")
    simulate("XS", date(2025, 1, 1), date(2025, 1, 31), seed=3, defects=0.05, out=work / "sim", workers=1)
    dsn = databases.create("sqw_ingest_themes")
    bootstrap(dsn)
    settings = IngestSettings(
        landing_root=str(work / "sim" / "landing"),
        archive_root=str(work / "archive"),
        data_docs_root=str(work / "docs"),
        validate_with_gx=False,
        pii_key=b"simulated-key",
    )
    for source in ("stores", "surveys"):
        ingest_source(source, settings.landing_root, dsn, settings)
    truth = [json.loads(line) for line in (work / "sim" / "truth" / "comment_themes.jsonl").read_text().splitlines()]
    return dsn, truth


def test_every_version_is_tagged_once_and_themes_match_the_truth(loaded):
    dsn, truth = loaded
    versions = query(dsn, "select count(*) from raw.surveys")[0][0]
    assert tag_new_comments(dsn).versions == versions
    assert tag_new_comments(dsn).versions == 0
    expected = {c["response_id"]: (c["text"], {m["theme"]: m["polarity"] for m in c["mentions"]}) for c in truth}
    found: dict[tuple, dict[str, str]] = defaultdict(dict)
    for delivery_id, row_number, theme, polarity in query(
        dsn, "select _delivery_id, _row_number, theme_code, polarity from raw.survey_comment_themes"
    ):
        found[(delivery_id, row_number)][theme] = polarity
    right = wrong_polarity = extra = missed = compared = 0
    for delivery_id, row_number, response_id, comment in query(
        dsn, "select _delivery_id, _row_number, response_id, comment from raw.surveys where comment <> ''"
    ):
        if response_id not in expected or expected[response_id][0] != comment:
            continue  # personal data typed in, or a correction: not the text the truth describes
        compared += 1
        want, got = expected[response_id][1], found[(delivery_id, row_number)]
        for theme in want.keys() | got.keys():
            if theme in want and theme in got:
                right += 1
                wrong_polarity += want[theme] != got[theme]
            elif theme in got:
                extra += 1
            else:
                missed += 1
    assert compared > 80
    assert right / (right + extra) >= 0.9 and right / (right + missed) >= 0.85
    assert 1 - wrong_polarity / right >= 0.9


def test_personal_data_never_reaches_the_theme_tables(loaded):
    dsn, _ = loaded
    tag_new_comments(dsn)
    words = " ".join(
        w for (words,) in query(dsn, "select matched_words || cue_words from raw.survey_comment_themes") for w in words
    )
    assert "@" not in words and not any(ch.isdigit() for ch in words)
