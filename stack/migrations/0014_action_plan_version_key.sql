-- 0014: one accepted action-plan file per institution and version (as 0007 does for plans
-- and submissions): two intakes running at once cannot both take the same version.
create unique index if not exists intake_files_action_plan_version_key
    on raw.intake_files (institution_code, version)
    where kind = 'action_plan' and outcome <> 'rejected';
