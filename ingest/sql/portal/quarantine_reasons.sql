select reason, count(*) as row_count
from tmp_portal_checked
where reason is not null
group by reason
order by row_count desc, reason
