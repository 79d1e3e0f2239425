-- Channel mix per service and year from the latest accepted submission, one row per channel
-- of the domain hierarchy. A part the institution did not provide stays 'not_provided' (no
-- number, no share); 'not_applicable' means the channel does not exist for the service. What
-- the provided parts leave of the total is shown as 'not_split' (e.g. VDI 2016 gives only
-- electronic vs total, so paper and all other channels together are not_split).
with

submissions as (
    select * from {{ ref('int_submissions_latest_version') }}
),

channels as (
    select
        s.institution_code,
        s.service_key,
        s.reporting_year,
        s.reported_total_users,
        s.is_synthetic,
        c.channel_group,
        c.channel,
        c.sort_order,
        c.requests,
        c.count_state
    from submissions as s
    cross join lateral (
        values
        ('electronic', 'electronic', 1, s.reported_electronic_requests, s.electronic_requests_state),
        ('assisted', 'assisted_vpvkac', 2, s.assisted_vpvkac, s.assisted_vpvkac_state),
        ('in_person', 'in_person', 3, s.in_person, s.in_person_state),
        ('paper_post', 'paper_post', 4, s.paper_post, s.paper_post_state),
        ('phone', 'phone', 5, s.phone, s.phone_state),
        ('other', 'other_channels', 6, s.other_channels, s.other_channels_state)
    ) as c (channel_group, channel, sort_order, requests, count_state)
),

not_split as (
    select
        institution_code,
        service_key,
        reporting_year,
        reported_total_users,
        is_synthetic,
        'not_split' as channel_group,
        'not_split' as channel,
        7 as sort_order,
        reported_total_users - sum(requests) filter (where count_state = 'value') as requests,
        'derived' as count_state
    from channels
    group by institution_code, service_key, reporting_year, reported_total_users, is_synthetic
    having bool_or(count_state = 'not_provided') and max(reported_total_users) is not null
),

unioned as (
    select * from channels
    union all
    select * from not_split
),

final as (
    select
        service_key || '-' || reporting_year || '-' || channel as service_year_channel_id,
        institution_code,
        service_key,
        reporting_year,
        channel_group,
        channel,
        sort_order,
        count_state,
        requests,
        reported_total_users,
        case
            when count_state in ('value', 'derived')
                then {{ safe_ratio('requests', 'reported_total_users') }}
        end as share_of_total,
        is_synthetic
    from unioned
)

select * from final
