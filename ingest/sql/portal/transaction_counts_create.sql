-- Daily counts of a transaction-level export that did not fit in the reader's memory
-- (ingest/portal/transactions.py): partial counts, summed per key at the end. Dropped at
-- commit.
create temp table tmp_portal_transaction_counts (
    institution_code    text    not null,
    portal_service_code text    not null,
    service_name        text,
    period_grain        text    not null,
    period_start        date    not null,
    channel             text    not null,
    request_count       bigint  not null,
    source_line         bigint  not null,
    is_synthetic        boolean not null
) on commit drop
