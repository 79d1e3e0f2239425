with

source as (
    select * from {{ source('intake', 'yearly_submissions') }}
),

renamed as (
    select
        institution_code || '-' || reporting_year || '-' || service_key as submission_row_id,
        institution_code,
        reporting_year,
        service_key,
        total_users as reported_total_users,
        electronic_requests as reported_electronic_requests,
        electronic_requests_origin,
        received_date,
        received_date_is_approximate,
        is_synthetic,
        batch_id,
        loaded_at
    from source
)

select * from renamed
