-- Rows of the latest accepted submission version per institution and reporting year.
-- Earlier versions stay in raw.intake_files / stg_intake__submission_rows, queryable.
with

files as (
    select * from {{ ref('stg_intake__files') }}
),

submission_rows as (
    select * from {{ ref('stg_intake__submission_rows') }}
),

latest_versions as (
    select distinct on (institution_code, reporting_year)
        file_id,
        version as submission_version,
        received_date,
        received_date_is_approximate,
        submitter_name,
        is_synthetic
    from files
    where file_kind = 'submission' and is_accepted
    order by institution_code asc, reporting_year asc, version desc
),

final as (
    select
        submission_rows.institution_code || '-' || submission_rows.reporting_year || '-'
        || submission_rows.service_key as submission_row_id,
        submission_rows.institution_code,
        submission_rows.reporting_year,
        submission_rows.service_key,
        submission_rows.total_users as reported_total_users,
        submission_rows.total_users_state,
        submission_rows.electronic_requests as reported_electronic_requests,
        submission_rows.electronic_requests_state,
        submission_rows.assisted_vpvkac,
        submission_rows.assisted_vpvkac_state,
        submission_rows.in_person,
        submission_rows.in_person_state,
        submission_rows.paper_post,
        submission_rows.paper_post_state,
        submission_rows.phone,
        submission_rows.phone_state,
        submission_rows.other_channels,
        submission_rows.other_channels_state,
        submission_rows.activities_done,
        submission_rows.activity_ids,
        latest_versions.submission_version,
        latest_versions.file_id as submission_file_id,
        latest_versions.received_date,
        latest_versions.received_date_is_approximate,
        latest_versions.is_synthetic
    from submission_rows
    inner join latest_versions
        on submission_rows.file_id = latest_versions.file_id
)

select * from final
