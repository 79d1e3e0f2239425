-- Bad rows with their values exactly as received (from the landing table).
insert into raw.portal_requests_quarantine (
    batch_id, source_uri, source_line, column_name, reason, raw_record
)
select
    %(batch_id)s,
    %(source_uri)s,
    c.line_no,
    c.column_name,
    c.reason,
    jsonb_build_object(
        'portal_service_code', s.portal_service_code,
        'institution_code', s.institution_code,
        'period', s.period,
        'channel', s.channel,
        'request_count', s.request_count,
        'service_name', s.service_name,
        'period_grain', s.period_grain,
        'is_synthetic', s.is_synthetic
    )
from tmp_portal_checked as c
inner join tmp_portal_stage as s
    on c.line_no = s.line_no
where c.reason is not null
order by c.line_no
