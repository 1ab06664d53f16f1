-- Foundation: the application's role and the installation record.
--
-- Two roles: the owner (runs these migrations, owns every object) and ombor_app (what the
-- running program connects as). ombor_app only gets what later migrations grant it, so it can
-- never UPDATE or DELETE history.

DO $$
BEGIN
    CREATE ROLE ombor_app LOGIN;
EXCEPTION
    -- Roles are cluster-wide: another database of the same cluster may have made it already.
    WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;

REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO ombor_app;

CREATE TABLE installation (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO installation DEFAULT VALUES;

GRANT SELECT ON installation TO ombor_app;
GRANT SELECT ON refinery_schema_history TO ombor_app;
