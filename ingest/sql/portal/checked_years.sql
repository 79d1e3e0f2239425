select distinct extract(year from period_start)::integer as period_year
from tmp_portal_checked
where is_loadable
order by 1
