-- Set-based validation of the landed rows. One output row per input row, with the first
-- problem found (reason + column) or none; duplicates of a key within the file keep the first
-- line and quarantine the others. Parameters: channel aliases, default is_synthetic, range,
-- the latest possible period (today in Europe/Riga). Counts and codes were judged by
-- ingest.rules (the rules the raw suites check) into tmp_portal_verdicts.
--
-- Speed: exports repeat few distinct codes, periods, channels and counts over millions of
-- rows, so each distinct value is parsed once (the *_values CTEs) and rows hash-join to the
-- result (on coalesce(x, '') = …: NULL-safe and still hashable, unlike IS NOT DISTINCT FROM).
create temp table tmp_portal_checked on commit drop as
with

aliases as (
    select spelling, channel
    from unnest(%(alias_spellings)s::text[], %(alias_channels)s::text[]) as a (spelling, channel)
),

channel_values as (
    select
        v.channel as raw_channel,
        a.channel
    from (select distinct coalesce(channel, '') as channel from tmp_portal_stage) as v
    left join aliases as a
        on a.spelling = regexp_replace(
            translate(lower(btrim(v.channel)), 'āčēģīķļņšūž', 'acegiklnsuz'), '\s+', ' ', 'g'
        )
),

code_values as (
    select
        raw_value as raw_code,
        value as code,
        problem as code_problem
    from tmp_portal_verdicts
    where kind = 'portal_service_code'
),

institution_values as (
    select
        raw_value as raw_institution,
        value as institution,
        problem as institution_problem
    from tmp_portal_verdicts
    where kind = 'institution_code'
),

period_texts as (
    select
        period as raw_period,
        period_grain as raw_grain,
        btrim(period) as period_text,
        nullif(lower(btrim(period_grain)), '') as grain_text
    from (
        select distinct coalesce(period, '') as period, coalesce(period_grain, '') as period_grain
        from tmp_portal_stage
    ) as v
),

period_parsed as (
    select
        p.*,
        case
            when period_text ~ '^\d{4}-\d{2}$' then period_text || '-01'
            when period_text ~ '^\d{4}-\d{2}-\d{2}$' then period_text
            when period_text ~ '^\d{2}\.\d{2}\.\d{4}$'
                then substr(period_text, 7, 4) || '-' || substr(period_text, 4, 2) || '-'
                    || substr(period_text, 1, 2)
        end as iso_text,
        case when period_text ~ '^\d{4}-\d{2}$' then 'month' else 'day' end as format_grain,
        case
            when grain_text is null then null
            when grain_text in ('month', 'monthly', 'menesis', 'mēnesis', 'm') then 'month'
            when grain_text in ('day', 'daily', 'diena', 'd') then 'day'
            else 'invalid'
        end as grain_given
    from period_texts as p
),

period_values as (
    select
        raw_period,
        raw_grain,
        iso_text,
        format_grain,
        case when pg_input_is_valid(iso_text, 'date') then iso_text::date end as period_date,
        coalesce(grain_given, format_grain) as grain
    from period_parsed
),

count_values as (
    select
        raw_value as raw_count,
        value::bigint as request_count_value,
        problem as count_problem
    from tmp_portal_verdicts
    where kind = 'request_count'
),

joined as (
    select
        s.line_no,
        s.parse_error,
        s.parse_error_column,
        c.code,
        c.code_problem,
        i.institution,
        i.institution_problem,
        nullif(btrim(s.service_name), '') as service_name,
        ch.channel,
        p.iso_text,
        p.format_grain,
        p.period_date,
        p.grain,
        case
            when p.grain = 'month' then date_trunc('month', p.period_date)::date
            else p.period_date
        end as period_start,
        n.request_count_value,
        n.count_problem,
        case
            when nullif(lower(btrim(s.is_synthetic)), '') is null then %(default_synthetic)s::boolean
            when lower(btrim(s.is_synthetic)) in ('true', 't', '1', 'yes', 'jā', 'ja') then true
            when lower(btrim(s.is_synthetic)) in ('false', 'f', '0', 'no', 'nē', 'ne') then false
        end as synthetic_value
    from tmp_portal_stage as s
    left join code_values as c
        on coalesce(s.portal_service_code, '') = c.raw_code
    left join institution_values as i
        on coalesce(s.institution_code, '') = i.raw_institution
    left join channel_values as ch
        on coalesce(s.channel, '') = ch.raw_channel
    left join period_values as p
        on coalesce(s.period, '') = p.raw_period
        and coalesce(s.period_grain, '') = p.raw_grain
    left join count_values as n
        on coalesce(s.request_count, '') = n.raw_count
),

reasoned as materialized (
    select
        j.*,
        case
            when parse_error is not null then array[parse_error_column, parse_error]
            when code_problem is not null then array['portal_service_code', code_problem]
            when code is null then array['portal_service_code', 'empty service code']
            when institution_problem is not null then array['institution_code', institution_problem]
            when institution is null then array['institution_code', 'empty institution code']
            when iso_text is null then array[
                'period', 'period is not a date (expected YYYY-MM, YYYY-MM-DD or DD.MM.YYYY)'
            ]
            when period_date is null then array['period', 'impossible date']
            when period_date > %(latest_period)s::date then array[
                'period', 'period after today (Europe/Riga): no statistics can exist for it yet'
            ]
            when period_date < %(earliest_period)s::date then array[
                'period', 'period before ' || %(earliest_period)s::date::text
            ]
            when grain = 'invalid' then array['period_grain', 'unknown period grain (month or day)']
            when grain = 'month' and format_grain = 'day' and extract(day from period_date) <> 1
                then array['period', 'monthly row whose date is not the first of the month']
            when channel is null then array['channel', 'unknown channel']
            when count_problem is not null then array['request_count', count_problem]
            when synthetic_value is null
                then array['is_synthetic', 'is_synthetic must be true or false']
        end as problem
    from joined as j
),

-- Keys that occur more than once in the file (usually none): a hash aggregate, no sort.
duplicated_keys as (
    select
        institution,
        grain,
        period_start,
        code,
        channel,
        min(line_no) as first_line
    from reasoned
    where problem is null
    group by institution, grain, period_start, code, channel
    having count(*) > 1
),

keyed as (
    select
        r.*,
        d.first_line,
        -- Transactions are counted, not deduplicated: many share a key.
        d.first_line is not null and r.line_no <> d.first_line
        and not %(transactions)s::boolean as is_duplicate,
        r.problem is null
        and (%(range_start)s::date is null or r.period_start >= %(range_start)s::date)
        and (%(range_end)s::date is null or r.period_start <= %(range_end)s::date) as in_range
    from reasoned as r
    left join duplicated_keys as d
        on
            r.problem is null
            and r.institution = d.institution
            and r.grain = d.grain
            and r.period_start = d.period_start
            and r.code = d.code
            and r.channel = d.channel
)

select
    line_no,
    code as portal_service_code,
    institution as institution_code,
    service_name,
    grain as period_grain,
    period_start,
    channel,
    request_count_value as request_count,
    synthetic_value as is_synthetic,
    problem[1] as column_name,
    case
        when problem is not null then problem[2]
        when is_duplicate
            then 'duplicate of line ' || first_line
                || ' (same institution, period, code and channel)'
    end as reason,
    problem is null and not is_duplicate and in_range as is_loadable,
    problem is null and not is_duplicate and not in_range as is_outside_range
from keyed
