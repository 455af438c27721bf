"""Airflow DAG ``ingest_surveys``: new deliveries -> validated -> ``raw.surveys`` -> comment themes.

Its doc_md is written from the source's contract by the factory (``service_quality.ingest.dags.doc_md``).
"""

from __future__ import annotations

from service_quality.ingest.dags import ingest_dag

THEMES = """\
4. `tag_comment_themes` (after the loads, also when they were skipped): tags the comments of the response
   versions not tagged yet with the theme lexicon (dbt seeds `themes`, `theme_terms`, `theme_polarity_cues`)
   into `raw.survey_comment_themes` (matched words, never the comment) and `raw.survey_comment_lemmas`;
   a changed lexicon tags every version again. Emits the Asset
   `postgres://warehouse/warehouse/raw/survey_comment_themes`. The transform runs on the raw tables' Assets:
   one that starts before the tagging ends reads these rows at its next run. Docs: docs/themes.md."""

ingest_dag("surveys", note=THEMES, tag_comments=True)
