-- Of each candidate key in one of the batch's year tables keep the first line; the others move
-- to quarantine with the same reason the exact validation gives. raw_record holds the values
-- as loaded (the fast reader keeps no raw text of clean rows).
with candidates as (
    select distinct institution_code, period_grain, period_start, portal_service_code, channel
    from tmp_portal_dup_keys
),

keyed as (
    select
        t.ctid as row_id,
        t.source_line,
        min(t.source_line) over (
            partition by
                t.institution_code, t.period_grain, t.period_start, t.portal_service_code, t.channel
        ) as first_line
    from {table} as t
    inner join candidates as c
        on
            t.institution_code = c.institution_code
            and t.period_grain = c.period_grain
            and t.period_start = c.period_start
            and t.portal_service_code = c.portal_service_code
            and t.channel = c.channel
),

removed as (
    delete from {table} as t
    using keyed as k
    where t.ctid = k.row_id and k.source_line <> k.first_line
    returning t.*, k.first_line
)

insert into raw.portal_requests_quarantine (
    batch_id, source_uri, source_line, column_name, reason, raw_record
)
select
    %(batch_id)s,
    %(source_uri)s,
    source_line,
    null,
    'duplicate of line ' || first_line || ' (same institution, period, code and channel)',
    jsonb_build_object(
        'portal_service_code', portal_service_code,
        'institution_code', institution_code,
        'period', period_start::text,
        'channel', channel,
        'request_count', request_count::text,
        'service_name', service_name,
        'period_grain', period_grain,
        'is_synthetic', is_synthetic::text
    )
from removed
order by source_line
