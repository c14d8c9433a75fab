-- a delta over the 8000-byte NOTIFY limit is logged and announced by reference
\set SHOW_CONTEXT never
CREATE TABLE doc (id int PRIMARY KEY, body text);
SELECT pgr.define('docs', 'SELECT id, body FROM doc');
SELECT subscription_id AS s, feed_id AS f FROM pgr.subscribe('docs') \gset
INSERT INTO doc SELECT g, repeat('x', 1000) FROM generate_series(1, 20) g;
SELECT pgr.wait_idle();
INSERT INTO doc VALUES (21, 'small');
SELECT pgr.wait_idle();
-- seq 1 went by reference, seq 2 inline
SELECT seq, inline, json_array_length(ops) AS ops, octet_length(ops::text) > 8000 AS big
  FROM pgr.delta_log WHERE feed_id = :f ORDER BY seq;
-- the reference resolves through pgr.delta() and pgr.changes()
SELECT json_array_length(pgr.delta(:f, 1)) AS ops_at_1;
SELECT seq, json_array_length(ops) AS ops FROM pgr.changes(:s, 0) ORDER BY seq;
SELECT pgr.unsubscribe(:s), pgr.undefine('docs');
DROP TABLE doc;
