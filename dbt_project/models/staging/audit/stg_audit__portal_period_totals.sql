with

source as (
    select * from {{ source('audit', 'portal_period_totals') }}
),

renamed as (
    select
        institution_code || '|' || period_grain || '|' || period_start as portal_period_id,
        institution_code,
        period_grain,
        period_start,
        rows_loaded,
        requests,
        batch_id
    from source
)

select * from renamed
