"""How well the tagger finds the themes the simulator wrote: precision and recall per language and theme,
polarity accuracy, and throughput on one core, against ``truth/comment_themes.jsonl``."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from service_quality.themes.lexicon import Lexicon


@dataclass
class Scores:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0
    polarity_right: int = 0

    @property
    def precision(self) -> float:
        found = self.true_positive + self.false_positive
        return self.true_positive / found if found else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positive + self.false_negative
        return self.true_positive / expected if expected else 1.0

    @property
    def polarity_accuracy(self) -> float:
        return self.polarity_right / self.true_positive if self.true_positive else 1.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "polarity_accuracy": round(self.polarity_accuracy, 4),
            "expected": self.true_positive + self.false_negative,
            "found": self.true_positive + self.false_positive,
        }


@dataclass
class Evaluation:
    comments: int
    seconds: float
    overall: Scores
    by_language: dict[str, Scores]
    by_theme: dict[tuple[str, str], Scores]
    errors: list[dict] = field(default_factory=list)

    @property
    def comments_per_second(self) -> float:
        return self.comments / self.seconds if self.seconds else 0.0


def read_truth(truth_dir: Path | str) -> list[dict]:
    path = Path(truth_dir) / "comment_themes.jsonl"
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def evaluate(comments: list[dict], lexicon: Lexicon, keep_errors: int = 50) -> Evaluation:
    """Tag each comment's text and compare its (theme, polarity) mentions with the truth."""
    from service_quality.themes.tagger import Tagger

    tagger = Tagger(lexicon)
    began = time.process_time()
    tagged = [tagger.tag(c["text"]) for c in comments]
    seconds = time.process_time() - began
    overall, by_language, by_theme = Scores(), {}, {}
    errors: list[dict] = []
    for comment, result in zip(comments, tagged, strict=True):
        language = comment["language"] or "none"
        expected = {m["theme"]: m["polarity"] for m in comment["mentions"]}
        found = {m.theme: m.polarity for m in result.mentions}
        for theme in expected.keys() | found.keys():
            buckets = (
                overall,
                by_language.setdefault(language, Scores()),
                by_theme.setdefault((language, theme), Scores()),
            )
            for s in buckets:
                if theme in expected and theme in found:
                    s.true_positive += 1
                    s.polarity_right += expected[theme] == found[theme]
                elif theme in found:
                    s.false_positive += 1
                else:
                    s.false_negative += 1
        if expected != found and len(errors) < keep_errors:
            errors.append({"text": comment["text"], "expected": expected, "found": found})
    return Evaluation(len(comments), seconds, overall, by_language, by_theme, errors)


def summary(evaluation: Evaluation) -> dict:
    """The figures as the bench prints and stores them."""
    return {
        "comments": evaluation.comments,
        "comments_per_second": round(evaluation.comments_per_second, 1),
        "overall": evaluation.overall.as_dict(),
        "by_language": {k: v.as_dict() for k, v in sorted(evaluation.by_language.items())},
        "by_theme": {f"{lang}/{theme}": v.as_dict() for (lang, theme), v in sorted(evaluation.by_theme.items())},
    }
