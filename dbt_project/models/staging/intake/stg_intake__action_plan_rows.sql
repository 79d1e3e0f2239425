with

source as (
    select * from {{ source('intake', 'intake_action_plan_rows') }}
),

renamed as (
    select
        file_id || '-' || row_no as action_plan_row_id,
        file_id,
        row_no,
        institution_code,
        service_key,
        activity_id,
        activity as activity_lv,
        activity_type,
        start_date,
        coalesce(start_date_is_approximate, false) as start_date_is_approximate,
        end_date,
        responsible_unit,
        notes
    from source
)

select * from renamed
