select last_modified, content_hash from audit.portal_resources where resource_id = %(resource_id)s
