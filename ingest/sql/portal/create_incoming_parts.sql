-- Partial totals per partition: the fast reader's (summed as it read, sent as binary COPY
-- with the institution as an id) and, in incoming_from_parts.sql, the exact path's.
create temp table tmp_portal_incoming_parts (
    institution_id      integer not null,
    is_month            boolean not null,
    period_start        date    not null,
    rows_after          bigint  not null,
    requests_after      bigint  not null,
    any_synthetic       boolean not null
) on commit drop;

create temp table tmp_portal_incoming_institutions (
    institution_id      integer primary key,
    institution_code    text    not null
) on commit drop
