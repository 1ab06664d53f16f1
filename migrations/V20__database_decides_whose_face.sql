-- The database decides whose face it is, and audit entries are written only by the functions
-- that do the audited thing (issue 18).
--
-- Until now record_face_verification(employee_id, 0.99, station, '1 hour') recorded a
-- confirmation for any employee, for as long as the caller asked, with no session: one SQL call
-- took goods in someone else's name. audit(…) wrote entries in anyone's name.
--
-- From here on a station sends the SFace embedding it computed (128 numbers) to face_verify():
-- the database needs a live session that may post, L2-normalises the embedding, compares it by
-- cosine with every active employee's stored SFace templates, names the best employee above a
-- threshold only the owner can change, refuses an exact replay of a stored template and more
-- than a set number of tries a minute per user (all of the user's sessions together), records
-- the verification with its own clock and a FIXED 5-minute validity, and audits every answer.
-- A refusal is one answer (a row of NULLs) whatever the reason; the reason is in the audit.
--
-- docs/security.md ("Faces") says what a holder of a stored template can still do.

ALTER TABLE security_settings
    -- SFace cosine similarity an embedding must reach (docs/face-threshold.md). The owner sets it
    -- (UPDATE security_settings SET face_threshold = …); a station's face.sface_threshold is only
    -- that station's own pre-check before it asks.
    ADD COLUMN face_threshold double precision NOT NULL DEFAULT 0.55 CHECK (face_threshold > 0 AND face_threshold < 1),
    -- Closer than this to a stored template is a copy of the template, not a new photo: two
    -- camera frames of the same face score 0.6–0.98 (docs/face-threshold.md), a copy 1.0.
    ADD COLUMN face_replay_limit double precision NOT NULL DEFAULT 0.999 CHECK (face_replay_limit > 0.99 AND face_replay_limit <= 1),
    -- Verification tries a minute per user, all their sessions and stations together.
    ADD COLUMN face_tries_per_minute integer NOT NULL DEFAULT 30 CHECK (face_tries_per_minute BETWEEN 1 AND 600);

-- Who asked for a confirmation (the session's user and session). NULL on rows from before V20
-- and on the owner's own (seeds, tests).
ALTER TABLE face_verifications ADD COLUMN user_id bigint REFERENCES users (id);
ALTER TABLE face_verifications ADD COLUMN session_id bigint REFERENCES sessions (id);

-- Every try, kept a day (the rate limit, and the near misses' scores); owner only.
CREATE TABLE face_attempts (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    session_id  bigint NOT NULL,
    user_id     bigint NOT NULL,
    station     text NOT NULL,
    outcome     text NOT NULL CHECK (outcome IN ('ok', 'not_recognised', 'replay', 'bad_embedding', 'rate_limited')),
    employee_id bigint,
    score       double precision
);
CREATE INDEX face_attempts_user ON face_attempts (user_id, at);
CREATE INDEX face_attempts_at ON face_attempts (at);

-- The confirmation of a face: returns the verification (id, employee, score, times) or, refused,
-- one row of NULLs. The reason of a refusal is in the audit log, never in the answer.
CREATE FUNCTION face_verify(p_embedding real[], p_station text)
RETURNS TABLE (id bigint, employee_id bigint, confidence double precision, station text, created_at timestamptz, expires_at timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_who      record;
    v_set      security_settings;
    v_station  text := coalesce(p_station, '');
    v_norm     double precision;
    v_employee bigint;
    v_score    double precision;
    v_tries    integer;
    v_outcome  text;
    v_ver      face_verifications;
BEGIN
    SELECT * INTO v_who FROM ombor_session_user();
    IF NOT EXISTS (SELECT 1 FROM role_permissions rp WHERE rp.role = v_who.role AND rp.action = 'post_movement') THEN
        RAISE EXCEPTION 'role % may not %', v_who.role, 'post_movement' USING ERRCODE = 'OMB02', DETAIL = 'post_movement';
    END IF;
    SELECT * INTO v_set FROM security_settings;
    -- One user's tries are counted one at a time: parallel calls cannot all pass the count.
    PERFORM pg_advisory_xact_lock(hashtext('ombor.face_verify'), (v_who.user_id % 2147483647)::integer);
    DELETE FROM face_attempts a WHERE a.at < now() - interval '1 day';
    SELECT count(*) INTO v_tries FROM face_attempts a WHERE a.user_id = v_who.user_id AND a.at > now() - interval '1 minute';
    IF v_tries >= v_set.face_tries_per_minute THEN
        v_outcome := 'rate_limited';
    ELSIF p_embedding IS NULL OR array_ndims(p_embedding) <> 1 OR cardinality(p_embedding) <> 128
          OR EXISTS (SELECT 1 FROM unnest(p_embedding) x WHERE x IS NULL OR x = 'NaN'::real OR x IN ('Infinity'::real, '-Infinity'::real)) THEN
        v_outcome := 'bad_embedding';
    ELSE
        SELECT sqrt(sum(x::float8 * x::float8)) INTO v_norm FROM unnest(p_embedding) x;
        IF v_norm < 1e-6 THEN
            v_outcome := 'bad_embedding';
        END IF;
    END IF;
    IF v_outcome IS NULL THEN
        -- Cosine with every stored SFace template of every active employee: face_templates.data
        -- holds cardinality(data) / dims templates of dims numbers, one after the other (V6);
        -- each template is normalised here too, whatever the station stored.
        WITH probe AS (
            SELECT u.o AS i, u.x::float8 / v_norm AS x FROM unnest(p_embedding) WITH ORDINALITY u(x, o)
        ), cells AS (
            SELECT t.employee_id AS emp, (d.o - 1) / t.dims AS k, (d.o - 1) % t.dims + 1 AS i, d.v::float8 AS v
              FROM face_templates t JOIN employees e ON e.id = t.employee_id AND e.active,
                   unnest(t.data) WITH ORDINALITY d(v, o)
             WHERE t.backend = 'sface' AND t.dims = 128
        ), per_template AS (
            SELECT c.emp, c.k, sum(c.v * p.x) / nullif(sqrt(sum(c.v * c.v)), 0) AS cos
              FROM cells c JOIN probe p ON p.i = c.i GROUP BY c.emp, c.k
        )
        SELECT pt.emp, max(pt.cos) INTO v_employee, v_score
          FROM per_template pt GROUP BY pt.emp ORDER BY 2 DESC NULLS LAST, 1 LIMIT 1;
        IF v_employee IS NULL OR v_score IS NULL OR v_score < v_set.face_threshold THEN
            v_outcome := 'not_recognised';
        ELSIF v_score > v_set.face_replay_limit THEN
            v_outcome := 'replay';
        ELSE
            v_outcome := 'ok';
        END IF;
    END IF;
    INSERT INTO face_attempts (session_id, user_id, station, outcome, employee_id, score)
    VALUES (v_who.session_id, v_who.user_id, v_station, v_outcome, v_employee, v_score);
    IF v_outcome <> 'ok' THEN
        -- The near miss (who, how close) stays in face_attempts, which only the owner reads:
        -- the audit log is readable by the application's role and must not be a score oracle.
        PERFORM audit('face.refused', jsonb_build_object('reason', v_outcome, 'session', v_who.session_id), v_station, v_who.user_id);
        RETURN QUERY SELECT NULL::bigint, NULL::bigint, NULL::double precision, NULL::text, NULL::timestamptz, NULL::timestamptz;
        RETURN;
    END IF;
    INSERT INTO face_verifications (employee_id, confidence, station, expires_at, user_id, session_id)
    VALUES (v_employee, v_score, v_station, now() + interval '5 minutes', v_who.user_id, v_who.session_id)
    RETURNING * INTO v_ver;
    PERFORM audit('face.verified',
        jsonb_build_object('verification', v_ver.id, 'employee', v_ver.employee_id, 'score', round(v_score::numeric, 4), 'session', v_who.session_id),
        v_station, v_who.user_id);
    RETURN QUERY SELECT v_ver.id, v_ver.employee_id, v_ver.confidence, v_ver.station, v_ver.created_at, v_ver.expires_at;
END $$;

-- What face_verify decides with (for `ombor doctor` and the stations' pre-check): nothing secret.
CREATE FUNCTION face_policy(OUT threshold double precision, OUT replay_limit double precision, OUT tries_per_minute integer, OUT validity interval)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT s.face_threshold, s.face_replay_limit, s.face_tries_per_minute, interval '5 minutes' FROM security_settings s
$$;

-- A logout's reason is one of two words: the audit action is 'logout.' || reason.
CREATE OR REPLACE FUNCTION auth_end_session(p_token_hash bytea, p_reason text, p_station text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    s sessions;
BEGIN
    IF p_reason IS NULL OR p_reason NOT IN ('manual', 'timeout') THEN
        RAISE EXCEPTION 'a logout is manual or a timeout' USING ERRCODE = 'OMB05';
    END IF;
    UPDATE sessions SET ended_at = now(), end_reason = p_reason
     WHERE token_hash = p_token_hash AND ended_at IS NULL RETURNING * INTO s;
    IF FOUND THEN
        PERFORM audit('logout.' || p_reason, jsonb_build_object('session', s.id), p_station, s.user_id);
    END IF;
END $$;

-- A bare employee id is no face: only the owner (seeds, tests, the bench) may still record one.
REVOKE ALL ON FUNCTION record_face_verification(bigint, double precision, text, interval) FROM PUBLIC, ombor_app;
-- audit() is the functions' own helper (they run as the owner), not the stations': every
-- overload, whatever migration made it.
DO $$
DECLARE
    f record;
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure AS signature
          FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = 'public' AND p.proname = 'audit'
    LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC, ombor_app', f.signature);
    END LOOP;
END
$$;
REVOKE ALL ON FUNCTION face_verify(real[], text), face_policy() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION face_verify(real[], text), face_policy() TO ombor_app;
