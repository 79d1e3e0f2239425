insert into raw.portal_requests (
    institution_code, portal_service_code, service_name, period_grain, period_start, channel,
    request_count, batch_id, source_uri, source_sha256, source_line, loaded_at, is_synthetic
)
select
    institution_code, portal_service_code, service_name, period_grain, period_start, channel,
    request_count, %(batch_id)s, %(source_file)s, %(source_sha256)s, line_no, %(loaded_at)s,
    is_synthetic
from tmp_portal_checked
where is_loadable
