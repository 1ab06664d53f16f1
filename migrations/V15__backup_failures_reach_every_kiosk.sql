-- A backup that failed before the owner's login could even connect (a wrong owner_url, the
-- owner's password changed, the server refusing it) must still reach every kiosk's banner, or a
-- warehouse learns of it only when it needs the backup. The application's role may record such a
-- FAILURE, and nothing else: a good run is still recorded only by the login that ran pg_dump
-- (V14), so nobody can make the nightly catch-up or `ombor doctor` believe a backup is fresh.

CREATE FUNCTION backup_record_failure(p_started timestamptz, p_finished timestamptz, p_error text, p_station text, p_problem text)
RETURNS backups
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    acting bigint;
    b      backups;
BEGIN
    IF coalesce(current_setting('ombor.session', true), '') <> '' THEN
        acting := ombor_require('backup');
    END IF;
    INSERT INTO backups (started_at, finished_at, status, error, station, user_id, problem)
    VALUES (p_started, greatest(p_started, p_finished), 'failed', left(coalesce(nullif(btrim(p_error), ''), 'failed'), 2000),
            left(p_station, 200), acting, p_problem)
    RETURNING * INTO b;
    PERFORM audit('backup.failed', jsonb_build_object('backup', b.id, 'error', b.error, 'problem', b.problem), p_station, acting);
    RETURN b;
END $$;

REVOKE ALL ON FUNCTION backup_record_failure(timestamptz, timestamptz, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION backup_record_failure(timestamptz, timestamptz, text, text, text) TO ombor_app;
