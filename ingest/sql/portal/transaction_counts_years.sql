-- The years the spilled transaction counts fall in.
select distinct extract(year from period_start)::int as year
from tmp_portal_transaction_counts
order by year
