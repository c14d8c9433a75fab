-- rows reach consumers as PostgreSQL's json text of each row (to_json, as PostgREST renders
-- one): columns in the query's order (jsonb sorts keys by length), json columns and embedded
-- objects as written, -0 and 1e-300 as float8 prints them; stored beside the jsonb rows and
-- kept through the incremental path and a full evaluation alike
\set SHOW_CONTEXT never
CREATE TYPE pair_t AS (zeta int, a text);
CREATE TABLE shown (id int PRIMARY KEY, title text NOT NULL, zz float8, doc json, pair pair_t);
INSERT INTO shown VALUES (1, 'one', '-0', '{"z":1,  "a":[2,3]}', ROW(1, 'x')), (2, 'two', 1e-300, NULL, NULL);
SELECT pgr.define('shown_all', 'SELECT title, id, zz, doc, pair FROM shown ORDER BY id') > 0 AS defined;
SELECT pgr.define('shown_inc', 'SELECT title, id FROM shown') > 0 AS defined;
SELECT incremental FROM pgr.live_queries WHERE name = 'shown_inc';
SELECT subscription_id AS s_all FROM pgr.subscribe('shown_all') \gset
SELECT subscription_id AS s_inc FROM pgr.subscribe('shown_inc') \gset
SELECT pgr.wait_idle();
-- the snapshot a consumer gets
SELECT seq, size, entries FROM pgr.snapshot(:s_all);
-- what a fresh SELECT gives through PostgREST's json, byte for byte
CREATE FUNCTION fresh_texts(q text) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
  r text[];
BEGIN
  EXECUTE format('SELECT coalesce(array_agg(row_to_json(x)::text), ''{}'') FROM (%s) x',
                 (SELECT sql FROM pgr.live_query WHERE name = q)) INTO r;
  RETURN r;
END $$;
-- (a query without ORDER BY: the same texts in any order)
CREATE FUNCTION texts_are_fresh(q text) RETURNS boolean LANGUAGE sql AS $$
  SELECT CASE WHEN l.sql ~* 'order by' THEN r.texts = fresh_texts(q)
              ELSE (SELECT array_agg(t ORDER BY t) FROM unnest(r.texts) t)
                   = (SELECT array_agg(t ORDER BY t) FROM unnest(fresh_texts(q)) t) END
    FROM pgr.feed f JOIN pgr.live_query l ON l.id = f.query_id JOIN pgr.feed_result r ON r.feed_id = f.id
   WHERE l.name = q
$$;
SELECT texts_are_fresh('shown_all') AS all_fresh, texts_are_fresh('shown_inc') AS inc_fresh;
-- changes only json can show (0 to -0, a json column's spacing) are deltas too
UPDATE shown SET zz = '0' WHERE id = 1;
SELECT pgr.wait_idle();
UPDATE shown SET zz = '-0' WHERE id = 1;
SELECT pgr.wait_idle();
UPDATE shown SET doc = '{"z":1,"a":[2,3]}' WHERE id = 1;
SELECT pgr.wait_idle();
INSERT INTO shown VALUES (3, 'three', 'NaN', '[1.50, 12345678901234567890]', ROW(NULL, 'ä'));
SELECT pgr.wait_idle();
SELECT seq, ops FROM pgr.changes(:s_all, 0) ORDER BY seq;
-- the incremental path patches the stored texts with the changed rows' texts
BEGIN;
UPDATE shown SET title = 'uno' WHERE id = 1;
DELETE FROM shown WHERE id = 2;
COMMIT;
SELECT pgr.wait_idle();
SELECT seq, ops FROM pgr.changes(:s_inc, 0) ORDER BY seq;
SELECT texts_are_fresh('shown_all') AS all_fresh, texts_are_fresh('shown_inc') AS inc_fresh;
SELECT pgr.unsubscribe(:s_all), pgr.unsubscribe(:s_inc);
SELECT pgr.undefine('shown_all'), pgr.undefine('shown_inc');
DROP FUNCTION texts_are_fresh(text), fresh_texts(text);
DROP TABLE shown;
DROP TYPE pair_t;
