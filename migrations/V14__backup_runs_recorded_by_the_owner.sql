-- Backup runs are recorded only by the login that ran pg_dump (the database owner, or a
-- superuser), never by the application's role: with ombor_app alone nobody can record a "good"
-- backup that never happened, so the nightly catch-up and `ombor doctor` cannot be fooled into
-- believing a backup is fresh (issue 18). The function is unchanged but for its search_path.

REVOKE EXECUTE ON FUNCTION backup_record(timestamptz, timestamptz, text, text, bigint, text, text, text, text, text, jsonb, text) FROM ombor_app;
ALTER FUNCTION backup_record(timestamptz, timestamptz, text, text, bigint, text, text, text, text, text, jsonb, text)
    SET search_path = pg_catalog, public, pg_temp;
