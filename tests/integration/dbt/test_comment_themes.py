"""Survey comment themes end to end on a real PostgreSQL: raw.surveys -> the tagging task -> dbt marts.

Hand-written responses; every expected figure below is computed by hand from them.
"""

from __future__ import annotations

import pytest

from service_quality.themes.warehouse import tag_new_comments
from service_quality.transform import dbt

pytestmark = pytest.mark.integration

DAY1 = "2025-03-20T06:00:00+00:00"
DAY2 = "2025-03-21T06:00:00+00:00"


def store(code: str) -> dict:
    return dict(
        store_code=code,
        store_name=code,
        region="Центр",
        city="Москва",
        format="electronics",
        timezone="Europe/Moscow",
        opened_on="2024-01-01",
        closed_on=None,
    )


def survey(response_id: str, store_code: str, nps: int, comment: str | None) -> dict:
    return dict(
        response_id=response_id,
        visited_at="2025-03-14T12:00:00+03:00",
        submitted_at="2025-03-14T12:00:00+03:00",
        store_code=store_code,
        employee_code=None,
        transaction_id=None,
        channel="receipt_qr",
        nps=nps,
        csat=None,
        ces=None,
        comment=comment,
        language="ru",
        customer_email_hash=None,
        customer_phone_hash=None,
    )


SURVEYS = [
    # an address the loader failed to mask: the marts mask it again
    survey("A1", "S1", 2, "Долго ждал, консультант нагрубил. Пишите на ivan.petrov@mail.ru"),
    survey("A2", "S1", 10, "Консультант сразу подошёл, очень вежливый"),
    survey("A3", "S1", 8, ""),
    survey("A4", "S1", 5, "Консультант так и не подошёл. Парковка платная, парковка далеко"),
    survey("A5", "S2", 9, "Быстро обслужили"),
    survey("A6", "S2", 3, "Очередь огромная"),
]


@pytest.fixture(scope="module")
def tagged(module_warehouse, landing):
    landing.deliver("stores", [store("S1"), store("S2")], DAY1)
    landing.deliver("surveys", SURVEYS, DAY1)
    first = tag_new_comments(module_warehouse)
    again = tag_new_comments(module_warehouse)
    # A corrected version of A2: now a detractor who was treated rudely.
    landing.deliver("surveys", [dict(SURVEYS[1], nps=1, comment="Консультант нагрубил")], DAY2)
    correction = tag_new_comments(module_warehouse)
    return first, again, correction


@pytest.fixture(scope="module")
def built(tagged, module_warehouse, dbt_project_copy):
    return dbt.build(
        module_warehouse,
        select=("+fct_store_theme_months", "+fct_survey_comment_themes", "+fct_store_emerging_terms", "theme_terms"),
        # tests that also read a model outside the selection (the rosters' relationships) wait for a full build
        extra=("--indirect-selection", "cautious"),
        project_dir=dbt_project_copy,
        threads=2,
    )


def test_tagging_runs_once_per_response_version(tagged, module_warehouse, sql_rows):
    first, again, correction = tagged
    assert (first.versions, first.with_mentions, first.mentions) == (6, 5, 7)
    assert again.versions == 0
    assert (correction.versions, correction.mentions) == (1, 1)
    rows = sql_rows(
        module_warehouse,
        "select response_id, theme_code, polarity, matched_words, cue_words from raw.survey_comment_themes"
        " where response_id = 'A4'",
    )
    assert rows == [
        {
            "response_id": "A4",
            "theme_code": "helpfulness",
            "polarity": "negative",
            "matched_words": ["подошёл"],
            "cue_words": ["не"],
        }
    ]
    # only words: no column of the tagging tables holds the comment
    columns = sql_rows(
        module_warehouse,
        "select table_name, column_name from information_schema.columns where table_schema = 'raw'"
        " and table_name like 'survey_comment%%' and column_name like '%%comment%%'",
    )
    assert columns == []


def test_a_changed_lexicon_tags_every_version_again(tagged, module_warehouse, tmp_path, sql_rows):
    from service_quality.themes.lexicon import SEEDS_DIR

    for name in ("themes.csv", "theme_terms.csv", "theme_polarity_cues.csv"):
        (tmp_path / name).write_bytes((SEEDS_DIR / name).read_bytes())
    with (tmp_path / "theme_terms.csv").open("a", encoding="utf-8") as f:
        f.write("stock,ru,парковка,neutral\n")
    result = tag_new_comments(module_warehouse, seeds_dir=tmp_path)
    assert result.versions == 7
    parking = sql_rows(module_warehouse, "select response_id from raw.survey_comment_themes where theme_code = 'stock'")
    assert parking == [{"response_id": "A4"}]
    # back to the default lexicon for the marts below
    assert tag_new_comments(module_warehouse).versions == 7


def test_build_passes(built):
    assert built.ok, built.output[-3000:]


def test_one_row_per_response_and_theme_with_scrubbed_comment(built, module_warehouse, sql_rows):
    rows = sql_rows(
        module_warehouse,
        "select response_id, theme_code, polarity, matched_words, language, scrubbed_comment, month_start::text"
        " from service_quality.fct_survey_comment_themes order by response_id, theme_code",
    )
    assert [(r["response_id"], r["theme_code"], r["polarity"]) for r in rows] == [
        ("A1", "politeness", "negative"),
        ("A1", "speed", "negative"),
        ("A2", "politeness", "negative"),  # the latest version only
        ("A4", "helpfulness", "negative"),
        ("A5", "speed", "positive"),
        ("A6", "speed", "negative"),
    ]
    a1 = rows[1]
    assert a1["matched_words"] == "долго ждал" and a1["language"] == "ru" and a1["month_start"] == "2025-03-01"
    assert a1["scrubbed_comment"] == "Долго ждал, консультант нагрубил. Пишите на [email]"


def test_store_month_shares_and_nps_with_and_without(built, module_warehouse, sql_rows):
    rows = {
        (r["store_code"], r["theme_code"]): r
        for r in sql_rows(module_warehouse, "select * from service_quality.fct_store_theme_months")
    }
    # S1: A1 (2), A2 (1 after correction), A3 (8), A4 (5): 4 responses, 3 detractors, no promoter.
    polite = rows[("S1", "politeness")]
    assert (polite["mentions"], polite["negative_mentions"], polite["responses"]) == (2, 2, 4)
    assert float(polite["share_of_responses_pct"]) == 50.0
    assert float(polite["share_of_detractors_pct"]) == 66.67
    assert polite["share_of_promoters_pct"] is None
    assert float(polite["nps_with_theme"]) == -100.0
    assert float(polite["nps_without_theme"]) == -50.0  # A3 passive, A4 detractor
    speed = rows[("S2", "speed")]
    assert (speed["mentions"], speed["positive_mentions"], speed["negative_mentions"]) == (2, 1, 1)
    assert float(speed["share_of_detractors_pct"]) == 100.0 and float(speed["share_of_promoters_pct"]) == 100.0
    assert float(speed["nps_with_theme"]) == 0.0 and speed["nps_without_theme"] is None
    assert ("S1", "helpfulness") in rows and rows[("S1", "helpfulness")]["mentions"] == 1


def test_emerging_terms_rank_what_the_store_says_more(built, module_warehouse, sql_rows):
    rows = sql_rows(
        module_warehouse,
        "select lemma, store_occurrences, rest_occurrences, z_score, term_rank"
        " from service_quality.fct_store_emerging_terms where store_code = 'S1' order by term_rank",
    )
    by_lemma = {r["lemma"]: r for r in rows}
    assert by_lemma["парковка"]["store_occurrences"] == 2 and by_lemma["парковка"]["rest_occurrences"] == 0
    assert by_lemma["парковка"]["z_score"] > 0
    assert by_lemma["консультант"]["store_occurrences"] == 3
    assert [r["term_rank"] for r in rows] == list(range(1, len(rows) + 1))
