select * from raw.portal_requests where false
