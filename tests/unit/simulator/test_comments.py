"""Survey comments: themes tied to the score, both languages, noise, and a truth that matches the files."""

from __future__ import annotations

import json
import random
from collections import Counter

from test_realism import _latest

from service_quality.simulator.comments import make_comment


def _truth(zone) -> list[dict]:
    with (zone.truth / "comment_themes.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def test_truth_holds_each_comment_as_delivered(xs_clean):
    truth = {c["response_id"]: c for c in _truth(xs_clean)}
    delivered = {r["response_id"]: r for r in _latest(xs_clean)["surveys"] if r["comment"]}
    assert truth and truth.keys() == delivered.keys()
    for response_id, row in delivered.items():
        assert (row["comment"], row["language"]) == (truth[response_id]["text"], truth[response_id]["language"])


def test_themes_follow_the_score(xs_clean):
    rows = {r["response_id"]: r for r in _latest(xs_clean)["surveys"]}
    polarity: dict[str, Counter] = {"detractor": Counter(), "promoter": Counter()}
    for c in _truth(xs_clean):
        nps = rows[c["response_id"]]["nps"]
        if not nps:
            continue
        group = "detractor" if int(nps) <= 6 else "promoter" if int(nps) >= 9 else None
        if group:
            polarity[group].update(m["polarity"] for m in c["mentions"])
    for group, leaning in (("detractor", "negative"), ("promoter", "positive")):
        counts = polarity[group]
        assert counts[leaning] / sum(counts.values()) > 0.85, (group, counts)


def test_comments_mix_languages_themes_noise_and_empty_ones(xs_clean):
    comments = _truth(xs_clean)
    languages = Counter(c["language"] for c in comments)
    assert languages["ru"] > 5 * languages["en"] > 0
    themes_per_comment = Counter(len(c["mentions"]) for c in comments)
    assert themes_per_comment[0] > 0 and themes_per_comment[2] > 0 and themes_per_comment[3] > 0
    assert {m["theme"] for c in comments for m in c["mentions"]} >= {
        "speed",
        "politeness",
        "helpfulness",
        "competence",
        "price",
        "cleanliness",
        "checkout",
    }
    texts = [c["text"] for c in comments]
    assert any(t.isupper() for t in texts) and any("👍" in t or "😡" in t for t in texts)
    assert any("не подош" in t.lower() or "not helpful" in t.lower() for t in texts)


def test_empty_comments_carry_no_theme_and_no_language():
    rng = random.Random(3)
    empty = [c for c in (make_comment(rng, "electronics", 8) for _ in range(2000)) if not c.text]
    assert empty and all(c.mentions == () and c.language == "" for c in empty)
