-- Functions that run with the owner's rights read the owner's tables, never the caller's.
--
-- Until now every SECURITY DEFINER function had `SET search_path = public`. PostgreSQL searches
-- pg_temp FIRST when a path does not name it, so the application's role could create
-- `CREATE TEMP TABLE role_permissions (…)` (or sessions, users, stock, face_verifications…) and
-- the checked functions read the caller's table instead of the real one: a viewer posted, an
-- expired face confirmation counted, stock went negative.
--
-- Two layers from here on:
--   1. every SECURITY DEFINER function of the schema gets `pg_catalog, public, pg_temp` (pg_temp
--      LAST, named explicitly); a rule for every function created after this migration too;
--   2. the database keeps no TEMP privilege for PUBLIC or the application's role, so the shadow
--      tables cannot even be made. Database privileges are not copied by CREATE DATABASE …
--      TEMPLATE nor restored from a plain dump, so `ombor_harden_database()` is also run after
--      every `migrate` (the program calls it), not only here.

DO $$
DECLARE
    f record;
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure AS signature
          FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = 'public' AND p.prosecdef
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, public, pg_temp', f.signature);
    END LOOP;
END
$$;

-- Takes TEMP away from PUBLIC and the application's role on the current database (whatever it
-- is called). Owner only; idempotent; run by every `ombor migrate` and at every start.
CREATE FUNCTION ombor_harden_database() RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM ombor_app', current_database());
END $$;
REVOKE ALL ON FUNCTION ombor_harden_database() FROM PUBLIC;

SELECT ombor_harden_database();
