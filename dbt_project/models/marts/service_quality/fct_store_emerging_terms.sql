-- Per store and local month, the comment lemmas most over-represented against the rest of the chain that
-- month: log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008, "Fightin'
-- words", eq. 16-22). The prior is the chain's lemma distribution over every month, scaled to
-- var('emerging_terms_prior_size') pseudo-counts; z is the log-odds over its standard deviation. A theme
-- missing from the lexicon still shows up here as words.
{% set prior_size = var('emerging_terms_prior_size', 1000) %}
{% set top_n = var('emerging_terms_per_store_month', 10) %}

with lemmas as (
    select * from {{ ref('int_survey_comment_lemmas') }}
),

store_counts as (
    select
        store_code,
        month_start,
        lemma,
        sum(occurrences) as store_occurrences,
        count(distinct response_id) as responses
    from lemmas
    group by store_code, month_start, lemma
),

store_totals as (
    select
        store_code,
        month_start,
        sum(store_occurrences) as store_words
    from store_counts
    group by store_code, month_start
),

chain_counts as (
    select
        month_start,
        lemma,
        sum(store_occurrences) as chain_occurrences
    from store_counts
    group by month_start, lemma
),

chain_totals as (
    select
        month_start,
        sum(chain_occurrences) as chain_words
    from chain_counts
    group by month_start
),

prior as (
    select
        lemma,
        {{ prior_size }} * sum(store_occurrences)::numeric / sum(sum(store_occurrences)) over () as alpha
    from store_counts
    group by lemma
),

scored as (
    select
        s.store_code,
        s.month_start,
        s.lemma,
        s.store_occurrences,
        s.responses,
        c.chain_occurrences - s.store_occurrences as rest_occurrences,
        t.store_words,
        ct.chain_words - t.store_words as rest_words,
        p.alpha,
        ln(
            (s.store_occurrences + p.alpha)
            / (t.store_words + {{ prior_size }} - s.store_occurrences - p.alpha)
        )
        - ln(
            (c.chain_occurrences - s.store_occurrences + p.alpha)
            / (
                ct.chain_words - t.store_words + {{ prior_size }}
                - (c.chain_occurrences - s.store_occurrences) - p.alpha
            )
        ) as log_odds,
        1.0 / (s.store_occurrences + p.alpha)
        + 1.0 / (c.chain_occurrences - s.store_occurrences + p.alpha) as log_odds_variance
    from store_counts as s
    inner join store_totals as t
        on s.store_code = t.store_code and s.month_start = t.month_start
    inner join chain_counts as c
        on s.month_start = c.month_start and s.lemma = c.lemma
    inner join chain_totals as ct
        on s.month_start = ct.month_start
    inner join prior as p
        on s.lemma = p.lemma
),

ranked as (
    select
        *,
        log_odds / sqrt(log_odds_variance) as z_score,
        row_number() over (
            partition by store_code, month_start order by log_odds / sqrt(log_odds_variance) desc, lemma
        ) as term_rank
    from scored
    where store_occurrences >= 2 and log_odds > 0
),

final as (
    select
        store_code,
        month_start,
        to_char(month_start, 'YYYY-MM') as month_label,
        term_rank,
        lemma,
        store_occurrences,
        responses,
        rest_occurrences,
        store_words,
        rest_words,
        round(log_odds::numeric, 4) as log_odds,
        round(z_score::numeric, 3) as z_score,
        z_score >= 1.96 as is_significant
    from ranked
    where term_rank <= {{ top_n }}
)

select * from final
