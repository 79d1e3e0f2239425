-- Institutions whose monitoring window covers the year: they owe its submission (the export
-- has a row for every planned service and window year, submitted or not).
select distinct institution_code
from exports.export_service_year_indicators
where reporting_year = %(year)s
order by institution_code
