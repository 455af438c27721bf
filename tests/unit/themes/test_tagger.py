"""The tagger on the default lexicon: inflected forms, negation, several themes in one comment, empty text."""

from __future__ import annotations

import pytest

from service_quality.themes.lexicon import LexiconError, load_lexicon
from service_quality.themes.tagger import Tagger, lemma


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger(load_lexicon())


def _found(tagger: Tagger, text: str) -> dict[str, str]:
    return {m.theme: m.polarity for m in tagger.tag(text).mentions}


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ("подошёл", "подойти"),
        ("подошли", "подойти"),
        ("нагрубила", "нагрубить"),
        ("очередях", "очередь"),
        ("вежливыми", "вежливый"),
        ("наличии", "наличие"),
        ("waited", "wait"),
        ("waiting", "wait"),
        ("queues", "queue"),
    ],
)
def test_inflected_forms_share_the_lemma(form, expected):
    assert lemma(form) == lemma(expected)
    if not expected.isascii():  # Russian: the dictionary's normal form itself
        assert lemma(form) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Очень вежливая девушка на кассе",
        "вежливые сотрудники",
        "Спасибо за вежливость",
        "ВЕЖЛИВЫМ консультантом остался доволен",
    ],
)
def test_every_inflection_of_a_term_tags_its_theme(tagger, text):
    assert _found(tagger, text) == {"politeness": "positive"}


@pytest.mark.parametrize(
    ("text", "theme", "polarity"),
    [
        ("Консультант так и не подошёл", "helpfulness", "negative"),
        ("Консультант сразу подошёл", "helpfulness", "positive"),
        ("никто не помог", "helpfulness", "negative"),
        ("The consultant was not helpful at all", "helpfulness", "negative"),
        ("The consultant was very helpful", "helpfulness", "positive"),
        ("не пришлось ждать", "speed", "positive"),
        ("пришлось ждать", "speed", "negative"),
        ("no waiting at all", "speed", "positive"),
        ("нужного товара не было в наличии", "stock", "negative"),
        ("возврат оформили без проблем", "returns", "positive"),
        ("отказались принять возврат", "returns", "negative"),
        ("цена на кассе не совпала с ценником", "price", "negative"),
        ("The cashier didn't explain anything", "competence", "negative"),
    ],
)
def test_negation_flips_polarity(tagger, text, theme, polarity):
    assert _found(tagger, text) == {theme: polarity}


def test_negation_stays_in_its_clause(tagger):
    # the "не" belongs to helping, not to the dirt after "и"
    assert _found(tagger, "Консультант не захотел помочь и грязный пол") == {
        "helpfulness": "negative",
        "cleanliness": "negative",
    }


def test_several_themes_in_one_comment_keep_their_words(tagger):
    tagged = tagger.tag("Долго ждал, консультант нагрубил, но цены приятные 👍")
    assert [(m.theme, m.polarity) for m in tagged.mentions] == [
        ("speed", "negative"),
        ("politeness", "negative"),
        ("price", "positive"),
    ]
    words = {m.theme: (m.matched_words, m.cue_words) for m in tagged.mentions}
    assert words["speed"] == (("долго", "ждал"), ())
    assert words["politeness"] == (("нагрубил",), ())
    assert words["price"] == (("цены",), ("приятные",))
    assert tagged.language == "ru"


def test_negation_word_is_kept_with_the_mention(tagger):
    (mention,) = tagger.tag("консультант так и не подошёл").mentions
    assert mention.matched_words == ("подошёл",)
    assert mention.cue_words == ("не",)


def test_one_typo_in_a_longer_word_still_matches(tagger):
    assert _found(tagger, "Очень вежлевый консультант") == {"politeness": "positive"}
    assert _found(tagger, "knowledgeabe waiter") == {"competence": "positive"}
    # a real word one letter away from a term is not a typo of it
    assert _found(tagger, "The waiter brought the bill") == {}


@pytest.mark.parametrize("text", ["", None, "   ", "👍👍", "-", "ок", "5"])
def test_empty_or_themeless_text_has_no_mentions(tagger, text):
    tagged = tagger.tag(text)
    assert tagged.mentions == ()


def test_empty_text_has_no_language_and_no_lemmas(tagger):
    tagged = tagger.tag("")
    assert (tagged.language, tagged.lemmas) == ("", {})


def test_lemmas_count_content_words_for_emerging_terms(tagger):
    lemmas = tagger.tag("Парковка платная, парковки мало, и на парковке темно").lemmas
    assert lemmas["парковка"] == 3
    assert "на" not in lemmas and "и" not in lemmas


def test_a_broken_lexicon_names_the_file_and_line(tmp_path):
    for name, text in {
        "themes.csv": "theme_code,name_ru,name_en,default_polarity,domains\nspeed,Скорость,Speed,bad,all\n",
        "theme_terms.csv": "theme_code,language,term,polarity\n",
        "theme_polarity_cues.csv": "language,theme_code,cue,polarity\n",
    }.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(LexiconError, match=r"themes.csv line 2: default_polarity 'bad'"):
        load_lexicon(tmp_path)
