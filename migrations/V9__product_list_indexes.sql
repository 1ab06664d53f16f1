-- The products tab and the whole-list reports at 1,000,000 products. Measured with `ombor bench
-- ledger --products 1000000` before this migration: the tab's first page took 350 ms (a sort of
-- the whole table for 50 rows), a search 800 ms (SKU and QR code had no index), the whole list
-- 235 s (each 10,000-row page sorted the table again).

-- The list's order: a page is a walk along this index, and the next page starts where the last
-- one ended.
CREATE INDEX products_name_order ON products (name, id);

-- A search matches the name, the SKU or the QR code; the name has had its trigram index since V2.
CREATE INDEX products_sku_trgm ON products USING gin (sku gin_trgm_ops);
CREATE INDEX products_qr_code_trgm ON products USING gin (qr_code gin_trgm_ops);
