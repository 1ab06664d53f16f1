-- A face confirmation is the session's own (issue 18).
--
-- face_verify (V20) records which session asked, but post_movement took any unexpired
-- confirmation of the employee: face_verifications is readable by the application's role, so a
-- login with psql and an operator's session could post in the name of an employee who had just
-- looked at another kiosk's camera, within their 5 minutes. The same body as V2 otherwise.
-- Rows without a session (before V20, or recorded by the owner: seeds, tests) keep their meaning;
-- only the owner can make them.

CREATE OR REPLACE FUNCTION post_movement(
    p_product bigint, p_kind movement_kind, p_quantity numeric, p_employee bigint,
    p_verification bigint, p_note text, p_station text
) RETURNS movements
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
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
    -- A confirmation belongs to the session it was given in (V20 records it): another login's
    -- session, or the same person's next one, cannot use a face it did not see.
    IF NOT FOUND OR ver.employee_id <> p_employee OR ver.expires_at <= now()
       OR (ver.session_id IS NOT NULL AND ver.session_id IS DISTINCT FROM (SELECT su.session_id FROM ombor_session_user() su)) THEN
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

