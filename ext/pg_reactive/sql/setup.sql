-- the extension loads and reports its library version
SELECT pgr.library_version() ~ '^\d+\.\d+\.\d+$' AS has_version;
SELECT extversion FROM pg_extension WHERE extname = 'pg_reactive';
-- helpers shared by the following tests: one row per op of a subscription's log (keys of
-- keyless rows, a SHA-256, cut short)
CREATE FUNCTION ops_of(sub bigint, after_seq bigint DEFAULT 0)
  RETURNS TABLE (seq bigint, op text, key text, index int, row_ jsonb)
  LANGUAGE sql AS $$
  SELECT c.seq, o->>'op', left(o->>'key', 12), (o->>'index')::int, o->'row'
    FROM pgr.changes(sub, after_seq) c, jsonb_array_elements(c.ops::jsonb) WITH ORDINALITY AS x(o, n)
   ORDER BY c.seq, n
$$;
-- the first subscription of a named live query
CREATE FUNCTION sub_of(query text) RETURNS bigint
  LANGUAGE sql AS $$ SELECT min(id) FROM pgr.subscriptions s WHERE s.query = sub_of.query $$;
-- two jsonb arrays hold the same rows, in any order
CREATE FUNCTION same_multiset(a jsonb, b jsonb) RETURNS boolean LANGUAGE sql AS $$
  SELECT NOT EXISTS (SELECT jsonb_array_elements(a) EXCEPT ALL SELECT jsonb_array_elements(b))
     AND NOT EXISTS (SELECT jsonb_array_elements(b) EXCEPT ALL SELECT jsonb_array_elements(a))
$$;
-- a subscription's rows at seq 0 with every logged delta applied
CREATE FUNCTION replay(sub bigint, rows_ jsonb, key text[]) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  d record;
BEGIN
  FOR d IN SELECT * FROM pgr.changes(sub, 0) ORDER BY seq LOOP
    rows_ := pgr.apply(rows_, d.ops::jsonb, key);
  END LOOP;
  RETURN rows_;
END $$;
-- cluster-wide roles used by the RLS tests; created once, reused by later runs
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'regress_pgr_anon') THEN
    CREATE ROLE regress_pgr_anon NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'regress_pgr_user') THEN
    CREATE ROLE regress_pgr_user NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'regress_pgr_hub') THEN
    CREATE ROLE regress_pgr_hub LOGIN;
  END IF;
END $$;
SET client_min_messages = warning;
GRANT regress_pgr_anon, regress_pgr_user TO regress_pgr_hub;
RESET client_min_messages;
