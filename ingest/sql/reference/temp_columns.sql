-- The data columns of a landing temp table, in order: what the file's header must be.
select a.attname
from pg_attribute as a
where a.attrelid = %(table)s::regclass
  and a.attnum > 0
  and not a.attisdropped
  and a.attname <> 'row_no'
order by a.attnum
