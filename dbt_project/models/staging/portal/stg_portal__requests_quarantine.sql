with

source as (
    select * from {{ source('portal', 'portal_requests_quarantine') }}
),

renamed as (
    select
        quarantine_id,
        batch_id,
        source_uri,
        source_line,
        column_name,
        reason,
        raw_record,
        quarantined_at
    from source
)

select * from renamed
