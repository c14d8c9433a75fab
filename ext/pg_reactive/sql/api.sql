-- the SQL API: define, subscribe, deltas, resume, resync, views, unsubscribe, refusals
\set SHOW_CONTEXT never
CREATE TABLE item (id int PRIMARY KEY, owner text NOT NULL, title text, qty int DEFAULT 1);
INSERT INTO item SELECT g, 'u' || (g % 3), 'item ' || g, g FROM generate_series(1, 9) g;

-- parameter types are inferred; the primary key becomes the delta key
SELECT pgr.define('items_of', 'SELECT id, title, qty FROM item WHERE owner = $1 ORDER BY id');
SELECT name, param_types, key, tables, feeds, subscriptions FROM pgr.live_queries ORDER BY name;
SELECT subscription_id, feed_id, seq, rows, key FROM pgr.subscribe('items_of', '["u1"]');
-- a second identical subscriber shares the feed
SELECT subscription_id, feed_id, seq FROM pgr.subscribe('items_of', '["u1"]');
SELECT subscription_id, feed_id, seq FROM pgr.subscribe('items_of', '["u2"]');
SELECT name, feeds, subscriptions FROM pgr.live_queries ORDER BY name;

-- a write right after subscribing is not lost
BEGIN;
UPDATE item SET qty = 100 WHERE id = 1;
INSERT INTO item VALUES (10, 'u1', 'item 10', 10);
DELETE FROM item WHERE id = 4;
COMMIT;
SELECT pgr.wait_idle();
SELECT * FROM ops_of(1);
SELECT * FROM ops_of(2);
SELECT * FROM ops_of(3);
-- a write outside the result yields no delta
UPDATE item SET qty = 0 WHERE owner = 'u0';
SELECT pgr.wait_idle();
SELECT id, query, feed_id, role, params, start_seq, seq, deltas, errors FROM pgr.subscriptions ORDER BY id;

-- resume from a sequence, and resync
INSERT INTO item VALUES (13, 'u1', 'item 13', 13);
SELECT pgr.wait_idle();
SELECT * FROM ops_of(1, 1);
-- (sorted: on the incremental path the stored rows are patched, not kept in ORDER BY order)
SELECT seq, (SELECT jsonb_agg(e ORDER BY (e ->> 'id')::int) FROM jsonb_array_elements(rows) e) AS rows FROM pgr.resync(1);
-- the delta applied to the rows at seq 1 equals the resync rows
SELECT pgr.apply((SELECT rows FROM pgr.resync(1)), '[]') = (SELECT rows FROM pgr.resync(1)) AS trivially;

-- keyless: multiset insert/delete
SELECT pgr.define('owners', 'SELECT owner FROM item WHERE qty > $1', '{int}');
SELECT subscription_id, feed_id, seq, key, (SELECT count(*) FROM jsonb_array_elements(rows)) AS n
  FROM pgr.subscribe('owners', '[5]');
UPDATE item SET qty = 50 WHERE id IN (2, 3);
SELECT pgr.wait_idle();
SELECT * FROM ops_of(4);

-- ad hoc SQL: defined on the fly, shared by text, dropped with its last subscriber
SELECT subscription_id, seq, rows FROM pgr.subscribe_sql('SELECT count(*) AS n FROM item');
SELECT subscription_id, seq, rows FROM pgr.subscribe_sql('SELECT count(*) AS n FROM item');
SELECT adhoc, feeds, subscriptions FROM pgr.live_queries WHERE name LIKE 'sql:%';
INSERT INTO item VALUES (20, 'u2', 'item 20', 20);
SELECT pgr.wait_idle();
SELECT * FROM ops_of(5);
SELECT pgr.unsubscribe(5), pgr.unsubscribe(6), pgr.unsubscribe(6);
SELECT count(*) AS adhoc_left FROM pgr.live_queries WHERE name LIKE 'sql:%';

-- refusals
SELECT pgr.define('items_of', 'SELECT 1 FROM item');
SELECT pgr.define('bad', 'DELETE FROM item');
SELECT pgr.define('bad', 'SELECT 1 FROM item; SELECT 2');
SELECT pgr.define('bad', 'SELECT * FROM item FOR UPDATE');
SELECT pgr.define('bad', 'SELECT random() AS r FROM item');
SELECT pgr.define('bad', 'SELECT id FROM item WHERE now() > ''2000-01-01''');
SELECT pgr.define('bad', 'SELECT id FROM item WHERE current_date > ''2000-01-01''');
SELECT pgr.define('bad', 'SELECT 1 AS one');
SELECT pgr.define('bad', 'SELECT id, id FROM item');
SELECT pgr.define('bad', 'SELECT id FROM item', key_columns => '{nope}');
CREATE TEMP TABLE scratch (x int);
SELECT pgr.define('bad', 'SELECT x FROM scratch');
SELECT pgr.subscribe('nope');
SELECT pgr.subscribe('items_of', '[]');
SELECT pgr.subscribe('items_of', '{}');
SELECT pgr.subscribe('items_of', '["u1"]', 'regress_no_such_role');
SELECT pgr.changes(999, 0);
-- a clock-dependent query is accepted with a refresh interval
SELECT pgr.define('recent', 'SELECT id FROM item WHERE now() > ''2000-01-01''', refresh => '1 hour') > 0 AS defined;
SELECT name, refresh FROM pgr.live_queries WHERE name = 'recent';

-- unsubscribe everything; the worker removes the capture triggers once no feed reads the table
SELECT tgname FROM pg_trigger WHERE tgrelid = 'item'::regclass ORDER BY 1;
SELECT pgr.unsubscribe(id) FROM pgr.subscriptions ORDER BY id;
SELECT pgr.wait_idle();
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'item'::regclass;
SELECT count(*) AS feeds FROM pgr.feed;
SELECT pgr.undefine('items_of'), pgr.undefine('owners'), pgr.undefine('recent'), pgr.undefine('items_of');
DROP TABLE item;
