-- The ledger and the people: units, categories, products, stock, employees, users, sessions,
-- face verifications, movements, audit log, and the permission matrix the database enforces.
--
-- Invariants held here, not in the program:
--   * stock.quantity >= 0 and stock = Σ movements of the product (only post_movement and
--     reverse_movement change either, in one transaction, with the stock row locked);
--   * movements and audit_log are append-only (trigger + ombor_app has no UPDATE/DELETE);
--   * every write checks the acting session's role against role_permissions.
--
-- Errors raised for the program carry SQLSTATEs of class OM (OMB01..), mapped in models::error.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TYPE user_role AS ENUM ('admin', 'operator', 'viewer');
CREATE TYPE movement_kind AS ENUM ('in', 'out');

-- ---------------------------------------------------------------- permissions

CREATE TABLE role_permissions (
    role   user_role NOT NULL,
    action text      NOT NULL,
    PRIMARY KEY (role, action)
);
INSERT INTO role_permissions (role, action) VALUES
    ('admin', 'view_stock'), ('admin', 'view_reports'), ('admin', 'post_movement'),
    ('admin', 'reverse_movement'), ('admin', 'manage_products'), ('admin', 'manage_users'),
    ('admin', 'manage_employees'), ('admin', 'enroll_faces'), ('admin', 'backup'),
    ('admin', 'restore'), ('admin', 'export'), ('admin', 'view_audit'),
    ('operator', 'view_stock'), ('operator', 'post_movement'), ('operator', 'view_own_history'),
    ('viewer', 'view_stock'), ('viewer', 'view_reports'), ('viewer', 'export');

-- ---------------------------------------------------------------- people

CREATE TABLE employees (
    id               bigserial PRIMARY KEY,
    full_name        text NOT NULL CHECK (length(btrim(full_name)) BETWEEN 1 AND 200),
    personnel_no     text UNIQUE CHECK (length(personnel_no) <= 64),
    active           boolean NOT NULL DEFAULT true,
    face_enrolled_at timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    deactivated_at   timestamptz
);

CREATE TABLE users (
    id                  bigserial PRIMARY KEY,
    username            text NOT NULL CHECK (length(username) BETWEEN 1 AND 64 AND username !~ '[[:space:][:cntrl:]]'),
    password_hash       text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    role                user_role NOT NULL,
    active              boolean NOT NULL DEFAULT true,
    employee_id         bigint REFERENCES employees (id),
    failed_logins       integer NOT NULL DEFAULT 0,
    locked_until        timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    password_changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_ci ON users (lower(username));

CREATE TABLE sessions (
    id           bigserial PRIMARY KEY,
    token_hash   bytea NOT NULL UNIQUE,
    user_id      bigint NOT NULL REFERENCES users (id),
    station      text NOT NULL,
    idle_timeout interval NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    ended_at     timestamptz,
    end_reason   text
);
CREATE INDEX sessions_open ON sessions (user_id) WHERE ended_at IS NULL;

CREATE TABLE face_verifications (
    id          bigserial PRIMARY KEY,
    employee_id bigint NOT NULL REFERENCES employees (id),
    confidence  double precision NOT NULL,
    station     text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    CHECK (expires_at > created_at)
);

-- ---------------------------------------------------------------- products and stock

CREATE TABLE units (
    code     text PRIMARY KEY,
    name     text NOT NULL,
    decimals smallint NOT NULL CHECK (decimals BETWEEN 0 AND 6)
);
INSERT INTO units (code, name, decimals) VALUES
    ('pcs', 'dona', 0), ('box', 'quti', 0), ('pack', 'qadoq', 0), ('kg', 'kg', 3),
    ('g', 'g', 0), ('t', 'tonna', 3), ('m', 'metr', 2), ('m2', 'm²', 2), ('l', 'litr', 3);

CREATE TABLE categories (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 120),
    parent_id  bigint REFERENCES categories (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (parent_id IS DISTINCT FROM id)
);
CREATE UNIQUE INDEX categories_name_ci ON categories (lower(name));

CREATE TABLE products (
    id          bigserial PRIMARY KEY,
    sku         text NOT NULL UNIQUE CHECK (length(sku) BETWEEN 1 AND 64 AND sku !~ '[[:cntrl:]]'),
    qr_code     text NOT NULL UNIQUE CHECK (length(qr_code) BETWEEN 1 AND 128 AND qr_code !~ '[[:cntrl:]]'),
    name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 300),
    category_id bigint REFERENCES categories (id),
    unit        text NOT NULL DEFAULT 'pcs' REFERENCES units (code),
    min_stock   numeric(18, 6) NOT NULL DEFAULT 0 CHECK (min_stock >= 0),
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX products_category ON products (category_id);
CREATE INDEX products_name_trgm ON products USING gin (name gin_trgm_ops);

CREATE TABLE product_barcodes (
    code       text PRIMARY KEY CHECK (length(code) BETWEEN 1 AND 128),
    product_id bigint NOT NULL REFERENCES products (id) ON DELETE CASCADE
);
CREATE INDEX product_barcodes_product ON product_barcodes (product_id);

CREATE TABLE stock (
    product_id       bigint PRIMARY KEY REFERENCES products (id),
    quantity         numeric(18, 6) NOT NULL DEFAULT 0 CHECK (quantity >= 0),
    last_movement_id bigint,
    last_hash        bytea,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- A stock row is made with every product, by the database itself.
CREATE FUNCTION products_make_stock() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    INSERT INTO stock (product_id) VALUES (NEW.id);
    RETURN NEW;
END $$;
CREATE TRIGGER products_make_stock AFTER INSERT ON products FOR EACH ROW EXECUTE FUNCTION products_make_stock();

-- ---------------------------------------------------------------- movements

CREATE TABLE movements (
    id              bigserial PRIMARY KEY,
    product_id      bigint NOT NULL REFERENCES products (id),
    kind            movement_kind NOT NULL,
    quantity        numeric(18, 6) NOT NULL CHECK (quantity > 0),
    employee_id     bigint NOT NULL REFERENCES employees (id),
    user_id         bigint NOT NULL REFERENCES users (id),
    verification_id bigint REFERENCES face_verifications (id),
    reverses_id     bigint UNIQUE REFERENCES movements (id),
    note            text CHECK (length(note) <= 500),
    station         text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    prev_hash       bytea,
    hash            bytea NOT NULL,
    -- An ordinary movement was allowed by a face; a reversal by an admin with a reason.
    CHECK (verification_id IS NOT NULL OR (reverses_id IS NOT NULL AND note IS NOT NULL))
);
CREATE INDEX movements_product ON movements (product_id, id);
CREATE INDEX movements_created ON movements (created_at);
CREATE INDEX movements_employee ON movements (employee_id, created_at);
CREATE INDEX movements_user ON movements (user_id, created_at);

-- ---------------------------------------------------------------- audit

CREATE TABLE audit_log (
    id      bigserial PRIMARY KEY,
    at      timestamptz NOT NULL DEFAULT now(),
    station text,
    user_id bigint REFERENCES users (id),
    action  text NOT NULL,
    detail  jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at);

-- ---------------------------------------------------------------- append-only

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'OMB10';
END $$;
CREATE TRIGGER movements_append_only BEFORE UPDATE OR DELETE ON movements FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER movements_no_truncate BEFORE TRUNCATE ON movements EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit_log EXECUTE FUNCTION refuse_change();

-- ---------------------------------------------------------------- sessions and permission checks

-- The acting session: the program sets `ombor.session` (the token, hex) for each transaction.
-- Returns the session row's user, or raises OMB01 when it is missing, ended or idle too long.
CREATE FUNCTION ombor_session_user(OUT user_id bigint, OUT role user_role, OUT session_id bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
DECLARE
    token text := current_setting('ombor.session', true);
BEGIN
    IF token IS NULL OR token = '' THEN
        RAISE EXCEPTION 'no login session' USING ERRCODE = 'OMB01';
    END IF;
    SELECT u.id, u.role, s.id INTO user_id, role, session_id
      FROM sessions s JOIN users u ON u.id = s.user_id
     WHERE s.token_hash = sha256(decode(token, 'hex'))
       AND s.ended_at IS NULL
       AND s.last_seen_at + s.idle_timeout > now()
       AND u.active;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the login session has ended' USING ERRCODE = 'OMB01';
    END IF;
END $$;

-- Raises OMB02 unless the acting session's role may do `p_action`; returns the user's id.
CREATE FUNCTION ombor_require(p_action text) RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
DECLARE
    who record;
BEGIN
    SELECT * INTO who FROM ombor_session_user();
    IF NOT EXISTS (SELECT 1 FROM role_permissions rp WHERE rp.role = who.role AND rp.action = p_action) THEN
        RAISE EXCEPTION 'role % may not %', who.role, p_action USING ERRCODE = 'OMB02', DETAIL = p_action;
    END IF;
    RETURN who.user_id;
END $$;

-- Direct writes by the program go through these checks, whatever the actor layer decided.
CREATE FUNCTION check_write_permission() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    PERFORM ombor_require(TG_ARGV[0]);
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER categories_permission BEFORE INSERT OR UPDATE OR DELETE ON categories FOR EACH ROW EXECUTE FUNCTION check_write_permission('manage_products');
CREATE TRIGGER products_permission BEFORE INSERT OR UPDATE OR DELETE ON products FOR EACH ROW EXECUTE FUNCTION check_write_permission('manage_products');
CREATE TRIGGER barcodes_permission BEFORE INSERT OR UPDATE OR DELETE ON product_barcodes FOR EACH ROW EXECUTE FUNCTION check_write_permission('manage_products');
CREATE TRIGGER employees_permission BEFORE INSERT OR UPDATE OR DELETE ON employees FOR EACH ROW EXECUTE FUNCTION check_write_permission('manage_employees');

-- ---------------------------------------------------------------- audit helper

CREATE FUNCTION audit(p_action text, p_detail jsonb, p_station text, p_user bigint DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    new_id bigint;
    acting bigint := p_user;
BEGIN
    IF acting IS NULL THEN
        BEGIN
            SELECT user_id INTO acting FROM ombor_session_user();
        EXCEPTION WHEN SQLSTATE 'OMB01' THEN acting := NULL;
        END;
    END IF;
    INSERT INTO audit_log (station, user_id, action, detail) VALUES (p_station, acting, p_action, coalesce(p_detail, '{}'))
    RETURNING id INTO new_id;
    RETURN new_id;
END $$;

-- ---------------------------------------------------------------- the hash chain

-- Canonical text of a movement: what its hash covers (with the previous movement's hash).
CREATE FUNCTION movement_hash(m movements) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(coalesce(m.prev_hash, '\x'::bytea) || convert_to(concat_ws('|',
        m.id, m.product_id, m.kind, trim_scale(m.quantity), m.employee_id, m.user_id,
        coalesce(m.verification_id::text, '-'), coalesce(m.reverses_id::text, '-'),
        coalesce(m.note, ''), m.station, (extract(epoch FROM m.created_at) * 1000000)::bigint), 'UTF8'))
$$;

-- ---------------------------------------------------------------- posting

-- IN or OUT, all in one transaction: permission, face verification, unit precision, stock row
-- lock, no OUT beyond stock, the movement with its hash, the new stock. Returns the movement.
CREATE FUNCTION post_movement(
    p_product bigint, p_kind movement_kind, p_quantity numeric, p_employee bigint,
    p_verification bigint, p_note text, p_station text
) RETURNS movements
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    acting   bigint := ombor_require('post_movement');
    prod     record;
    ver      record;
    st       stock;
    m        movements;
    delta    numeric;
BEGIN
    SELECT p.id, p.active, u.decimals INTO prod FROM products p JOIN units u ON u.code = p.unit WHERE p.id = p_product;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'product % not found', p_product USING ERRCODE = 'OMB06';
    END IF;
    IF NOT prod.active THEN
        RAISE EXCEPTION 'product % is not active', p_product USING ERRCODE = 'OMB08';
    END IF;
    IF p_quantity IS NULL OR p_quantity <= 0 THEN
        RAISE EXCEPTION 'quantity must be greater than zero' USING ERRCODE = 'OMB05';
    END IF;
    IF p_quantity <> round(p_quantity, prod.decimals) THEN
        RAISE EXCEPTION 'quantity % has more than % decimal places', p_quantity, prod.decimals USING ERRCODE = 'OMB05', DETAIL = prod.decimals::text;
    END IF;
    IF p_quantity >= 1000000000000 THEN
        RAISE EXCEPTION 'quantity % is too large', p_quantity USING ERRCODE = 'OMB05';
    END IF;
    SELECT e.id, e.active INTO ver FROM employees e WHERE e.id = p_employee;
    IF NOT FOUND OR NOT ver.active THEN
        RAISE EXCEPTION 'employee % is not active', p_employee USING ERRCODE = 'OMB08';
    END IF;
    SELECT * INTO ver FROM face_verifications f WHERE f.id = p_verification;
    IF NOT FOUND OR ver.employee_id <> p_employee OR ver.expires_at <= now() THEN
        RAISE EXCEPTION 'no valid face confirmation for employee %', p_employee USING ERRCODE = 'OMB03';
    END IF;

    SELECT * INTO st FROM stock WHERE product_id = p_product FOR UPDATE;
    delta := CASE p_kind WHEN 'in' THEN p_quantity ELSE -p_quantity END;
    IF st.quantity + delta < 0 THEN
        RAISE EXCEPTION 'not enough stock: % available', trim_scale(st.quantity)
            USING ERRCODE = 'OMB04', DETAIL = trim_scale(st.quantity)::text;
    END IF;

    m.id := nextval('movements_id_seq');
    m.product_id := p_product; m.kind := p_kind; m.quantity := p_quantity;
    m.employee_id := p_employee; m.user_id := acting; m.verification_id := p_verification;
    m.note := nullif(btrim(p_note), ''); m.station := p_station; m.created_at := now();
    m.prev_hash := st.last_hash;
    m.hash := movement_hash(m);
    INSERT INTO movements SELECT m.*;
    UPDATE stock SET quantity = quantity + delta, last_movement_id = m.id, last_hash = m.hash, updated_at = now()
     WHERE product_id = p_product;
    RETURN m;
END $$;

-- A mistake is corrected by a movement of opposite effect pointing at the original: Admin only,
-- with a reason, at most once per movement, never below zero stock.
CREATE FUNCTION reverse_movement(p_movement bigint, p_reason text, p_station text) RETURNS movements
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    acting bigint := ombor_require('reverse_movement');
    orig   movements;
    st     stock;
    m      movements;
    delta  numeric;
BEGIN
    IF p_reason IS NULL OR length(btrim(p_reason)) < 3 THEN
        RAISE EXCEPTION 'a reversal needs a reason' USING ERRCODE = 'OMB05';
    END IF;
    SELECT * INTO orig FROM movements WHERE id = p_movement;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'movement % not found', p_movement USING ERRCODE = 'OMB06';
    END IF;
    IF orig.reverses_id IS NOT NULL THEN
        RAISE EXCEPTION 'movement % is itself a reversal', p_movement USING ERRCODE = 'OMB07';
    END IF;
    SELECT * INTO st FROM stock WHERE product_id = orig.product_id FOR UPDATE;
    IF EXISTS (SELECT 1 FROM movements WHERE reverses_id = p_movement) THEN
        RAISE EXCEPTION 'movement % was already reversed', p_movement USING ERRCODE = 'OMB07';
    END IF;
    delta := CASE orig.kind WHEN 'in' THEN -orig.quantity ELSE orig.quantity END;
    IF st.quantity + delta < 0 THEN
        RAISE EXCEPTION 'not enough stock: % available', trim_scale(st.quantity)
            USING ERRCODE = 'OMB04', DETAIL = trim_scale(st.quantity)::text;
    END IF;
    m.id := nextval('movements_id_seq');
    m.product_id := orig.product_id;
    m.kind := CASE orig.kind WHEN 'in' THEN 'out'::movement_kind ELSE 'in'::movement_kind END;
    m.quantity := orig.quantity; m.employee_id := orig.employee_id; m.user_id := acting;
    m.verification_id := NULL; m.reverses_id := orig.id; m.note := btrim(p_reason);
    m.station := p_station; m.created_at := now(); m.prev_hash := st.last_hash;
    m.hash := movement_hash(m);
    INSERT INTO movements SELECT m.*;
    UPDATE stock SET quantity = quantity + delta, last_movement_id = m.id, last_hash = m.hash, updated_at = now()
     WHERE product_id = orig.product_id;
    PERFORM audit('movement.reverse', jsonb_build_object('movement', orig.id, 'reversal', m.id, 'reason', m.note), p_station, acting);
    RETURN m;
END $$;

-- Records a confirmed face for `p_ttl` (the face recognizer's success). Needs no login: the
-- worker confirms before the operator posts; posting checks it again.
CREATE FUNCTION record_face_verification(p_employee bigint, p_confidence double precision, p_station text, p_ttl interval)
RETURNS face_verifications LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    v face_verifications;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM employees WHERE id = p_employee AND active) THEN
        RAISE EXCEPTION 'employee % is not active', p_employee USING ERRCODE = 'OMB08';
    END IF;
    IF p_ttl <= interval '0' OR p_ttl > interval '1 hour' THEN
        RAISE EXCEPTION 'verification validity must be between 0 and 1 hour' USING ERRCODE = 'OMB05';
    END IF;
    INSERT INTO face_verifications (employee_id, confidence, station, expires_at)
    VALUES (p_employee, p_confidence, p_station, now() + p_ttl) RETURNING * INTO v;
    RETURN v;
END $$;

-- ---------------------------------------------------------------- authentication

-- Login material for one username (case-insensitive). Argon2 runs in the program.
CREATE FUNCTION auth_lookup(p_username text)
RETURNS TABLE (user_id bigint, password_hash text, role user_role, active boolean, locked_until timestamptz, db_now timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT id, password_hash, role, active, locked_until, now() FROM users WHERE lower(username) = lower(p_username)
$$;

-- A wrong password: counts it, locks the account after p_max failures for p_lockout.
CREATE FUNCTION auth_failed(p_user bigint, p_max integer, p_lockout interval, p_station text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    fails integer;
BEGIN
    UPDATE users SET failed_logins = failed_logins + 1 WHERE id = p_user RETURNING failed_logins INTO fails;
    IF fails >= p_max THEN
        UPDATE users SET locked_until = now() + p_lockout, failed_logins = 0 WHERE id = p_user;
        PERFORM audit('login.locked', jsonb_build_object('user', p_user), p_station, p_user);
        RETURN true;
    END IF;
    PERFORM audit('login.failed', jsonb_build_object('user', p_user), p_station, p_user);
    RETURN false;
END $$;

-- A right password: opens a session identified by sha256(token).
CREATE FUNCTION auth_open_session(p_user bigint, p_token_hash bytea, p_station text, p_idle interval) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    sid bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM users WHERE id = p_user AND active AND (locked_until IS NULL OR locked_until <= now())) THEN
        RAISE EXCEPTION 'account % cannot log in', p_user USING ERRCODE = 'OMB09';
    END IF;
    UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = p_user;
    INSERT INTO sessions (token_hash, user_id, station, idle_timeout) VALUES (p_token_hash, p_user, p_station, p_idle) RETURNING id INTO sid;
    PERFORM audit('login.ok', jsonb_build_object('session', sid), p_station, p_user);
    RETURN sid;
END $$;

CREATE FUNCTION auth_touch(p_token_hash bytea) RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    WITH t AS (
        UPDATE sessions SET last_seen_at = now()
         WHERE token_hash = p_token_hash AND ended_at IS NULL AND last_seen_at + idle_timeout > now()
        RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM t)
$$;

CREATE FUNCTION auth_end_session(p_token_hash bytea, p_reason text, p_station text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    s sessions;
BEGIN
    UPDATE sessions SET ended_at = now(), end_reason = p_reason
     WHERE token_hash = p_token_hash AND ended_at IS NULL RETURNING * INTO s;
    IF FOUND THEN
        PERFORM audit('logout.' || p_reason, jsonb_build_object('session', s.id), p_station, s.user_id);
    END IF;
END $$;

-- User management: the first admin may be created when no admin exists; otherwise manage_users.
CREATE FUNCTION user_create(p_username text, p_hash text, p_role user_role, p_station text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
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
    INSERT INTO users (username, password_hash, role) VALUES (p_username, p_hash, p_role) RETURNING id INTO new_id;
    PERFORM audit('user.create', jsonb_build_object('user', new_id, 'username', p_username, 'role', p_role), p_station, acting);
    RETURN new_id;
END $$;

CREATE FUNCTION user_update(p_username text, p_hash text, p_role user_role, p_active boolean, p_station text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    acting bigint := ombor_require('manage_users');
    target users;
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
    UPDATE users SET password_hash = coalesce(p_hash, password_hash),
                     password_changed_at = CASE WHEN p_hash IS NULL THEN password_changed_at ELSE now() END,
                     role = coalesce(p_role, role), active = coalesce(p_active, active),
                     failed_logins = CASE WHEN p_hash IS NULL THEN failed_logins ELSE 0 END,
                     locked_until = CASE WHEN p_hash IS NULL THEN locked_until ELSE NULL END
     WHERE id = target.id;
    IF p_active IS FALSE OR p_hash IS NOT NULL THEN
        UPDATE sessions SET ended_at = now(), end_reason = 'account_changed' WHERE user_id = target.id AND ended_at IS NULL;
    END IF;
    PERFORM audit(CASE WHEN p_hash IS NOT NULL THEN 'user.password' WHEN p_active IS NOT NULL THEN 'user.active' ELSE 'user.role' END,
                  jsonb_build_object('user', target.id, 'role', p_role, 'active', p_active), p_station, acting);
    RETURN target.id;
END $$;

-- ---------------------------------------------------------------- privileges of the app role

REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ombor_app;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
GRANT SELECT ON units, categories, products, product_barcodes, stock, movements, employees,
               face_verifications, role_permissions, audit_log TO ombor_app;
GRANT SELECT (id, username, role, active, employee_id, failed_logins, locked_until, created_at, password_changed_at) ON users TO ombor_app;
GRANT SELECT (id, user_id, station, started_at, last_seen_at, ended_at, end_reason) ON sessions TO ombor_app;
-- Catalogue and employees are written directly, each write checked by its permission trigger.
GRANT INSERT, UPDATE ON categories, products, product_barcodes, employees TO ombor_app;
GRANT DELETE ON product_barcodes TO ombor_app;
GRANT USAGE ON SEQUENCE categories_id_seq, products_id_seq, employees_id_seq TO ombor_app;
-- Movements, stock, sessions, users and audit only through the checked functions.
GRANT EXECUTE ON FUNCTION ombor_session_user(), ombor_require(text), audit(text, jsonb, text, bigint),
    post_movement(bigint, movement_kind, numeric, bigint, bigint, text, text),
    reverse_movement(bigint, text, text),
    record_face_verification(bigint, double precision, text, interval),
    auth_lookup(text), auth_failed(bigint, integer, interval, text),
    auth_open_session(bigint, bytea, text, interval), auth_touch(bytea),
    auth_end_session(bytea, text, text), user_create(text, text, user_role, text),
    user_update(text, text, user_role, boolean, text), movement_hash(movements) TO ombor_app;
