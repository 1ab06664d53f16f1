-- The permission checks on catalogue and employee writes ran once per row: an import of 100,000
-- products looked up the login session 200,000 times. Every row of one statement has the same
-- session, so one check per statement refuses exactly the same writes, at a fraction of the cost.
DROP TRIGGER categories_permission ON categories;
DROP TRIGGER products_permission ON products;
DROP TRIGGER barcodes_permission ON product_barcodes;
DROP TRIGGER employees_permission ON employees;
CREATE TRIGGER categories_permission BEFORE INSERT OR UPDATE OR DELETE ON categories
    FOR EACH STATEMENT EXECUTE FUNCTION check_write_permission('manage_products');
CREATE TRIGGER products_permission BEFORE INSERT OR UPDATE OR DELETE ON products
    FOR EACH STATEMENT EXECUTE FUNCTION check_write_permission('manage_products');
CREATE TRIGGER barcodes_permission BEFORE INSERT OR UPDATE OR DELETE ON product_barcodes
    FOR EACH STATEMENT EXECUTE FUNCTION check_write_permission('manage_products');
CREATE TRIGGER employees_permission BEFORE INSERT OR UPDATE OR DELETE ON employees
    FOR EACH STATEMENT EXECUTE FUNCTION check_write_permission('manage_employees');

-- Like the other append-only tables: no TRUNCATE either.
CREATE TRIGGER movement_requests_no_truncate BEFORE TRUNCATE ON movement_requests EXECUTE FUNCTION refuse_change();
