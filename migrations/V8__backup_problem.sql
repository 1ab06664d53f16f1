-- A failed backup's kind ('not_enough_space', 'pg_dump_failed', …) beside its English detail, so
-- every station's screen can say it in its user's language. Older rows have none: they are shown
-- with their detail only.

ALTER TABLE backups ADD COLUMN problem text CHECK (problem ~ '^[a-z_]{1,40}$');
ALTER TABLE backups ADD CHECK (status = 'failed' OR problem IS NULL);

DROP FUNCTION backup_record(timestamptz, timestamptz, text, text, bigint, text, text, text, text, text, jsonb);

-- Records one finished run and its audit entry ('backup.ok' / 'backup.failed').
CREATE FUNCTION backup_record(
    p_started timestamptz, p_finished timestamptz, p_status text, p_file text, p_bytes bigint, p_sha256 text,
    p_error text, p_pg_dump_version text, p_server_version text, p_station text, p_manifest jsonb, p_problem text
) RETURNS backups
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    acting bigint;
    b      backups;
BEGIN
    -- An admin's run is checked; the scheduled run has no session and acts as nobody.
    IF coalesce(current_setting('ombor.session', true), '') <> '' THEN
        acting := ombor_require('backup');
    END IF;
    INSERT INTO backups (started_at, finished_at, status, file, bytes, sha256, error, pg_dump_version, server_version, station, user_id, manifest, problem)
    VALUES (p_started, p_finished, p_status, p_file, p_bytes, p_sha256, p_error, p_pg_dump_version, p_server_version, p_station, acting, p_manifest, p_problem)
    RETURNING * INTO b;
    PERFORM audit('backup.' || p_status,
                  jsonb_build_object('backup', b.id, 'file', b.file, 'bytes', b.bytes, 'sha256', b.sha256, 'error', b.error, 'problem', b.problem),
                  p_station, acting);
    RETURN b;
END $$;

REVOKE ALL ON FUNCTION backup_record(timestamptz, timestamptz, text, text, bigint, text, text, text, text, text, jsonb, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION backup_record(timestamptz, timestamptz, text, text, bigint, text, text, text, text, text, jsonb, text) TO ombor_app;
