-- Rows the load brings for a year, and the year's rows now (the planner's estimate: it only
-- chooses between swapping the partition and replacing in place).
select
    (select count(*) from {fresh}) as incoming,
    (select greatest(reltuples, 0)::bigint from pg_class where oid = {part_regclass}::regclass) as current
