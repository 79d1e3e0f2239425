-- Bad rows with their values exactly as received (from the landing table); a transaction line
-- with its timestamp as received, not the day it was read as.
insert into raw.portal_requests_quarantine (
    batch_id, source_uri, source_line, column_name, reason, raw_record
)
select
    %(batch_id)s,
    %(source_uri)s,
    c.line_no,
    c.column_name,
    c.reason,
    case
        when s.transaction_time is null then raw.portal_raw_record(
            s.portal_service_code, s.institution_code, s.period, s.channel, s.request_count,
            s.service_name, s.period_grain, s.is_synthetic
        )
        else jsonb_build_object(
            'timestamp', s.transaction_time,
            'portal_service_code', s.portal_service_code,
            'institution_code', s.institution_code,
            'channel', s.channel,
            'is_synthetic', s.is_synthetic
        )
    end
from tmp_portal_checked as c
inner join tmp_portal_stage as s
    on c.line_no = s.line_no
where c.reason is not null
order by c.line_no
