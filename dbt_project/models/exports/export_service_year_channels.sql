-- The yearly extract's channel mix: every channel of the domain hierarchy per service and
-- year; not_provided parts without a number, what the provided parts leave as not_split.
with

channel_mix as (
    select * from {{ ref('fct_channel_mix') }}
),

services as (
    select
        service_key,
        service_no
    from {{ ref('dim_service') }}
),

final as (
    select
        m.service_year_channel_id,
        m.institution_code,
        m.reporting_year,
        m.service_key,
        s.service_no,
        m.channel_group,
        m.channel,
        m.sort_order,
        m.count_state,
        m.requests,
        m.reported_total_users,
        m.share_of_total,
        m.is_synthetic
    from channel_mix as m
    inner join services as s
        on m.service_key = s.service_key
)

select * from final
