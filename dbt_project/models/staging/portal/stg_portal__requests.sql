with

source as (
    select * from {{ source('portal', 'portal_requests') }}
),

renamed as (
    select
        institution_code || '|' || period_grain || '|' || period_start || '|'
        || portal_service_code || '|' || channel as portal_request_id,
        institution_code,
        portal_service_code,
        service_name as portal_service_name,
        period_grain,
        period_start,
        extract(year from period_start)::integer as period_year,
        date_trunc('month', period_start)::date as period_month,
        channel,
        request_count,
        is_synthetic,
        batch_id,
        source_line
    from source
)

select * from renamed
