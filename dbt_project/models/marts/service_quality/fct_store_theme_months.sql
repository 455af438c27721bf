-- Per store, local month and theme mentioned: how often, how much of the store's responses, of its
-- detractors and of its promoters, and the NPS of the responses with the theme against those without.
with responses as (
    select * from {{ ref('int_survey_responses') }}
),

mentions as (
    select * from {{ ref('int_survey_comment_themes') }}
),

themes as (
    select * from {{ ref('themes') }}
),

store_months as (
    select
        store_code,
        date_trunc('month', response_date)::date as month_start,
        count(*) as responses,
        count(nps) as nps_n,
        count(*) filter (where is_promoter) as promoters,
        count(*) filter (where is_detractor) as detractors
    from responses
    group by store_code, date_trunc('month', response_date)
),

theme_months as (
    select
        store_code,
        date_trunc('month', response_date)::date as month_start,
        theme_code,
        count(*) as mentions,
        count(*) filter (where polarity = 'negative') as negative_mentions,
        count(*) filter (where polarity = 'positive') as positive_mentions,
        count(nps) as nps_n,
        count(*) filter (where is_promoter) as promoters,
        count(*) filter (where is_detractor) as detractors
    from mentions
    group by store_code, date_trunc('month', response_date), theme_code
),

final as (
    select
        theme_months.store_code,
        theme_months.month_start,
        to_char(theme_months.month_start, 'YYYY-MM') as month_label,
        theme_months.theme_code,
        themes.name_ru as theme_name_ru,
        themes.name_en as theme_name_en,
        theme_months.mentions,
        theme_months.negative_mentions,
        theme_months.positive_mentions,
        store_months.responses,
        store_months.detractors,
        store_months.promoters,
        round(100.0 * theme_months.mentions / store_months.responses, 2) as share_of_responses_pct,
        round(100.0 * theme_months.detractors / nullif(store_months.detractors, 0), 2) as share_of_detractors_pct,
        round(100.0 * theme_months.promoters / nullif(store_months.promoters, 0), 2) as share_of_promoters_pct,
        theme_months.nps_n as nps_n_with_theme,
        round(
            100.0 * (theme_months.promoters - theme_months.detractors) / nullif(theme_months.nps_n, 0), 2
        ) as nps_with_theme,
        store_months.nps_n - theme_months.nps_n as nps_n_without_theme,
        round(
            100.0
            * (
                (store_months.promoters - theme_months.promoters)
                - (store_months.detractors - theme_months.detractors)
            )
            / nullif(store_months.nps_n - theme_months.nps_n, 0),
            2
        ) as nps_without_theme
    from theme_months
    inner join store_months
        on
            theme_months.store_code = store_months.store_code
            and theme_months.month_start = store_months.month_start
    inner join themes
        on theme_months.theme_code = themes.theme_code
)

select * from final
