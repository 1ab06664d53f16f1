-- "Saved" on the kiosk's screen means on disk, whatever the server's own synchronous_commit
-- says. The station used to send `SET LOCAL synchronous_commit = on` before every posting; the
-- posting function now sets it for the rest of its transaction itself: the same guarantee for
-- every client, and one round trip less per posting. Otherwise the body is V5's.
CREATE OR REPLACE FUNCTION post_movement_once(
    p_request bytea, p_product bigint, p_kind movement_kind, p_quantity numeric, p_employee bigint,
    p_verification bigint, p_note text, p_station text
) RETURNS movements
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    acting bigint := ombor_require('post_movement');
    done   movements;
BEGIN
    -- Local to the transaction, so it holds at its commit (the function's own SET clause is
    -- search_path only, which is restored at return).
    PERFORM set_config('synchronous_commit', 'on', true);
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
