-- The load batches behind each institution's monitoring-window year: the accepted plan files
-- and the year's submission file the marts use, and the portal batches whose rows of that
-- year are in the warehouse now (read from the per-period totals, never the raw rows).
with

institution_years as (
    select
        institution_code,
        reporting_year
    from {{ ref('fct_institution_year') }}
),

files as (
    select * from {{ ref('stg_intake__files') }}
),

batches as (
    select * from {{ ref('stg_audit__load_batches') }}
),

plan_files as (
    select distinct
        institution_code,
        plan_file_id as file_id
    from {{ ref('int_plan_services_latest') }}
),

submission_files as (
    select distinct
        institution_code,
        reporting_year,
        submission_file_id as file_id
    from {{ ref('int_submissions_latest_version') }}
),

intake_files as (
    select
        y.institution_code,
        y.reporting_year,
        p.file_id
    from institution_years as y
    inner join plan_files as p
        on y.institution_code = p.institution_code
    union
    select
        y.institution_code,
        y.reporting_year,
        s.file_id
    from institution_years as y
    inner join submission_files as s
        on
            y.institution_code = s.institution_code
            and y.reporting_year = s.reporting_year
),

intake as (
    select
        i.institution_code,
        i.reporting_year,
        'intake:' || f.file_kind as source_kind,
        f.batch_id,
        f.original_name as source_uri,
        f.sha256 as source_sha256,
        f.version as file_version,
        f.is_synthetic
    from intake_files as i
    inner join files as f
        on i.file_id = f.file_id
),

portal_year_batches as (
    select distinct
        institution_code,
        extract(year from period_start)::integer as reporting_year,
        batch_id
    from {{ ref('stg_audit__portal_period_totals') }}
),

portal as (
    select
        y.institution_code,
        y.reporting_year,
        'portal' as source_kind,
        p.batch_id,
        b.source_uri,
        b.source_sha256,
        null::integer as file_version,
        b.is_synthetic
    from institution_years as y
    inner join portal_year_batches as p
        on
            y.institution_code = p.institution_code
            and y.reporting_year = p.reporting_year
    inner join batches as b
        on p.batch_id = b.batch_id
),

unioned as (
    select * from intake
    union all
    select * from portal
),

final as (
    select
        institution_code || '|' || reporting_year || '|' || source_kind || '|' || batch_id
            as source_batch_id,
        institution_code,
        reporting_year,
        source_kind,
        batch_id,
        source_uri,
        source_sha256,
        file_version,
        is_synthetic
    from unioned
)

select * from final
