-- The database decides who is logged in (issue 18). Until now the station read the argon2id
-- hash through auth_lookup(), checked the password itself and asked auth_open_session(user_id)
-- for a session: anyone holding the application's login opened an admin session with one call.
--
-- From here on (docs/security.md has the reasoning):
--   * the station derives k = argon2id(password, salt, params) (slow, memory-hard, on the
--     station); the database stores only verifier = sha256(k) with the salt and params, in
--     user_credentials, which the application's role cannot read;
--   * auth_salt(username) gives the salt and params (a fake but stable salt for an unknown user);
--   * auth_login(username, k, station) counts the attempt and checks k, with the user's row
--     locked, against limits only the owner can change (security_settings), and answers only an
--     attempt id; auth_login_result(attempt, idle) — a LATER transaction — reads the outcome and,
--     when it is right, opens the session with a token the database makes. Two steps because a
--     caller can roll its own transaction back: with one call a wrong guess's count would vanish
--     with the rollback while its answer had already been read. Here the count is committed
--     before anyone can know the answer;
--   * one answer for an unknown user, a wrong password, a locked or disabled account;
--   * old argon2id PHC strings become verifiers right here (k is the raw argon2id output of the
--     PHC's own salt and params), so every password keeps working.

-- ---------------------------------------------------------------- owner-only settings

-- 32 random bytes from the server's strong random source (gen_random_uuid, PG 13+; 244 bits).
CREATE FUNCTION ombor_random_bytes() RETURNS bytea LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    SELECT sha256(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()))
$$;

CREATE TABLE security_settings (
    singleton         boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    -- Wrong passwords in a row before the account is locked, and for how long.
    max_failed_logins integer  NOT NULL DEFAULT 5 CHECK (max_failed_logins BETWEEN 3 AND 100),
    lockout           interval NOT NULL DEFAULT interval '5 minutes' CHECK (lockout BETWEEN interval '60 seconds' AND interval '1 day'),
    -- The longest idle time a station may ask for its sessions.
    max_session_idle  interval NOT NULL DEFAULT interval '12 hours' CHECK (max_session_idle BETWEEN interval '10 seconds' AND interval '7 days'),
    -- Keys the fake salts of unknown usernames (never leaves the database).
    secret            bytea    NOT NULL DEFAULT ombor_random_bytes() CHECK (length(secret) >= 32)
);
INSERT INTO security_settings DEFAULT VALUES;

-- ---------------------------------------------------------------- credentials

CREATE TABLE user_credentials (
    user_id        bigint PRIMARY KEY REFERENCES users (id),
    salt           bytea   NOT NULL CHECK (length(salt) BETWEEN 8 AND 64),
    -- argon2id, version 0x13: memory in KiB, passes, lanes, output length in bytes.
    m_cost         integer NOT NULL CHECK (m_cost BETWEEN 8192 AND 1048576),
    t_cost         integer NOT NULL CHECK (t_cost BETWEEN 1 AND 64),
    p_cost         integer NOT NULL CHECK (p_cost BETWEEN 1 AND 16),
    key_len        integer NOT NULL DEFAULT 32 CHECK (key_len BETWEEN 16 AND 64),
    verifier       bytea   NOT NULL CHECK (length(verifier) = 32),
    -- Attempts since the last good login (each attempt counts until it is known to be right).
    failed_logins  integer NOT NULL DEFAULT 0,
    last_failed_at timestamptz,
    changed_at     timestamptz NOT NULL DEFAULT now()
);

-- One row per login attempt between its two steps; read once, gone after ten minutes.
CREATE TABLE auth_attempts (
    id         uuid PRIMARY KEY,
    txid       bigint NOT NULL,
    user_id    bigint REFERENCES users (id),
    username   text NOT NULL,
    outcome    text NOT NULL CHECK (outcome IN ('ok', 'wrong', 'locked', 'unknown', 'inactive', 'no_verifier')),
    failures   integer NOT NULL DEFAULT 0,
    station    text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_attempts_created ON auth_attempts (created_at);

-- Standard base64 without padding (the PHC string's alphabet) to bytes.
CREATE FUNCTION ombor_unb64(p text) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
    SELECT decode(p || repeat('=', (4 - length(p) % 4) % 4), 'base64')
$$;

-- The old hashes: $argon2id$v=19$m=M,t=T,p=P$SALT$HASH → salt, params, sha256(HASH bytes).
INSERT INTO user_credentials (user_id, salt, m_cost, t_cost, p_cost, key_len, verifier, changed_at)
SELECT u.id, ombor_unb64(m[4]), m[1]::integer, m[2]::integer, m[3]::integer, length(ombor_unb64(m[5])), sha256(ombor_unb64(m[5])),
       u.password_changed_at
  FROM users u,
       regexp_match(u.password_hash, '^\$argon2id\$v=19\$m=([0-9]{4,7}),t=([0-9]{1,2}),p=([0-9]{1,2})\$([A-Za-z0-9+/]{11,86})\$([A-Za-z0-9+/]{22,86})$') m
 WHERE m IS NOT NULL
   AND m[1]::integer BETWEEN 8192 AND 1048576 AND m[2]::integer BETWEEN 1 AND 64 AND m[3]::integer BETWEEN 1 AND 16
   AND length(ombor_unb64(m[4])) BETWEEN 8 AND 64 AND length(ombor_unb64(m[5])) BETWEEN 16 AND 64;

-- What stays in password_hash is a hash this database cannot check (another version or params):
-- that user logs in after an admin sets a new password (docs/security.md). Converted ones are
-- emptied: the raw argon2id output is the key itself and must not be kept beside its verifier.
-- The column stays for legacy hashes checked in SQL at first login (the Django import).
ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL;
ALTER TABLE users DROP CONSTRAINT users_password_hash_check;
UPDATE users SET password_hash = NULL WHERE id IN (SELECT user_id FROM user_credentials);

-- The counter and the lock now live in user_credentials (owner only); users.failed_logins and
-- users.locked_until are no longer written (kept for the functions of later migrations that
-- still name them).

-- An argon2id PHC string written into password_hash later (a station's new hash after a legacy
-- check in SQL, V17) becomes a credential the same way, and the column is emptied again.
CREATE FUNCTION users_password_hash_to_credential() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    m text[];
BEGIN
    m := regexp_match(NEW.password_hash, '^\$argon2id\$v=19\$m=([0-9]{4,7}),t=([0-9]{1,2}),p=([0-9]{1,2})\$([A-Za-z0-9+/]{11,86})\$([A-Za-z0-9+/]{22,86})$');
    IF m IS NULL OR NOT (m[1]::integer BETWEEN 8192 AND 1048576 AND m[2]::integer BETWEEN 1 AND 64 AND m[3]::integer BETWEEN 1 AND 16
                         AND length(ombor_unb64(m[4])) BETWEEN 8 AND 64 AND length(ombor_unb64(m[5])) BETWEEN 16 AND 64) THEN
        RETURN NULL;
    END IF;
    INSERT INTO user_credentials (user_id, salt, m_cost, t_cost, p_cost, key_len, verifier, failed_logins, last_failed_at, changed_at)
    VALUES (NEW.id, ombor_unb64(m[4]), m[1]::integer, m[2]::integer, m[3]::integer, length(ombor_unb64(m[5])), sha256(ombor_unb64(m[5])), 0, NULL, now())
    ON CONFLICT (user_id) DO UPDATE
        SET salt = EXCLUDED.salt, m_cost = EXCLUDED.m_cost, t_cost = EXCLUDED.t_cost, p_cost = EXCLUDED.p_cost,
            key_len = EXCLUDED.key_len, verifier = EXCLUDED.verifier, failed_logins = 0, last_failed_at = NULL, changed_at = now();
    UPDATE users SET password_hash = NULL WHERE id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER users_password_hash_to_credential AFTER INSERT OR UPDATE OF password_hash ON users
    FOR EACH ROW WHEN (NEW.password_hash IS NOT NULL) EXECUTE FUNCTION users_password_hash_to_credential();

-- ---------------------------------------------------------------- the functions

-- HMAC-SHA256 (RFC 2104) with the built-in sha256, for the fake salts.
CREATE FUNCTION ombor_hmac_sha256(p_key bytea, p_message bytea) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    k    bytea := CASE WHEN length(p_key) > 64 THEN sha256(p_key) ELSE p_key END;
    ipad bytea;
    opad bytea;
BEGIN
    k := k || decode(repeat('00', 64 - length(k)), 'hex');
    ipad := k;
    opad := k;
    FOR i IN 0..63 LOOP
        ipad := set_byte(ipad, i, get_byte(k, i) # 54);
        opad := set_byte(opad, i, get_byte(k, i) # 92);
    END LOOP;
    RETURN sha256(opad || sha256(ipad || p_message));
END $$;

-- Salt and argon2id parameters for a username. An unknown username (or one without a verifier)
-- gets a salt made from the server's secret and the name, so it is the same at every call, with
-- the parameters of the newest real credential: the answer looks like any user's.
CREATE FUNCTION auth_salt(p_username text)
RETURNS TABLE (salt bytea, m_cost integer, t_cost integer, p_cost integer, key_len integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    RETURN QUERY SELECT c.salt, c.m_cost, c.t_cost, c.p_cost, c.key_len
                   FROM users u JOIN user_credentials c ON c.user_id = u.id
                  WHERE lower(u.username) = lower(p_username);
    IF NOT FOUND THEN
        RETURN QUERY SELECT substring(ombor_hmac_sha256(s.secret, convert_to(lower(coalesce(p_username, '')), 'UTF8')) FROM 1 FOR 16),
                            coalesce(n.m_cost, 19456), coalesce(n.t_cost, 2), coalesce(n.p_cost, 1), coalesce(n.key_len, 32)
                       FROM security_settings s
                       LEFT JOIN LATERAL (SELECT * FROM user_credentials ORDER BY changed_at DESC LIMIT 1) n ON true;
    END IF;
END $$;

-- Step 1 of a login: counts the attempt and checks the key, with the credential row locked, and
-- answers only an attempt id. Nothing the caller can see differs between a right and a wrong
-- key until this transaction has committed (auth_login_result reads the outcome later).
CREATE FUNCTION auth_login(p_username text, p_key bytea, p_station text) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    s       security_settings;
    u       users;
    c       user_credentials;
    attempt uuid := gen_random_uuid();
    outcome text;
    fails   integer := 0;
BEGIN
    SELECT * INTO s FROM security_settings;
    DELETE FROM auth_attempts WHERE created_at < now() - interval '10 minutes';
    SELECT * INTO u FROM users WHERE lower(username) = lower(p_username);
    IF NOT FOUND THEN
        outcome := 'unknown';
    ELSE
        -- The row lock orders concurrent attempts: the limit is checked against every earlier one.
        SELECT * INTO c FROM user_credentials WHERE user_id = u.id FOR UPDATE;
        IF NOT FOUND THEN
            outcome := 'no_verifier';
        ELSIF c.failed_logins >= s.max_failed_logins AND c.last_failed_at + s.lockout > now() THEN
            outcome := 'locked';
            fails := c.failed_logins;
        ELSE
            -- A lock that has run out starts the count again.
            fails := CASE WHEN c.failed_logins >= s.max_failed_logins THEN 0 ELSE c.failed_logins END + 1;
            outcome := CASE WHEN p_key IS NOT NULL AND sha256(p_key) = c.verifier THEN 'ok' ELSE 'wrong' END;
            IF outcome = 'ok' AND NOT u.active THEN
                outcome := 'inactive';
            END IF;
            -- Counted as a failure until the outcome is read: the same write for every key.
            UPDATE user_credentials SET failed_logins = fails, last_failed_at = now() WHERE user_id = u.id;
        END IF;
    END IF;
    INSERT INTO auth_attempts (id, txid, user_id, username, outcome, failures, station)
    VALUES (attempt, txid_current(), u.id, left(coalesce(p_username, ''), 64), outcome, fails, coalesce(p_station, ''));
    PERFORM audit('login.attempt', jsonb_build_object('username', left(coalesce(p_username, ''), 64)), p_station, u.id);
    RETURN attempt::text;
END $$;

-- Step 2: the outcome of an attempt committed by an EARLIER transaction, read once. A right key
-- ends the count and opens a session: the token is made here, returned once, and only its
-- sha256 is kept. Anything else returns no row's token (the station says "wrong username or
-- password", whatever the reason; the reason is in the audit log).
CREATE FUNCTION auth_login_result(p_attempt text, p_idle interval)
RETURNS TABLE (token bytea, user_id bigint, role user_role, username text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    s     security_settings;
    a     auth_attempts;
    u     users;
    t     bytea;
    sid   bigint;
    idle  interval;
BEGIN
    SELECT * INTO s FROM security_settings;
    DELETE FROM auth_attempts x WHERE x.id::text = p_attempt RETURNING x.* INTO a;
    IF a.id IS NULL OR a.txid = txid_current() OR a.created_at < now() - interval '1 minute' THEN
        -- No such attempt, the same transaction as the attempt (its count is not committed), or stale.
        RETURN QUERY SELECT NULL::bytea, NULL::bigint, NULL::user_role, NULL::text;
        RETURN;
    END IF;
    IF a.outcome <> 'ok' THEN
        PERFORM audit(CASE WHEN a.outcome = 'wrong' AND a.failures >= s.max_failed_logins THEN 'login.locked'
                           WHEN a.outcome = 'wrong' THEN 'login.failed'
                           ELSE 'login.refused' END,
                      jsonb_build_object('user', a.user_id, 'username', a.username, 'reason', a.outcome, 'failures', a.failures),
                      a.station, a.user_id);
        RETURN QUERY SELECT NULL::bytea, NULL::bigint, NULL::user_role, NULL::text;
        RETURN;
    END IF;
    SELECT * INTO u FROM users x WHERE x.id = a.user_id AND x.active;
    IF NOT FOUND THEN
        RETURN QUERY SELECT NULL::bytea, NULL::bigint, NULL::user_role, NULL::text;
        RETURN;
    END IF;
    UPDATE user_credentials SET failed_logins = 0, last_failed_at = NULL WHERE user_credentials.user_id = u.id;
    idle := least(greatest(coalesce(p_idle, interval '5 minutes'), interval '1 second'), s.max_session_idle);
    t := ombor_random_bytes();
    INSERT INTO sessions (token_hash, user_id, station, idle_timeout) VALUES (sha256(t), u.id, a.station, idle) RETURNING id INTO sid;
    PERFORM audit('login.ok', jsonb_build_object('session', sid), a.station, u.id);
    RETURN QUERY SELECT t, u.id, u.role, u.username;
END $$;

-- Sets a user's credential: salt, argon2id parameters and verifier = sha256(k). Internal (the
-- application's role cannot call it): user_create and user_update call it after their checks,
-- and so can a SECURITY DEFINER function that has just checked a legacy hash in SQL (the Django
-- import's first login). Clears the legacy hash, the failure count and the lock.
CREATE FUNCTION auth_set_verifier(p_user bigint, p_salt bytea, p_m integer, p_t integer, p_p integer, p_verifier bytea) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF p_salt IS NULL OR p_verifier IS NULL OR p_m IS NULL OR p_t IS NULL OR p_p IS NULL THEN
        RAISE EXCEPTION 'a credential needs salt, parameters and verifier' USING ERRCODE = 'OMB05';
    END IF;
    INSERT INTO user_credentials (user_id, salt, m_cost, t_cost, p_cost, key_len, verifier, failed_logins, last_failed_at, changed_at)
    VALUES (p_user, p_salt, p_m, p_t, p_p, 32, p_verifier, 0, NULL, now())
    ON CONFLICT (user_id) DO UPDATE
        SET salt = EXCLUDED.salt, m_cost = EXCLUDED.m_cost, t_cost = EXCLUDED.t_cost, p_cost = EXCLUDED.p_cost,
            key_len = 32, verifier = EXCLUDED.verifier, failed_logins = 0, last_failed_at = NULL, changed_at = now();
    UPDATE users SET password_hash = NULL, password_changed_at = now() WHERE id = p_user;
END $$;

-- Who is locked out now (the admin's user list). manage_users only.
CREATE FUNCTION auth_locked_users() RETURNS TABLE (user_id bigint, locked_until timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM ombor_require('manage_users');
    RETURN QUERY SELECT c.user_id, c.last_failed_at + s.lockout
                   FROM user_credentials c, security_settings s
                  WHERE c.failed_logins >= s.max_failed_logins AND c.last_failed_at + s.lockout > now();
END $$;

-- User management: the client sends salt, parameters and verifier, never the password.
DROP FUNCTION user_create(text, text, user_role, text);
CREATE FUNCTION user_create(p_username text, p_salt bytea, p_m integer, p_t integer, p_p integer, p_verifier bytea, p_role user_role, p_station text)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    acting bigint;
    new_id bigint;
BEGIN
    -- Serialises first-admin creation: two kiosks cannot both make "the first" admin.
    LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE;
    IF EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND active) THEN
        acting := ombor_require('manage_users');
    ELSIF p_role <> 'admin' THEN
        RAISE EXCEPTION 'the first user must be an admin' USING ERRCODE = 'OMB02', DETAIL = 'manage_users';
    END IF;
    IF EXISTS (SELECT 1 FROM users WHERE lower(username) = lower(p_username)) THEN
        RAISE EXCEPTION 'user % already exists', p_username USING ERRCODE = 'OMB11';
    END IF;
    INSERT INTO users (username, password_hash, role) VALUES (p_username, NULL, p_role) RETURNING id INTO new_id;
    PERFORM auth_set_verifier(new_id, p_salt, p_m, p_t, p_p, p_verifier);
    PERFORM audit('user.create', jsonb_build_object('user', new_id, 'username', p_username, 'role', p_role), p_station, acting);
    RETURN new_id;
END $$;

DROP FUNCTION user_update(text, text, user_role, boolean, text);
CREATE FUNCTION user_update(p_username text, p_salt bytea, p_m integer, p_t integer, p_p integer, p_verifier bytea,
                            p_role user_role, p_active boolean, p_station text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    acting bigint := ombor_require('manage_users');
    target users;
    new_password boolean := p_verifier IS NOT NULL;
BEGIN
    SELECT * INTO target FROM users WHERE lower(username) = lower(p_username) FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'user % not found', p_username USING ERRCODE = 'OMB06';
    END IF;
    -- Never leave the warehouse without an active admin.
    IF target.role = 'admin' AND target.active AND (coalesce(p_role, target.role) <> 'admin' OR p_active IS FALSE)
       AND NOT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND active AND id <> target.id) THEN
        RAISE EXCEPTION 'the last active admin cannot be demoted or disabled' USING ERRCODE = 'OMB12';
    END IF;
    IF new_password THEN
        PERFORM auth_set_verifier(target.id, p_salt, p_m, p_t, p_p, p_verifier);
    END IF;
    UPDATE users SET role = coalesce(p_role, role), active = coalesce(p_active, active) WHERE id = target.id;
    IF p_active IS FALSE OR new_password THEN
        UPDATE sessions SET ended_at = now(), end_reason = 'account_changed' WHERE user_id = target.id AND ended_at IS NULL;
    END IF;
    PERFORM audit(CASE WHEN new_password THEN 'user.password' WHEN p_active IS NOT NULL THEN 'user.active' ELSE 'user.role' END,
                  jsonb_build_object('user', target.id, 'role', p_role, 'active', p_active), p_station, acting);
    RETURN target.id;
END $$;

-- ---------------------------------------------------------------- privileges

-- Nothing hands a hash, a verifier or a session for a bare user id to the application's role.
DROP FUNCTION auth_lookup(text);
DROP FUNCTION auth_failed(bigint, integer, interval, text);
REVOKE ALL ON FUNCTION auth_open_session(bigint, bytea, text, interval) FROM ombor_app;
REVOKE ALL ON FUNCTION ombor_random_bytes(), ombor_unb64(text), ombor_hmac_sha256(bytea, bytea), users_password_hash_to_credential(),
    auth_set_verifier(bigint, bytea, integer, integer, integer, bytea) FROM PUBLIC;
REVOKE ALL ON FUNCTION auth_salt(text), auth_login(text, bytea, text), auth_login_result(text, interval), auth_locked_users(),
    user_create(text, bytea, integer, integer, integer, bytea, user_role, text),
    user_update(text, bytea, integer, integer, integer, bytea, user_role, boolean, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_salt(text), auth_login(text, bytea, text), auth_login_result(text, interval), auth_locked_users(),
    user_create(text, bytea, integer, integer, integer, bytea, user_role, text),
    user_update(text, bytea, integer, integer, integer, bytea, user_role, boolean, text) TO ombor_app;
