-- 0012: the exports schema (issue 14). dbt's public export models live here: what leaves the
-- warehouse (the yearly extracts read one institution-year of them). The transformer owns and
-- builds them; the publisher and BI tools read them (dbt grants select on each model).
create schema if not exists exports authorization transformer;
alter schema exports owner to transformer;
grant usage on schema exports to publisher, bi_reader;
