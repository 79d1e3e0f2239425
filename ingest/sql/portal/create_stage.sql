-- Landing table for one portal export: every value as text, in ingest.portal.schema.CANONICAL
-- order, plus the source line and any parse error (and the column it concerns). A line of a
-- transaction-level export lands as a one-request daily row: its timestamp's Europe/Riga day
-- as the period, the timestamp as received in transaction_time. Dropped at commit.
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
    parse_error         text,
    parse_error_column  text,
    transaction_time    text
) on commit drop
