-- Partial totals per partition: the fast reader's (summed as it read) and the exact path's.
create temp table tmp_portal_incoming_parts (
    institution_code    text    not null,
    period_grain        text    not null,
    period_start        date    not null,
    rows_after          bigint  not null,
    requests_after      numeric not null,
    any_synthetic       boolean not null
) on commit drop
