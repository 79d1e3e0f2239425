-- What dbt's catalog (the docs site's catalog.json) reads from the warehouse: every relation
-- of the sources' and models' schemas with its kind, owner and typed columns (partitions
-- are not in it). Unchanged shape + unchanged project + same dates = the same docs site.
select n.nspname, c.relname, c.relkind, pg_get_userbyid(c.relowner), a.attnum, a.attname,
       format_type(a.atttypid, a.atttypmod)
from pg_class as c
inner join pg_namespace as n on c.relnamespace = n.oid
inner join pg_attribute as a on c.oid = a.attrelid and a.attnum > 0 and not a.attisdropped
where n.nspname in ('raw', 'audit', 'staging', 'intermediate', 'marts', 'exports', 'reference')
  and c.relkind in ('r', 'v', 'm', 'p', 'f')
  and not c.relispartition
order by n.nspname, c.relname, a.attnum
