-- A migrated Django user's first login goes through the same lockout as every login (V12).
--
-- Until now auth_legacy_login(user, password, new_hash, station) checked the password against the
-- Django hash and answered true/false at once, counting nothing: anyone holding the application's
-- login could guess a migrated user's password without limit (and each guess costs the server
-- 0.3–1.3 s of PBKDF2/bcrypt, so twenty at once also stall it). Now, as V12's auth_login does,
-- with the same counter (user_credentials.failed_logins: a migrated user has the random
-- credential the import gave them), the same limits (security_settings) and the same row lock:
--   * step 1, auth_legacy_attempt(username, password, new credential, station), refuses without
--     checking the hash while max_failed_logins failures are younger than the lockout; otherwise
--     it counts the attempt, checks the hash and answers only an attempt id — the same write
--     whatever the password, so nothing in the caller's transaction tells right from wrong;
--   * step 2, auth_legacy_upgrade(attempt) — a LATER transaction — reads the outcome once: a right
--     password replaces the Django hash by the station's new credential (salt, argon2id
--     parameters, sha256 verifier) and clears the count; the station then logs in as for anyone
--     (auth_login, auth_login_result). Anything else is `false`: unknown user, no Django hash,
--     wrong, locked, inactive alike.
-- Rolling step 1 back to erase a count gains nothing: its answer is not readable before commit.

-- Attempts waiting for their step 2 (owner only; the application's role gets nothing on it).
CREATE TABLE auth_legacy_attempts (
    id         uuid PRIMARY KEY,
    txid       bigint NOT NULL,
    user_id    bigint REFERENCES users (id),
    username   text NOT NULL,
    outcome    text NOT NULL CHECK (outcome IN ('ok', 'wrong', 'locked', 'unknown', 'inactive')),
    failures   integer NOT NULL DEFAULT 0,
    station    text NOT NULL,
    -- The credential the station made from the same password, applied only for 'ok'.
    salt       bytea,
    m_cost     integer,
    t_cost     integer,
    p_cost     integer,
    verifier   bytea,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_legacy_attempts_created ON auth_legacy_attempts (created_at);
REVOKE ALL ON auth_legacy_attempts FROM PUBLIC;

DROP FUNCTION auth_legacy_login(bigint, text, text, text);

-- Step 1. Returns an attempt id, whatever happened.
CREATE FUNCTION auth_legacy_attempt(p_username text, p_password text, p_salt bytea, p_m integer, p_t integer, p_p integer,
                                    p_verifier bytea, p_station text) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    s       security_settings;
    u       users;
    c       user_credentials;
    lp      legacy_passwords;
    attempt uuid := gen_random_uuid();
    outcome text;
    fails   integer := 0;
BEGIN
    SELECT * INTO s FROM security_settings;
    DELETE FROM auth_legacy_attempts WHERE created_at < now() - interval '10 minutes';
    SELECT * INTO u FROM users WHERE lower(username) = lower(p_username);
    IF FOUND THEN
        -- The row lock orders concurrent attempts (auth_login's too): the limit is checked
        -- against every earlier one.
        SELECT * INTO c FROM user_credentials WHERE user_id = u.id FOR UPDATE;
        SELECT * INTO lp FROM legacy_passwords WHERE user_id = u.id;
    END IF;
    IF u.id IS NULL OR c.user_id IS NULL OR lp.user_id IS NULL THEN
        outcome := 'unknown';
    ELSIF c.failed_logins >= s.max_failed_logins AND c.last_failed_at + s.lockout > now() THEN
        outcome := 'locked';
        fails := c.failed_logins;
    ELSE
        -- A lock that has run out starts the count again.
        fails := CASE WHEN c.failed_logins >= s.max_failed_logins THEN 0 ELSE c.failed_logins END + 1;
        outcome := CASE WHEN p_password IS NOT NULL AND length(p_password) <= 256 AND legacy_password_matches(p_password, lp.encoded)
                        THEN 'ok' ELSE 'wrong' END;
        IF outcome = 'ok' AND NOT u.active THEN
            outcome := 'inactive';
        END IF;
        -- Counted as a failure until the outcome is read: the same write for every password.
        UPDATE user_credentials SET failed_logins = fails, last_failed_at = now() WHERE user_id = u.id;
    END IF;
    INSERT INTO auth_legacy_attempts (id, txid, user_id, username, outcome, failures, station, salt, m_cost, t_cost, p_cost, verifier)
    VALUES (attempt, txid_current(), u.id, left(coalesce(p_username, ''), 64), outcome, fails, coalesce(p_station, ''),
            p_salt, p_m, p_t, p_p, p_verifier);
    PERFORM audit('login.legacy_attempt', jsonb_build_object('username', left(coalesce(p_username, ''), 64)), p_station, u.id);
    RETURN attempt::text;
END $$;

-- Step 2: the outcome of an attempt committed by an EARLIER transaction, read once. true: the
-- Django hash is gone and the new credential is in place (the station now logs in with it).
CREATE FUNCTION auth_legacy_upgrade(p_attempt text) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    s  security_settings;
    a  auth_legacy_attempts;
    lp legacy_passwords;
BEGIN
    SELECT * INTO s FROM security_settings;
    DELETE FROM auth_legacy_attempts x WHERE x.id::text = p_attempt RETURNING x.* INTO a;
    IF a.id IS NULL OR a.txid = txid_current() OR a.created_at < now() - interval '1 minute' THEN
        RETURN false;
    END IF;
    IF a.outcome <> 'ok' THEN
        PERFORM audit(CASE WHEN a.outcome = 'wrong' AND a.failures >= s.max_failed_logins THEN 'login.locked'
                           WHEN a.outcome = 'wrong' THEN 'login.failed'
                           ELSE 'login.refused' END,
                      jsonb_build_object('user', a.user_id, 'username', a.username, 'reason', a.outcome, 'failures', a.failures,
                                         'legacy', true),
                      a.station, a.user_id);
        RETURN false;
    END IF;
    SELECT l.* INTO lp FROM legacy_passwords l JOIN users u ON u.id = l.user_id WHERE l.user_id = a.user_id AND u.active FOR UPDATE OF l;
    IF NOT FOUND OR a.verifier IS NULL THEN
        RETURN false;
    END IF;
    -- The new credential; legacy_password_drop() deletes the Django hash with it.
    PERFORM auth_set_verifier(a.user_id, a.salt, a.m_cost, a.t_cost, a.p_cost, a.verifier);
    DELETE FROM legacy_passwords WHERE user_id = a.user_id;
    PERFORM audit('login.legacy_upgraded', jsonb_build_object('user', a.user_id, 'algorithm', lp.algorithm), a.station, a.user_id);
    RETURN true;
END $$;

REVOKE ALL ON FUNCTION auth_legacy_attempt(text, text, bytea, integer, integer, integer, bytea, text), auth_legacy_upgrade(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_legacy_attempt(text, text, bytea, integer, integer, integer, bytea, text), auth_legacy_upgrade(text) TO ombor_app;
