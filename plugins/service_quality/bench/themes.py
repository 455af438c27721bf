"""Theme tagging against the simulator's truth: precision, recall and polarity accuracy, overall and per
language (and per theme in the detail), and tagging throughput in comments per second on one core.

The chain is simulated for three months at the given scale (seed 11, a seed of its own); every comment it
wrote (``truth/comment_themes.jsonl``, the text before any personal data was typed into it) is tagged with
the default lexicon (the dbt seeds) by one process. A theme found counts as right when the truth has it
for that comment; polarity accuracy is over the themes found right. Throughput is CPU time of the tagging
alone (lexicon compiled beforehand). Targets from issue 19: precision >= 0.9, recall >= 0.85,
polarity >= 0.9. The simulator's comments and the default lexicon were written together: these figures say
the tagger does what the lexicon says on varied, noisy text (inflections, negations, typos, case, emoji),
not how complete the lexicon is for real customers; the emerging-terms mart is there for what it misses.
"""

from __future__ import annotations

from datetime import date

from service_quality.bench.results import Measurement, measure
from service_quality.bench.workspace import work_dir

BENCHMARK = "themes"
SEED = 11
START, END = date(2025, 1, 1), date(2025, 3, 31)


def run(scale: str) -> list[Measurement]:
    from service_quality.simulator import simulate
    from service_quality.themes.evaluate import evaluate, read_truth, summary
    from service_quality.themes.lexicon import load_lexicon

    out = work_dir("themes", scale, fresh=True)
    simulate(scale, START, END, seed=SEED, out=out, workers=1)
    figures = summary(evaluate(read_truth(out / "truth"), load_lexicon(), keep_errors=0))
    records = [
        measure(BENCHMARK, "precision", figures["overall"]["precision"], "ratio", scale, ">= 0.9", detail=figures),
        measure(BENCHMARK, "recall", figures["overall"]["recall"], "ratio", scale, ">= 0.85"),
        measure(BENCHMARK, "polarity accuracy", figures["overall"]["polarity_accuracy"], "ratio", scale, ">= 0.9"),
    ]
    for language, scores in figures["by_language"].items():
        if language == "none":  # empty comments: nothing expected
            continue
        for key, target in (("precision", ">= 0.9"), ("recall", ">= 0.85"), ("polarity_accuracy", ">= 0.9")):
            records.append(
                measure(BENCHMARK, f"{key.replace('_', ' ')} ({language})", scores[key], "ratio", scale, target)
            )
    # every theme of every language in detail.by_theme; the weakest one here, named (themes seen 20 times or more)
    themes = {k: v for k, v in figures["by_theme"].items() if v["expected"] >= 20}
    for key, target in (("precision", ">= 0.9"), ("recall", ">= 0.85")):
        theme, scores = min(themes.items(), key=lambda item: (item[1][key], item[0]))
        records.append(
            measure(
                BENCHMARK,
                f"{key}, weakest theme",
                scores[key],
                "ratio",
                scale,
                target,
                note=f"{theme}: {scores['expected']} expected, {scores['found']} found",
            )
        )
    records.append(
        measure(
            BENCHMARK,
            "tagging throughput (one core)",
            figures["comments_per_second"],
            "comments/s",
            scale,
            note=f"{figures['comments']} comments",
        )
    )
    return records
