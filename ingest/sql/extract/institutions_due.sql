-- Institutions whose monitoring window covers the year: they owe its submission.
select distinct institution_code
from marts.dim_service
where %(year)s between base_year and window_last_year
order by institution_code
