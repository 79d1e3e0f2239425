-- Landing table for one portal export: every value as text, in ingest.portal.schema.CANONICAL
-- order, plus the source line and any parse error. Dropped at commit.
create temp table tmp_portal_stage (
    line_no             bigint not null,
    portal_service_code text,
    institution_code    text,
    period              text,
    channel             text,
    request_count       text,
    service_name        text,
    period_grain        text,
    is_synthetic        text,
    parse_error         text
) on commit drop
