-- Keys (institution, grain, period, code, channel) that may occur more than once in the file.
create temp table tmp_portal_dup_keys (
    institution_code    text not null,
    period_grain        text not null,
    period_start        date not null,
    portal_service_code text not null,
    channel             text not null
) on commit drop
