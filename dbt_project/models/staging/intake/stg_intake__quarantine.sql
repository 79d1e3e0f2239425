with

source as (
    select * from {{ source('intake', 'intake_quarantine') }}
),

renamed as (
    select
        file_id || '|' || row_no as quarantine_row_id,
        file_id,
        row_no,
        raw_record
    from source
)

select * from renamed
