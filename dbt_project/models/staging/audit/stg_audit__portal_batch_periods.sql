with

source as (
    select * from {{ source('audit', 'portal_batch_periods') }}
),

renamed as (
    select
        batch_id || '|' || institution_code || '|' || period_month as batch_period_id,
        batch_id,
        institution_code,
        period_month,
        rows_loaded
    from source
)

select * from renamed
