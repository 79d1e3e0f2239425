with

source as (
    select * from {{ source('intake', 'intake_plan_rows') }}
),

renamed as (
    select
        file_id || '-' || row_no as plan_row_id,
        file_id,
        row_no,
        project_id,
        institution_code,
        institution_name as institution_name_lv,
        project_end_year,
        base_year,
        forecast_year,
        service_key,
        -- Raw keeps the code as sent; the one normalisation (URN:IVIS:…:EP-EP72-V1-0 -> EP72)
        -- is the SQL function of migration 0002, shared with the portal loader.
        raw.normalise_portal_code(portal_service_code) as portal_service_code,
        service_name as service_name_lv,
        forecast_total_users,
        forecast_total_users_state,
        forecast_e_users as forecast_electronic_users,
        forecast_e_users_state as forecast_electronic_users_state,
        planned_activities as planned_activities_lv
    from source
)

select * from renamed
