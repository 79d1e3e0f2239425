-- 0008: least privilege. Four roles, one per job; the owner (the role running migrations)
-- only migrates:
--   loader       writes raw and audit load bookkeeping; owns the raw tables it replaces
--   transformer  reads raw and audit, owns staging / intermediate / marts / reference (dbt)
--   publisher    reads marts (and what the extract still reads elsewhere) and writes the
--                submission log; never a submitter's name or e-mail
--   bi_reader    reads marts (0004 and the dbt grants)
-- On the embedded server and in the compose deployment the roles exist already as login roles
-- with passwords (stack/warehouse.py, deploy/warehouse-init.sh) and the owner may act as each.
-- Elsewhere this migration creates them NOLOGIN when the owner may create roles; an
-- administrator then gives them LOGIN and passwords.
do $$
declare
    wanted text;
begin
    foreach wanted in array array['loader', 'transformer', 'publisher', 'bi_reader'] loop
        if not exists (select from pg_roles where rolname = wanted) then
            begin
                execute format('create role %I nologin', wanted);
                execute format('grant %I to current_user with inherit true, set true', wanted);
            exception when insufficient_privilege then
                raise exception 'role % does not exist and % may not create it: ask an '
                    'administrator to create the roles loader, transformer, publisher and '
                    'bi_reader (see deploy/warehouse-init.sh) and grant them to %',
                    wanted, current_user, current_user;
            end;
        end if;
        if wanted <> 'bi_reader' and not pg_has_role(current_user, wanted, 'set') then
            raise exception '% must be able to act as % to hand it its objects: as an '
                'administrator, grant % to % with set true', current_user, wanted, wanted,
                current_user;
        end if;
    end loop;
    execute format('grant connect on database %I to loader, transformer, publisher',
                   current_database());
    -- Temporary tables: the portal loader stages files in them, dbt's incremental models too.
    execute format('grant temporary on database %I to loader, transformer', current_database());
end
$$;

-- Loader: raw and the load bookkeeping. It may create in raw: bulk loads build a period's
-- partition beside the table and swap it in (and a new owner needs CREATE on the schema).
grant usage, create on schema raw to loader;
grant usage on schema audit to loader;
grant select, insert, update, delete on all tables in schema raw to loader;
grant usage on all sequences in schema raw to loader;
grant select, insert, update on audit.load_batches, audit.portal_resources to loader;
grant select, insert, update, delete on audit.portal_batch_periods to loader;
alter table raw.portal_requests owner to loader;  -- replaced by partition in bulk loads

-- Transformer: reads raw and audit, records its builds, owns what dbt builds.
grant usage on schema raw, audit to transformer;
grant select on all tables in schema raw to transformer;
grant select on all tables in schema audit to transformer;
grant insert on audit.dbt_builds to transformer;
do $$
declare
    layer text;
    object record;
begin
    foreach layer in array array['staging', 'intermediate', 'marts', 'reference'] loop
        execute format('create schema if not exists %I authorization transformer', layer);
        execute format('alter schema %I owner to transformer', layer);
        for object in
            select c.relname, c.relkind
            from pg_class as c
            inner join pg_namespace as n on n.oid = c.relnamespace
            where n.nspname = layer and c.relkind in ('r', 'v', 'm', 'p')
        loop
            execute format(
                'alter %s %I.%I owner to transformer',
                case object.relkind when 'v' then 'view' when 'm' then 'materialized view'
                    else 'table' end,
                layer, object.relname
            );
        end loop;
    end loop;
end
$$;

-- Publisher: the marts and what the extract reads (dbt grants it select on each model it
-- builds); intake files without the submitter's personal data; the submission log.
grant usage on schema marts, intermediate, raw, audit to publisher;
grant select on all tables in schema marts to publisher;
grant select on all tables in schema intermediate to publisher;
grant select (
    file_id, kind, original_name, file_format, sha256, institution_code, reporting_year,
    project_id, version, outcome, received_at, declared_received_date,
    received_date_is_approximate, rows_total, rows_with_errors, warnings, batch_id, loaded_at,
    is_synthetic
) on raw.intake_files to publisher;
grant select on raw.portal_requests to publisher;
grant select on audit.load_batches, audit.dbt_builds to publisher;
grant select, insert on audit.submission_log to publisher;
grant usage on all sequences in schema audit to publisher;
grant usage on schema marts to bi_reader;
