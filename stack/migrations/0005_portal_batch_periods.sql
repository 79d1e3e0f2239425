-- 0005: which months each portal batch (re)loaded, exactly, so the incremental mart
-- marts.fct_service_month rebuilds only those months (load_batches.periods is only a range).

create table if not exists audit.portal_batch_periods (
    batch_id            uuid        not null references audit.load_batches (batch_id),
    institution_code    text        not null,
    period_month        date        not null check (period_month = date_trunc('month', period_month)::date),
    rows_loaded         bigint      not null,
    primary key (batch_id, institution_code, period_month)
);

comment on table audit.portal_batch_periods is
    'Months replaced by each portal load batch (one row per batch, institution and month).';
