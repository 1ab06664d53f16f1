-- Backups: one row per backup run, successful or not, written once and never changed.
--
-- The program records a run through backup_record() (ombor_app has no INSERT on the table), which
-- writes the row and its audit entry together. The nightly run has no login session; a run an
-- admin starts carries the session and is checked against the `backup` permission.

CREATE TABLE backups (
    id              bigserial PRIMARY KEY,
    started_at      timestamptz NOT NULL,
    finished_at     timestamptz NOT NULL,
    status          text NOT NULL CHECK (status IN ('ok', 'failed')),
    -- The dump's file name inside the backup folder (NULL when the run failed before writing it).
    file            text CHECK (file ~ '^[A-Za-z0-9_.-]+$'),
    bytes           bigint CHECK (bytes >= 0),
    sha256          text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    error           text,
    pg_dump_version text,
    server_version  text,
    station         text NOT NULL,
    user_id         bigint REFERENCES users (id),
    -- The manifest written beside the dump (row counts, versions, face model checksum).
    manifest        jsonb,
    CHECK (finished_at >= started_at),
    CHECK (status = 'failed' OR (file IS NOT NULL AND bytes IS NOT NULL AND sha256 IS NOT NULL)),
    CHECK (status = 'ok' OR error IS NOT NULL)
);
CREATE INDEX backups_finished ON backups (finished_at);

CREATE TRIGGER backups_append_only BEFORE UPDATE OR DELETE ON backups FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER backups_no_truncate BEFORE TRUNCATE ON backups EXECUTE FUNCTION refuse_change();

-- Records one finished run and its audit entry ('backup.ok' / 'backup.failed').
CREATE FUNCTION backup_record(
    p_started timestamptz, p_finished timestamptz, p_status text, p_file text, p_bytes bigint, p_sha256 text,
    p_error text, p_pg_dump_version text, p_server_version text, p_station text, p_manifest jsonb
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
    INSERT INTO backups (started_at, finished_at, status, file, bytes, sha256, error, pg_dump_version, server_version, station, user_id, manifest)
    VALUES (p_started, p_finished, p_status, p_file, p_bytes, p_sha256, p_error, p_pg_dump_version, p_server_version, p_station, acting, p_manifest)
    RETURNING * INTO b;
    PERFORM audit('backup.' || p_status,
                  jsonb_build_object('backup', b.id, 'file', b.file, 'bytes', b.bytes, 'sha256', b.sha256, 'error', b.error),
                  p_station, acting);
    RETURN b;
END $$;

REVOKE ALL ON FUNCTION backup_record(timestamptz, timestamptz, text, text, bigint, text, text, text, text, text, jsonb) FROM PUBLIC;
GRANT SELECT ON backups TO ombor_app;
GRANT EXECUTE ON FUNCTION backup_record(timestamptz, timestamptz, text, text, bigint, text, text, text, text, text, jsonb) TO ombor_app;
