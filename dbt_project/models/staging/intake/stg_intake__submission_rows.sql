with

source as (
    select * from {{ source('intake', 'intake_submission_rows') }}
),

renamed as (
    select
        file_id || '-' || row_no as submission_row_id,
        file_id,
        row_no,
        institution_code,
        reporting_year,
        service_key,
        total_users,
        total_users_state,
        electronic_requests,
        electronic_requests_state,
        assisted_vpvkac,
        assisted_vpvkac_state,
        in_person,
        in_person_state,
        paper_post,
        paper_post_state,
        phone,
        phone_state,
        other_channels,
        other_channels_state,
        activities_done,
        -- "VDI-RP2017-01;VDI-RP2017-02": the action-plan activities the row carried out
        activity_ids,
        notes
    from source
)

select * from renamed
