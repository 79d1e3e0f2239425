-- Portal loads run one at a time (held until the loading transaction ends): two loads of the
-- same year would otherwise race between reading the year's rows and swapping its partition.
select pg_advisory_xact_lock(hashtext('ingest.portal.load'))
