-- Moving in from a Django warehouse application (`ombor import django`): its catalogue, its
-- history as movements of their own kind, its stock, its users (with their Django password
-- hashes, verified here at their first login) and its employees — in one transaction.
--
-- What this adds:
--   * movements.origin: NULL for a movement posted here (a face, or an admin's reversal);
--     'imported' for the old system's history (original time, kind, quantity, product, the old
--     employee's and user's names and ids in `legacy`, reversal links kept); 'opening' for the
--     one opening-balance movement per product that makes the stock equal the old system's
--     stock where the history does not sum to it. Both are in the hash chain like any other
--     movement and just as append-only; neither needs a face: the documented, audited
--     exception to the face rule, made only inside import_apply (admin session + 'import').
--   * import_runs (who imported what, when, with which result) and import_keys (the old
--     system's ids → ours: running the import again imports nothing twice).
--   * legacy_passwords: the Django hashes, readable by the owner only. auth_legacy_login
--     verifies one (pbkdf2_sha256, pbkdf2_sha1 with pgcrypto's hmac; bcrypt_sha256 with
--     crypt()), stores the station's new argon2id hash in the same step and deletes the old one.
--
-- Every function that runs with the owner's rights: SET search_path = pg_catalog, public, pg_temp.

CREATE EXTENSION IF NOT EXISTS pgcrypto;

INSERT INTO role_permissions (role, action) VALUES ('admin', 'import') ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------- runs and keys

CREATE TABLE import_runs (
    id          bigserial PRIMARY KEY,
    -- What the old ids belong to, e.g. 'django:sklad' (the app of the product model).
    source      text NOT NULL CHECK (length(source) BETWEEN 1 AND 200),
    -- Where it was read from: a file path or a URL without its password.
    location    text NOT NULL,
    user_id     bigint NOT NULL REFERENCES users (id),
    station     text NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now(),
    applied_at  timestamptz,
    summary     jsonb
);

CREATE TABLE import_keys (
    source     text NOT NULL,
    entity     text NOT NULL CHECK (entity IN ('category', 'product', 'employee', 'user', 'movement')),
    source_id  text NOT NULL,
    local_id   bigint NOT NULL,
    -- false: the old row was matched to one that existed here already (same name).
    created    boolean NOT NULL,
    run_id     bigint NOT NULL REFERENCES import_runs (id),
    PRIMARY KEY (source, entity, source_id)
);
CREATE INDEX import_keys_local ON import_keys (entity, local_id);

-- ---------------------------------------------------------------- movements of the old system

ALTER TABLE movements
    ADD COLUMN origin text CHECK (origin IN ('imported', 'opening')),
    ADD COLUMN import_run bigint REFERENCES import_runs (id),
    ADD COLUMN legacy jsonb;
-- The old system's movements do not always name an employee; ours always do.
ALTER TABLE movements ALTER COLUMN employee_id DROP NOT NULL;
ALTER TABLE movements DROP CONSTRAINT movements_check;
ALTER TABLE movements
    ADD CONSTRAINT movements_allowed CHECK (verification_id IS NOT NULL OR (reverses_id IS NOT NULL AND note IS NOT NULL) OR origin IS NOT NULL),
    ADD CONSTRAINT movements_employee CHECK (employee_id IS NOT NULL OR origin IS NOT NULL),
    ADD CONSTRAINT movements_import CHECK ((origin IS NULL) = (import_run IS NULL));
CREATE INDEX movements_import_run ON movements (import_run) WHERE import_run IS NOT NULL;

-- The hash covers the new fields too. concat_ws skips NULLs and employee_id was never NULL
-- before, so every movement posted before this migration keeps exactly its hash.
CREATE OR REPLACE FUNCTION movement_hash(m movements) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(coalesce(m.prev_hash, '\x'::bytea) || convert_to(concat_ws('|',
        m.id, m.product_id, m.kind, trim_scale(m.quantity), coalesce(m.employee_id::text, '-'), m.user_id,
        coalesce(m.verification_id::text, '-'), coalesce(m.reverses_id::text, '-'),
        coalesce(m.note, ''), m.station, (extract(epoch FROM m.created_at) * 1000000)::bigint,
        m.origin, m.import_run, m.legacy::text), 'UTF8'))
$$;

-- ---------------------------------------------------------------- legacy passwords

CREATE TABLE legacy_passwords (
    user_id     bigint PRIMARY KEY REFERENCES users (id),
    algorithm   text NOT NULL CHECK (algorithm IN ('pbkdf2_sha256', 'pbkdf2_sha1', 'bcrypt_sha256')),
    -- Django's encoded form, e.g. pbkdf2_sha256$600000$salt$base64hash.
    encoded     text NOT NULL,
    run_id      bigint NOT NULL REFERENCES import_runs (id),
    imported_at timestamptz NOT NULL DEFAULT now()
);
-- The application's role gets nothing on it (V2 revoked everything; nothing is granted here).

-- PBKDF2-HMAC as Django computes it: one block (the digest's length), XOR of the iterations.
CREATE FUNCTION legacy_pbkdf2_matches(p_password text, p_salt text, p_iterations integer, p_digest text, p_expected bytea)
RETURNS boolean LANGUAGE plpgsql IMMUTABLE STRICT SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    key bytea := convert_to(p_password, 'UTF8');
    u   bytea;
    acc bit varying;
BEGIN
    IF p_iterations < 1 OR p_iterations > 10000000 THEN
        RETURN false;
    END IF;
    u := hmac(convert_to(p_salt, 'UTF8') || '\x00000001'::bytea, key, p_digest);
    acc := ('x' || encode(u, 'hex'))::bit varying;
    FOR i IN 2..p_iterations LOOP
        u := hmac(u, key, p_digest);
        acc := acc # ('x' || encode(u, 'hex'))::bit varying;
    END LOOP;
    RETURN acc = ('x' || encode(p_expected, 'hex'))::bit varying;
END $$;

-- Does `p_password` match a Django-encoded hash? pbkdf2_sha256 / pbkdf2_sha1 / bcrypt_sha256.
CREATE FUNCTION legacy_password_matches(p_password text, p_encoded text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    part text[] := string_to_array(p_encoded, '$');
    bc   text;
BEGIN
    IF part[1] IN ('pbkdf2_sha256', 'pbkdf2_sha1') AND cardinality(part) = 4 AND part[2] ~ '^[0-9]{1,8}$' THEN
        RETURN legacy_pbkdf2_matches(p_password, part[3], part[2]::integer,
                                     CASE part[1] WHEN 'pbkdf2_sha256' THEN 'sha256' ELSE 'sha1' END, decode(part[4], 'base64'));
    ELSIF part[1] = 'bcrypt_sha256' THEN
        -- Django: bcrypt over the hex sha256 of the password; its `$2b$` is pgcrypto's `$2a$`
        -- for inputs of 64 ASCII characters.
        bc := substr(p_encoded, length('bcrypt_sha256$') + 1);
        bc := regexp_replace(bc, '^\$2[by]\$', '$2a$');
        RETURN crypt(encode(digest(convert_to(p_password, 'UTF8'), 'sha256'), 'hex'), bc) = bc;
    END IF;
    RETURN false;
END $$;

-- Which Django hasher a user still has to log in with (NULL: none). The station asks before it
-- sends a password for auth_legacy_login.
CREATE FUNCTION auth_legacy_pending(p_user bigint) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT algorithm FROM legacy_passwords WHERE user_id = p_user
$$;

-- A migrated user's first login: checks the password against the Django hash; when it
-- matches, the new argon2id hash (made by the station from the same password) replaces it in
-- the same step and the Django hash is deleted. false for a wrong password (the caller counts
-- it with auth_failed as for any other), for a locked or inactive account, or no legacy hash.
CREATE FUNCTION auth_legacy_login(p_user bigint, p_password text, p_new_hash text, p_station text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    lp legacy_passwords;
BEGIN
    SELECT l.* INTO lp FROM legacy_passwords l JOIN users u ON u.id = l.user_id
     WHERE l.user_id = p_user AND u.active AND (u.locked_until IS NULL OR u.locked_until <= now())
       FOR UPDATE OF l;
    IF NOT FOUND OR p_password IS NULL OR length(p_password) > 256 THEN
        RETURN false;
    END IF;
    IF NOT legacy_password_matches(p_password, lp.encoded) THEN
        RETURN false;
    END IF;
    UPDATE users SET password_hash = p_new_hash, password_changed_at = now() WHERE id = p_user;
    DELETE FROM legacy_passwords WHERE user_id = p_user;
    PERFORM audit('login.legacy_upgraded', jsonb_build_object('user', p_user, 'algorithm', lp.algorithm), p_station, p_user);
    RETURN true;
END $$;

-- A new password set by an admin replaces a pending Django hash too.
CREATE FUNCTION legacy_password_drop() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    DELETE FROM legacy_passwords WHERE user_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER users_password_changed AFTER UPDATE OF password_hash ON users
    FOR EACH ROW WHEN (OLD.password_hash IS DISTINCT FROM NEW.password_hash) EXECUTE FUNCTION legacy_password_drop();

-- ---------------------------------------------------------------- the import itself

-- Opens a run: checks the admin session's 'import' right and makes the session's staging
-- tables (dropped at the end of the transaction). The station fills them with COPY and calls
-- import_apply in the same transaction.
CREATE FUNCTION import_begin(p_source text, p_location text, p_station text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    acting bigint := ombor_require('import');
    run    bigint;
BEGIN
    INSERT INTO import_runs (source, location, user_id, station) VALUES (p_source, p_location, acting, p_station) RETURNING id INTO run;
    CREATE TEMP TABLE import_units (code text NOT NULL, name text NOT NULL, decimals smallint NOT NULL) ON COMMIT DROP;
    CREATE TEMP TABLE import_categories (source_id text NOT NULL, name text NOT NULL, parent_source_id text) ON COMMIT DROP;
    CREATE TEMP TABLE import_products (
        source_id text NOT NULL, sku text NOT NULL, qr_code text NOT NULL, name text NOT NULL, category_source_id text,
        unit text NOT NULL, min_stock numeric NOT NULL, active boolean NOT NULL, stock numeric) ON COMMIT DROP;
    CREATE TEMP TABLE import_employees (source_id text NOT NULL, full_name text NOT NULL, personnel_no text, active boolean NOT NULL) ON COMMIT DROP;
    CREATE TEMP TABLE import_users (
        source_id text NOT NULL, username text NOT NULL, role text NOT NULL, active boolean NOT NULL,
        algorithm text, encoded text) ON COMMIT DROP;
    CREATE TEMP TABLE import_movements (
        source_id text NOT NULL, product_source_id text NOT NULL, kind text NOT NULL, quantity numeric NOT NULL,
        at timestamptz NOT NULL, employee_source_id text, user_source_id text, reverses_source_id text, note text,
        legacy jsonb NOT NULL) ON COMMIT DROP;
    GRANT INSERT ON pg_temp.import_units, pg_temp.import_categories, pg_temp.import_products, pg_temp.import_employees,
                    pg_temp.import_users, pg_temp.import_movements TO ombor_app;
    RETURN run;
END $$;

-- Writes what the staging tables hold. Rows whose old id is already in import_keys are left
-- alone. Returns what it did, per table.
CREATE FUNCTION import_apply(p_run bigint) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    acting  bigint := ombor_require('import');
    r       import_runs;
    src     text;
    n       bigint;
    done jsonb := '{}';
    rec     record;
    new_id  bigint;
    m       movements;
    prev    bytea;
    cur_product bigint := NULL;
    ids     bigint[] := '{}';
    prevs   bytea[] := '{}';
    hashes  bytea[] := '{}';
BEGIN
    SELECT * INTO r FROM import_runs WHERE id = p_run FOR UPDATE;
    IF NOT FOUND OR r.user_id <> acting OR r.applied_at IS NOT NULL THEN
        RAISE EXCEPTION 'import run % is not open for this session', p_run USING ERRCODE = 'OMB06';
    END IF;
    src := r.source;
    -- One import at a time.
    PERFORM pg_advisory_xact_lock(hashtext('ombor.import'));

    -- Units: new ones created, known ones given the decimals the old data needs (never fewer).
    WITH u AS (
        INSERT INTO units (code, name, decimals) SELECT code, name, decimals FROM pg_temp.import_units
        ON CONFLICT (code) DO UPDATE SET decimals = greatest(units.decimals, excluded.decimals)
        RETURNING (xmax = 0) AS created)
    SELECT jsonb_build_object('units_created', count(*) FILTER (WHERE created), 'units_known', count(*) FILTER (WHERE NOT created))
      INTO done FROM u;

    -- Categories (the station made their names unique): created, or matched by name to one of
    -- ours; then the parents of the ones created.
    WITH ins AS (
        INSERT INTO categories (name)
        SELECT s.name FROM pg_temp.import_categories s
         WHERE NOT EXISTS (SELECT 1 FROM import_keys k WHERE k.source = src AND k.entity = 'category' AND k.source_id = s.source_id)
           AND NOT EXISTS (SELECT 1 FROM categories c WHERE lower(c.name) = lower(s.name))
        RETURNING id, name)
    INSERT INTO import_keys (source, entity, source_id, local_id, created, run_id)
    SELECT src, 'category', s.source_id, ins.id, true, p_run FROM ins JOIN pg_temp.import_categories s ON lower(s.name) = lower(ins.name);
    GET DIAGNOSTICS n = ROW_COUNT;
    done := done || jsonb_build_object('categories_created', n);
    INSERT INTO import_keys (source, entity, source_id, local_id, created, run_id)
    SELECT src, 'category', s.source_id, c.id, false, p_run
      FROM pg_temp.import_categories s JOIN categories c ON lower(c.name) = lower(s.name)
     WHERE NOT EXISTS (SELECT 1 FROM import_keys k WHERE k.source = src AND k.entity = 'category' AND k.source_id = s.source_id);
    GET DIAGNOSTICS n = ROW_COUNT;
    done := done || jsonb_build_object('categories_matched', n);
    UPDATE categories c SET parent_id = pk.local_id
      FROM pg_temp.import_categories s
      JOIN import_keys k ON k.source = src AND k.entity = 'category' AND k.source_id = s.source_id AND k.run_id = p_run AND k.created
      JOIN import_keys pk ON pk.source = src AND pk.entity = 'category' AND pk.source_id = s.parent_source_id
     WHERE c.id = k.local_id AND c.id <> pk.local_id;

    -- Products (their stock rows come with them), keyed by SKU.
    WITH ins AS (
        INSERT INTO products (sku, qr_code, name, category_id, unit, min_stock, active)
        SELECT s.sku, s.qr_code, s.name, ck.local_id, s.unit, s.min_stock, s.active
          FROM pg_temp.import_products s
          LEFT JOIN import_keys ck ON ck.source = src AND ck.entity = 'category' AND ck.source_id = s.category_source_id
         WHERE NOT EXISTS (SELECT 1 FROM import_keys k WHERE k.source = src AND k.entity = 'product' AND k.source_id = s.source_id)
        RETURNING id, sku)
    INSERT INTO import_keys (source, entity, source_id, local_id, created, run_id)
    SELECT src, 'product', s.source_id, ins.id, true, p_run FROM ins JOIN pg_temp.import_products s ON s.sku = ins.sku;
    GET DIAGNOSTICS n = ROW_COUNT;
    done := done || jsonb_build_object('products_created', n);

    -- Employees: no face can come with them; they enrol again here.
    n := 0;
    FOR rec IN SELECT s.* FROM pg_temp.import_employees s
                WHERE NOT EXISTS (SELECT 1 FROM import_keys k WHERE k.source = src AND k.entity = 'employee' AND k.source_id = s.source_id)
                ORDER BY s.source_id LOOP
        INSERT INTO employees (full_name, personnel_no, active, deactivated_at)
        VALUES (rec.full_name, rec.personnel_no, rec.active, CASE WHEN rec.active THEN NULL ELSE now() END) RETURNING id INTO new_id;
        INSERT INTO import_keys (source, entity, source_id, local_id, created, run_id) VALUES (src, 'employee', rec.source_id, new_id, true, p_run);
        n := n + 1;
    END LOOP;
    done := done || jsonb_build_object('employees_created', n);

    -- Users: a username we have already stays ours (its password and role); a new one gets an
    -- argon2id hash nobody knows and, when Django's hasher is one we verify, its Django hash.
    n := 0;
    FOR rec IN SELECT s.* FROM pg_temp.import_users s
                WHERE NOT EXISTS (SELECT 1 FROM import_keys k WHERE k.source = src AND k.entity = 'user' AND k.source_id = s.source_id)
                ORDER BY s.source_id LOOP
        SELECT id INTO new_id FROM users WHERE lower(username) = lower(rec.username);
        IF FOUND THEN
            INSERT INTO import_keys (source, entity, source_id, local_id, created, run_id) VALUES (src, 'user', rec.source_id, new_id, false, p_run);
            CONTINUE;
        END IF;
        INSERT INTO users (username, password_hash, role, active)
        VALUES (rec.username,
                '$argon2id$v=19$m=19456,t=2,p=1$' || rtrim(encode(gen_random_bytes(16), 'base64'), '=') || '$'
                    || rtrim(encode(gen_random_bytes(32), 'base64'), '='),
                rec.role::user_role, rec.active)
        RETURNING id INTO new_id;
        IF rec.algorithm IS NOT NULL THEN
            INSERT INTO legacy_passwords (user_id, algorithm, encoded, run_id) VALUES (new_id, rec.algorithm, rec.encoded, p_run);
        END IF;
        INSERT INTO import_keys (source, entity, source_id, local_id, created, run_id) VALUES (src, 'user', rec.source_id, new_id, true, p_run);
        n := n + 1;
    END LOOP;
    done := done || jsonb_build_object('users_created', n);

    -- The old history in the old system's time order, then one opening balance per product new
    -- in this run whose old stock is not the sum of its history.
    CREATE TEMP TABLE import_new_movements ON COMMIT DROP AS
    SELECT nextval('movements_id_seq') AS id, t.*, NULL::bigint AS reverses_id FROM (
        SELECT s.source_id, pk.local_id AS product_id, s.kind::movement_kind AS kind, s.quantity,
               ek.local_id AS employee_id, coalesce(uk.local_id, acting) AS user_id, s.reverses_source_id,
               nullif(btrim(s.note), '') AS note, s.at AS created_at, 'imported'::text AS origin, s.legacy
          FROM pg_temp.import_movements s
          JOIN import_keys pk ON pk.source = src AND pk.entity = 'product' AND pk.source_id = s.product_source_id
          LEFT JOIN import_keys ek ON ek.source = src AND ek.entity = 'employee' AND ek.source_id = s.employee_source_id
          LEFT JOIN import_keys uk ON uk.source = src AND uk.entity = 'user' AND uk.source_id = s.user_source_id
         WHERE NOT EXISTS (SELECT 1 FROM import_keys k WHERE k.source = src AND k.entity = 'movement' AND k.source_id = s.source_id)
         ORDER BY s.at, s.source_id) t;
    GET DIAGNOSTICS n = ROW_COUNT;
    done := done || jsonb_build_object('movements_imported', n);
    CREATE INDEX ON pg_temp.import_new_movements (source_id);
    ANALYZE pg_temp.import_new_movements;
    UPDATE pg_temp.import_new_movements h SET reverses_id = coalesce(
            (SELECT rk.local_id FROM import_keys rk WHERE rk.source = src AND rk.entity = 'movement' AND rk.source_id = h.reverses_source_id),
            (SELECT rn.id FROM pg_temp.import_new_movements rn WHERE rn.source_id = h.reverses_source_id))
     WHERE h.reverses_source_id IS NOT NULL;

    INSERT INTO pg_temp.import_new_movements (id, product_id, kind, quantity, user_id, note, created_at, origin)
    SELECT nextval('movements_id_seq'), b.product_id, CASE WHEN b.diff > 0 THEN 'in' ELSE 'out' END::movement_kind, abs(b.diff),
           acting, 'opening balance (import ' || p_run || ')', now(), 'opening'
      FROM (SELECT k.local_id AS product_id, s.stock - coalesce(hs.total, 0) AS diff
              FROM pg_temp.import_products s
              JOIN import_keys k ON k.source = src AND k.entity = 'product' AND k.source_id = s.source_id AND k.run_id = p_run
              LEFT JOIN (SELECT h.product_id, sum(CASE WHEN h.kind = 'in' THEN h.quantity ELSE -h.quantity END) AS total
                           FROM pg_temp.import_new_movements h GROUP BY h.product_id) hs ON hs.product_id = k.local_id
             WHERE s.stock IS NOT NULL
             ORDER BY k.local_id) b
     WHERE b.diff <> 0;
    GET DIAGNOSTICS n = ROW_COUNT;
    done := done || jsonb_build_object('opening_balances', n);

    -- The chain: each product's movements in id order, after what it had already.
    FOR rec IN SELECT h.*, st.last_hash FROM pg_temp.import_new_movements h JOIN stock st ON st.product_id = h.product_id
                ORDER BY h.product_id, h.id LOOP
        IF cur_product IS DISTINCT FROM rec.product_id THEN
            cur_product := rec.product_id;
            prev := rec.last_hash;
        END IF;
        m.id := rec.id; m.product_id := rec.product_id; m.kind := rec.kind; m.quantity := rec.quantity;
        m.employee_id := rec.employee_id; m.user_id := rec.user_id; m.verification_id := NULL; m.reverses_id := rec.reverses_id;
        m.note := rec.note; m.station := r.station; m.created_at := rec.created_at; m.prev_hash := prev;
        m.origin := rec.origin; m.import_run := p_run; m.legacy := rec.legacy;
        m.hash := movement_hash(m);
        ids := array_append(ids, m.id); prevs := array_append(prevs, m.prev_hash); hashes := array_append(hashes, m.hash);
        prev := m.hash;
    END LOOP;

    INSERT INTO movements (id, product_id, kind, quantity, employee_id, user_id, verification_id, reverses_id, note, station,
                           created_at, prev_hash, hash, origin, import_run, legacy)
    SELECT h.id, h.product_id, h.kind, h.quantity, h.employee_id, h.user_id, NULL, h.reverses_id, h.note, r.station,
           h.created_at, c.prev, c.hash, h.origin, p_run, h.legacy
      FROM unnest(ids, prevs, hashes) AS c(id, prev, hash) JOIN pg_temp.import_new_movements h ON h.id = c.id
     ORDER BY h.id;

    INSERT INTO import_keys (source, entity, source_id, local_id, created, run_id)
    SELECT src, 'movement', h.source_id, h.id, true, p_run FROM pg_temp.import_new_movements h WHERE h.source_id IS NOT NULL;

    UPDATE stock s SET quantity = s.quantity + t.delta, last_movement_id = t.last_id, last_hash = m2.hash, updated_at = now()
      FROM (SELECT product_id, sum(CASE WHEN kind = 'in' THEN quantity ELSE -quantity END) AS delta, max(id) AS last_id
              FROM pg_temp.import_new_movements GROUP BY product_id) t
      JOIN movements m2 ON m2.id = t.last_id
     WHERE s.product_id = t.product_id;

    UPDATE import_runs SET applied_at = now(), summary = done WHERE id = p_run;
    PERFORM audit('import.django', done || jsonb_build_object('run', p_run, 'source', src, 'location', r.location), r.station, acting);
    RETURN done;
END $$;

REVOKE ALL ON FUNCTION legacy_pbkdf2_matches(text, text, integer, text, bytea), legacy_password_matches(text, text),
    auth_legacy_pending(bigint), auth_legacy_login(bigint, text, text, text), legacy_password_drop(),
    import_begin(text, text, text), import_apply(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_legacy_pending(bigint), auth_legacy_login(bigint, text, text, text),
    import_begin(text, text, text), import_apply(bigint) TO ombor_app;
GRANT SELECT ON import_runs, import_keys TO ombor_app;
