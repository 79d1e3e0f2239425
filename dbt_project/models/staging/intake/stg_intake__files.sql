with

source as (
    select * from {{ source('intake', 'intake_files') }}
),

renamed as (
    select
        file_id,
        kind as file_kind,
        original_name,
        file_format,
        sha256,
        institution_code,
        reporting_year,
        project_id,
        version,
        outcome,
        outcome <> 'rejected' as is_accepted,
        submitter_name,
        submitter_email,
        received_at,
        -- A historic file may declare when the authority really received it.
        coalesce(declared_received_date, (received_at at time zone 'Europe/Riga')::date)
            as received_date,
        received_date_is_approximate,
        rows_total,
        rows_with_errors,
        warnings as warning_count,
        is_synthetic,
        batch_id,
        loaded_at
    from source
)

select * from renamed
