-- Portal electronic requests per planned service and calendar year, all sub-channels.
with

matched as (
    select * from {{ ref('int_portal_requests_matched_to_services') }}
),

final as (
    select
        service_key || '-' || period_year as service_year_id,
        service_key,
        period_year,
        sum(request_count)::bigint as portal_electronic_requests,
        count(distinct period_month) as months_with_data,
        bool_or(is_synthetic) as is_synthetic
    from matched
    where service_key is not null
    group by service_key, period_year
)

select * from final
