-- a table that is altered or dropped under a live query: a delta or an error, never silence
\set SHOW_CONTEXT never
CREATE TABLE gadget (id int PRIMARY KEY, name text, price int);
INSERT INTO gadget VALUES (1, 'a', 10), (2, 'b', 20);
SELECT pgr.define('all_gadgets', 'SELECT * FROM gadget');
SELECT pgr.define('names', 'SELECT id, name FROM gadget', key_columns => '{id}');
SELECT subscription_id AS s_all, rows FROM pgr.subscribe('all_gadgets') \gset
SELECT subscription_id AS s_names FROM pgr.subscribe('names') \gset
SELECT pgr.wait_idle();

-- a new column shows up in every row of SELECT * at once
ALTER TABLE gadget ADD COLUMN color text DEFAULT 'red';
SELECT pgr.wait_idle();
SELECT * FROM ops_of(:s_all);
SELECT * FROM ops_of(:s_names);

-- dropping a column a query names: that query reports an error, the other continues
ALTER TABLE gadget DROP COLUMN name;
SELECT pgr.wait_idle();
SELECT query, seq, errors, last_error FROM pgr.subscriptions ORDER BY id;
SELECT * FROM ops_of(:s_all, 1);

-- dropping the table: both report it, and the capture bookkeeping forgets the table
DROP TABLE gadget;
SELECT pgr.wait_idle();
SELECT query, seq, errors, last_error FROM pgr.subscriptions ORDER BY id;
SELECT count(*) AS captured FROM pgr.captured;
SELECT pgr.unsubscribe(:s_all), pgr.unsubscribe(:s_names);
SELECT pgr.undefine('all_gadgets'), pgr.undefine('names');
