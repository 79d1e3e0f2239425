with

source as (
    select * from {{ source('audit', 'load_batches') }}
),

renamed as (
    select
        batch_id,
        loader,
        source_uri,
        source_sha256,
        status as batch_status,
        rows_read,
        rows_loaded,
        is_synthetic,
        started_at,
        finished_at
    from source
)

select * from renamed
