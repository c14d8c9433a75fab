-- the multiplexed statement keeps a single feed's plan: under RLS (even USING (true)) an
-- ordered index scan that stops at the LIMIT, per parameter row, not a sort of every row
\set SHOW_CONTEXT never
CREATE TABLE items (id int PRIMARY KEY, owner int NOT NULL, val int NOT NULL, seq int NOT NULL);
INSERT INTO items SELECT g, g % 200, 0, g FROM generate_series(1, 20000) g;
CREATE INDEX items_owner_seq ON items (owner, seq);
ALTER TABLE items ENABLE ROW LEVEL SECURITY;
CREATE POLICY everyone ON items TO regress_pgr_user USING (true);
GRANT SELECT ON items TO regress_pgr_user;
ANALYZE items;
-- the node lines of a statement's generic plan, as the worker plans it
CREATE FUNCTION plan_nodes(stmt text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  line text;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || stmt LOOP
    IF line ~ '(Scan|Limit|Sort)' THEN
      RETURN NEXT regexp_replace(line, '^\s*(->\s*)?', '');
    END IF;
  END LOOP;
END $$;
-- the rows of the multiplexed statement, one row per parameter row
CREATE FUNCTION multi_rows(owners int[]) RETURNS TABLE (i bigint, texts_ text[]) LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE pgr._multiplexed('SELECT id, owner, val, seq FROM items WHERE owner = $1 ORDER BY seq DESC LIMIT 25', '{int}')
    USING owners;
END $$;
SET plan_cache_mode = force_generic_plan;
SET ROLE regress_pgr_user;
PREPARE single(int) AS SELECT id, owner, val, seq FROM items WHERE owner = $1 ORDER BY seq DESC LIMIT 25;
SELECT plan_nodes('EXECUTE single(7)');
SELECT format('PREPARE multi(int[]) AS %s',
              pgr._multiplexed('SELECT id, owner, val, seq FROM items WHERE owner = $1 ORDER BY seq DESC LIMIT 25;',
                               '{int}')) AS stmt \gset
:stmt;
SELECT plan_nodes('EXECUTE multi(''{7,8,9}'')');
-- the same scan, and no sort anywhere
SELECT (SELECT array_agg(n) FROM plan_nodes('EXECUTE multi(''{7,8,9}'')') n WHERE n ~ 'Index Scan|Limit')
     = (SELECT array_agg(n) FROM plan_nodes('EXECUTE single(7)') n) AS same_plan,
       NOT EXISTS (SELECT FROM plan_nodes('EXECUTE multi(''{7,8,9}'')') n WHERE n ~ 'Sort') AS no_sort;
-- each parameter row gets the rows (their json texts) a single evaluation gets, in the query's order
SELECT count(*) AS feeds, bool_and(cardinality(m.texts_) = 25) AS full_pages,
       bool_and(m.texts_ = (SELECT e.texts
                  FROM pgr._evaluate('SELECT id, owner, val, seq FROM items WHERE owner = $1 ORDER BY seq DESC LIMIT 25',
                                     '{int}', jsonb_build_array((ARRAY[7, 8, 9, 7])[m.i])) e)) AS all_match
  FROM multi_rows(ARRAY[7, 8, 9, 7]) m;
DEALLOCATE single;
DEALLOCATE multi;
RESET ROLE;
RESET plan_cache_mode;
DROP FUNCTION plan_nodes(text), multi_rows(int[]);

-- parameters of a domain type bind as arrays of the domain
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
SELECT pgr.define('by_owner', 'SELECT id, seq FROM items WHERE owner = $1 ORDER BY seq DESC LIMIT 2', '{posint}') > 0 AS defined;
CREATE TABLE subs AS
SELECT o, s.subscription_id AS sub FROM generate_series(1, 3) o, pgr.subscribe('by_owner', jsonb_build_array(o)) s;
SELECT pgr.wait_idle();
UPDATE items SET seq = seq + 100000 WHERE id IN (1, 2, 3, 4);
SELECT pgr.wait_idle();
SELECT s.o, r.rows FROM subs s, pgr.resync(s.sub) r ORDER BY s.o;
SELECT count(pgr.unsubscribe(sub)) FROM subs;
SELECT pgr.undefine('by_owner');
DROP TABLE subs, items;
DROP DOMAIN posint;
