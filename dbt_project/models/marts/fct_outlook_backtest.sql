-- How good the early-warning projection is: for every past year and cut-off month, the median
-- absolute percentage error of the projection against the naive one (year-to-date x 12 /
-- months), and how often the 80 % interval held the actual year. Only complete years with
-- requests count; the interval only where it exists (enough past errors).
with

projections as (
    select * from {{ ref('int_outlook_projections') }}
    where actual_year_requests > 0 and cut_off < 12
),

final as (
    select
        period_year || '-' || lpad(cut_off::text, 2, '0') as backtest_id,
        period_year,
        cut_off,
        count(*) as services,
        percentile_cont(0.5) within group (
            order by abs(projected_requests - actual_year_requests) / actual_year_requests
        )::numeric as median_ape,
        percentile_cont(0.5) within group (
            order by abs(naive_projected_requests - actual_year_requests) / actual_year_requests
        )::numeric as naive_median_ape,
        count(projected_requests_p10) as services_with_interval,
        {{ safe_ratio(
            'count(*) filter (where actual_year_requests between projected_requests_p10'
            ~ ' and projected_requests_p90)',
            'count(projected_requests_p10)'
        ) }} as interval_coverage
    from projections
    group by period_year, cut_off
)

select * from final
