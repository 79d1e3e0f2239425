-- An early-warning alert was sent for a service's outlook on an as-of date.
insert into audit.outlook_alerts (service_key, reporting_year, as_of_date, previous_status)
values (%(service_key)s, %(reporting_year)s, %(as_of_date)s, %(previous_status)s)
on conflict do nothing
