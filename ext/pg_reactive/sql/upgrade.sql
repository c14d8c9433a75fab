-- a database that ran 0.1 (rows stored as jsonb alone) updated to 0.2: its feeds carry on, and
-- the first change a feed sees sends again every row whose json text differs from the jsonb
-- text its consumers have (columns in the query's order), whatever the feed's path
\set SHOW_CONTEXT never
SELECT current_database() AS home \gset
CREATE DATABASE regress_pgr_upgrade;
\c regress_pgr_upgrade
\set SHOW_CONTEXT never
CREATE EXTENSION pg_reactive VERSION '0.1';
CREATE TABLE up (id int PRIMARY KEY, title text NOT NULL, n float8);
INSERT INTO up VALUES (1, 'one', 1), (2, 'two', -0.0), (3, 'three', 3);
SELECT pgr.define('up_inc', 'SELECT title, id, n FROM up') > 0 AS defined;
SELECT pgr.define('up_ord', 'SELECT title, id FROM up ORDER BY id') > 0 AS defined;
SELECT pgr.define('up_all', 'SELECT title, n FROM up ORDER BY title') > 0 AS defined;
SELECT subscription_id AS s_inc FROM pgr.subscribe('up_inc') \gset
SELECT subscription_id AS s_ord FROM pgr.subscribe('up_ord') \gset
SELECT subscription_id AS s_all FROM pgr.subscribe('up_all') \gset
ALTER EXTENSION pg_reactive UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'pg_reactive';
-- stored under 0.1: the snapshot is the jsonb text its consumers got
SELECT q.name, r.texts IS NULL AS no_texts, (pgr.snapshot(s.id)).entries
  FROM pgr.subscription s JOIN pgr.feed f ON f.id = s.feed_id JOIN pgr.live_query q ON q.id = f.query_id
  JOIN pgr.feed_result r ON r.feed_id = f.id ORDER BY q.name;
-- one change: every row whose text is not yet the json text goes again
UPDATE up SET title = 'uno' WHERE id = 1;
SELECT pgr.wait_idle();
SELECT q.name, c.seq, c.ops
  FROM pgr.subscription s JOIN pgr.feed f ON f.id = s.feed_id JOIN pgr.live_query q ON q.id = f.query_id,
       pgr.changes(s.id, 0) c ORDER BY q.name, c.seq;
-- from then on the feeds keep texts, and the next change is that row alone
UPDATE up SET n = 4 WHERE id = 3;
SELECT pgr.wait_idle();
SELECT q.name, c.seq, c.ops
  FROM pgr.subscription s JOIN pgr.feed f ON f.id = s.feed_id JOIN pgr.live_query q ON q.id = f.query_id,
       pgr.changes(s.id, 1) c ORDER BY q.name, c.seq;
SELECT q.name, cardinality(r.texts) AS texts, (pgr.snapshot(s.id)).entries
  FROM pgr.subscription s JOIN pgr.feed f ON f.id = s.feed_id JOIN pgr.live_query q ON q.id = f.query_id
  JOIN pgr.feed_result r ON r.feed_id = f.id ORDER BY q.name;
SELECT pgr.unsubscribe(:s_inc), pgr.unsubscribe(:s_ord), pgr.unsubscribe(:s_all);
\c :home
DROP DATABASE regress_pgr_upgrade;
