-- What ingest.rules decided for each distinct raw value (filled by COPY from the loader).
create temp table tmp_portal_verdicts (
    kind        text not null,
    raw_value   text not null,
    value       text,
    problem     text,
    primary key (kind, raw_value)
) on commit drop
