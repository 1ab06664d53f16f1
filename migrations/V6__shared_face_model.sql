-- Face ID across stations: the numeric face model (embeddings / histograms, never images) lives
-- in the database so an employee enrolled at one station is recognised at every other one.
-- Each station polls `face_model_version` (one row, bumped by a trigger on every change) and,
-- when it moved, rebuilds its gallery and its local `model.yml` cache from `face_templates`.

CREATE TABLE face_templates (
    employee_id bigint      NOT NULL REFERENCES employees (id),
    backend     text        NOT NULL CHECK (backend IN ('sface', 'lbph')),
    -- `data` holds `cardinality(data) / dims` templates of `dims` numbers each, row after row.
    dims        integer     NOT NULL CHECK (dims > 0),
    data        real[]      NOT NULL CHECK (cardinality(data) > 0 AND cardinality(data) % dims = 0),
    station     text        NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (employee_id, backend)
);

CREATE TABLE face_model_version (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version   bigint  NOT NULL
);
INSERT INTO face_model_version (singleton, version) VALUES (true, 0);

-- Any change of the templates moves the version: stations compare one number every few seconds.
-- The row lock also orders concurrent enrolments, so the version only ever grows with commits.
CREATE FUNCTION face_model_bump() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    UPDATE face_model_version SET version = version + 1;
    RETURN NULL;
END $$;
CREATE TRIGGER face_templates_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON face_templates
    FOR EACH STATEMENT EXECUTE FUNCTION face_model_bump();

-- Enrolment at a station: replaces the employee's templates of one backend.
CREATE FUNCTION face_templates_save(p_employee bigint, p_backend text, p_dims integer, p_data real[], p_station text)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    acting bigint := ombor_require('enroll_faces');
    v      bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM employees WHERE id = p_employee) THEN
        RAISE EXCEPTION 'employee % does not exist', p_employee USING ERRCODE = 'OMB06';
    END IF;
    IF NOT (SELECT active FROM employees WHERE id = p_employee) THEN
        RAISE EXCEPTION 'employee % is deactivated', p_employee USING ERRCODE = 'OMB08';
    END IF;
    INSERT INTO face_templates (employee_id, backend, dims, data, station, updated_at)
    VALUES (p_employee, p_backend, p_dims, p_data, p_station, now())
    ON CONFLICT (employee_id, backend) DO UPDATE
        SET dims = EXCLUDED.dims, data = EXCLUDED.data, station = EXCLUDED.station, updated_at = now();
    PERFORM audit('face_templates_saved',
        jsonb_build_object('employee_id', p_employee, 'backend', p_backend, 'templates', cardinality(p_data) / p_dims),
        p_station, acting);
    SELECT version INTO v FROM face_model_version;
    RETURN v;
END $$;

-- Removal of a face (not of the employee): every backend's templates go.
CREATE FUNCTION face_templates_remove(p_employee bigint, p_station text)
RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    acting bigint := ombor_require('enroll_faces');
    n      integer;
BEGIN
    DELETE FROM face_templates WHERE employee_id = p_employee;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
        PERFORM audit('face_templates_removed', jsonb_build_object('employee_id', p_employee), p_station, acting);
    END IF;
    RETURN n > 0;
END $$;

-- A deactivated employee leaves the shared model wherever the deactivation came from.
CREATE FUNCTION employees_drop_face_templates() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    DELETE FROM face_templates WHERE employee_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER employees_deactivated_face AFTER UPDATE OF active ON employees
    FOR EACH ROW WHEN (OLD.active AND NOT NEW.active) EXECUTE FUNCTION employees_drop_face_templates();

REVOKE ALL ON FUNCTION face_model_bump(), employees_drop_face_templates(),
    face_templates_save(bigint, text, integer, real[], text), face_templates_remove(bigint, text) FROM PUBLIC;
GRANT SELECT ON face_templates, face_model_version TO ombor_app;
GRANT EXECUTE ON FUNCTION face_templates_save(bigint, text, integer, real[], text), face_templates_remove(bigint, text) TO ombor_app;
