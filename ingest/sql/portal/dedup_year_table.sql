-- Of each candidate key in one of the batch's year tables keep the first line; the others move
-- to quarantine with the same reason the exact validation gives. raw_record holds the text as
-- received for a row the exact validation saw (tmp_portal_stage), else the values as loaded
-- (the fast reader keeps no raw text of clean rows).
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
    r.source_line,
    null,
    'duplicate of line ' || r.first_line || ' (same institution, period, code and channel)',
    case
        when s.line_no is not null then raw.portal_raw_record(
            s.portal_service_code, s.institution_code, s.period, s.channel, s.request_count,
            s.service_name, s.period_grain, s.is_synthetic
        )
        else raw.portal_raw_record(
            r.portal_service_code, r.institution_code, r.period_start::text, r.channel,
            r.request_count::text, r.service_name, r.period_grain, r.is_synthetic::text
        )
    end
from removed as r
left join tmp_portal_stage as s on r.source_line = s.line_no
order by r.source_line
returning reason
