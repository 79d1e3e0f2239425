with

source as (
    select * from {{ source('intake', 'intake_issues') }}
),

renamed as (
    select
        issue_id,
        file_id,
        row_no,
        column_name,
        value as offending_value,
        severity,
        reason_en,
        reason_lv
    from source
)

select * from renamed
