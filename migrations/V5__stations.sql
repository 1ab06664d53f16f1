-- Several stations on one server.
--
-- A station that only has the application's role (no owner URL) does not migrate: it reads the
-- migration history to refuse a schema older or newer than itself. V2 revoked that read; give it
-- back.
GRANT SELECT ON installation, refinery_schema_history TO ombor_app;

-- Posting is idempotent: the station gives each movement a request id and, when the connection
-- drops before the answer, asks again with the same id. The movement is then either found
-- (it was committed) or posted now — never twice, never lost without the worker being told.
CREATE TABLE movement_requests (
    request_id  bytea PRIMARY KEY CHECK (length(request_id) = 16),
    -- No foreign key: a reference would make TRUNCATE movements fail on it before the
    -- append-only trigger can refuse it with its own clear message.
    movement_id bigint NOT NULL UNIQUE,
    user_id     bigint NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER movement_requests_append_only BEFORE UPDATE OR DELETE ON movement_requests
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

CREATE FUNCTION post_movement_once(
    p_request bytea, p_product bigint, p_kind movement_kind, p_quantity numeric, p_employee bigint,
    p_verification bigint, p_note text, p_station text
) RETURNS movements
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    acting bigint := ombor_require('post_movement');
    done   movements;
BEGIN
    SELECT m.* INTO done FROM movement_requests r JOIN movements m ON m.id = r.movement_id WHERE r.request_id = p_request;
    IF FOUND THEN
        IF done.user_id <> acting OR done.product_id <> p_product OR done.quantity <> p_quantity OR done.kind <> p_kind THEN
            RAISE EXCEPTION 'request id reused for a different movement' USING ERRCODE = 'OMB11';
        END IF;
        RETURN done;
    END IF;
    done := post_movement(p_product, p_kind, p_quantity, p_employee, p_verification, p_note, p_station);
    INSERT INTO movement_requests (request_id, movement_id, user_id) VALUES (p_request, done.id, acting);
    RETURN done;
END $$;

REVOKE ALL ON FUNCTION post_movement_once(bytea, bigint, movement_kind, numeric, bigint, bigint, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION post_movement_once(bytea, bigint, movement_kind, numeric, bigint, bigint, text, text) TO ombor_app;
