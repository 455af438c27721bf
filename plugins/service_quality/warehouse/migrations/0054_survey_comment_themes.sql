-- Themes of survey comments, written by the tagging task of ingest_surveys (service_quality.themes.warehouse)
-- and read by dbt (staging: stg_survey_comment_themes, stg_survey_comment_lemmas).
--
-- Keyed on the response version (raw.surveys: _delivery_id, _row_number), so a corrected response is tagged
-- again as a new version. Only the words that matched are stored, never the comment: the comment stays in
-- raw.surveys, as the loader scrubbed it. A version is tagged once per lexicon: survey_comments_tagged holds
-- the lexicon's checksum, and a changed lexicon tags every version again (its old rows are replaced).

create table raw.survey_comments_tagged (
    _delivery_id     bigint not null,
    _row_number      integer not null,
    response_id      text not null,
    language         text not null,  -- ru / en from the comment's letters; '' when it has none
    mentions         integer not null check (mentions >= 0),
    lexicon_checksum text not null,
    tagged_at        timestamptz not null default now(),
    primary key (_delivery_id, _row_number),
    foreign key (_delivery_id, _row_number) references raw.surveys (_delivery_id, _row_number) on delete cascade
);

create table raw.survey_comment_themes (
    _delivery_id  bigint not null,
    _row_number   integer not null,
    response_id   text not null,
    theme_code    text not null,
    polarity      text not null check (polarity in ('positive', 'negative')),
    matched_words text[] not null,  -- the comment's words that matched the theme's terms
    cue_words     text[] not null,  -- negations and cues that decided the polarity
    primary key (_delivery_id, _row_number, theme_code),
    foreign key (_delivery_id, _row_number) references raw.survey_comments_tagged (_delivery_id, _row_number)
        on delete cascade
);

-- Content lemmas per comment (for emerging terms: log-odds of a store's month against the chain).
create table raw.survey_comment_lemmas (
    _delivery_id bigint not null,
    _row_number  integer not null,
    response_id  text not null,
    lemma        text not null,
    occurrences  integer not null check (occurrences > 0),
    primary key (_delivery_id, _row_number, lemma),
    foreign key (_delivery_id, _row_number) references raw.survey_comments_tagged (_delivery_id, _row_number)
        on delete cascade
);
