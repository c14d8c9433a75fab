-- query shapes: join, view, subquery, CTE, aggregate, ORDER BY/LIMIT, partitions
\set SHOW_CONTEXT never
CREATE TABLE author (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE book (id int PRIMARY KEY, author_id int REFERENCES author, title text, pages int);
INSERT INTO author VALUES (1, 'ann'), (2, 'bob');
INSERT INTO book VALUES (1, 1, 'a1', 100), (2, 1, 'a2', 200), (3, 2, 'b1', 300);
CREATE VIEW long_book AS SELECT b.id, b.title, a.name FROM book b JOIN author a ON a.id = b.author_id WHERE b.pages >= 200;

SELECT pgr.define('join', 'SELECT b.id, b.title, a.name FROM book b JOIN author a ON a.id = b.author_id', key_columns => '{id}');
SELECT pgr.define('view', 'SELECT * FROM long_book');
SELECT pgr.define('subquery', 'SELECT id, title FROM book WHERE author_id IN (SELECT id FROM author WHERE name LIKE $1)');
SELECT pgr.define('cte', 'WITH per AS (SELECT author_id, count(*) AS n FROM book GROUP BY author_id) SELECT a.name, per.n FROM author a JOIN per ON per.author_id = a.id', key_columns => '{name}');
SELECT pgr.define('aggregate', 'SELECT count(*) AS books, sum(pages) AS pages FROM book');
SELECT pgr.define('top2', 'SELECT id, pages FROM book ORDER BY pages DESC LIMIT 2', key_columns => '{id}');
-- every base table is found, through the view and the subqueries
SELECT name, key, tables FROM pgr.live_queries ORDER BY name;

SELECT seq, rows FROM pgr.subscribe('join');
SELECT seq, rows FROM pgr.subscribe('view');
SELECT seq, rows FROM pgr.subscribe('subquery', '["a%"]');
SELECT seq, rows FROM pgr.subscribe('cte');
SELECT seq, rows FROM pgr.subscribe('aggregate');
SELECT seq, rows FROM pgr.subscribe('top2');

-- a write to either side of the join reaches every query that reads it
BEGIN;
UPDATE author SET name = 'anne' WHERE id = 1;
INSERT INTO book VALUES (4, 2, 'b2', 400);
COMMIT;
SELECT pgr.wait_idle();
SELECT * FROM ops_of(sub_of('join'));
SELECT * FROM ops_of(sub_of('view'));
SELECT * FROM ops_of(sub_of('subquery'));
SELECT * FROM ops_of(sub_of('cte'));
SELECT * FROM ops_of(sub_of('aggregate'));
SELECT * FROM ops_of(sub_of('top2'));

-- statements in one transaction arrive as one delta
BEGIN;
DELETE FROM book WHERE id = 2;
UPDATE book SET pages = 50 WHERE id = 4;
COMMIT;
SELECT pgr.wait_idle();
SELECT * FROM ops_of(sub_of('aggregate'), 1);
SELECT * FROM ops_of(sub_of('top2'), 1);
-- a rolled back write produces nothing
BEGIN;
DELETE FROM book;
ROLLBACK;
SELECT pgr.wait_idle();
SELECT name, deltas, errors FROM pgr.live_queries ORDER BY name;

-- partitioned tables: changes to any partition are captured
CREATE TABLE ev (id int, kind text) PARTITION BY LIST (kind);
CREATE TABLE ev_a PARTITION OF ev FOR VALUES IN ('a');
CREATE TABLE ev_b PARTITION OF ev FOR VALUES IN ('b');
SELECT pgr.define('events', 'SELECT kind, count(*) AS n FROM ev GROUP BY kind');
SELECT name, tables FROM pgr.live_queries WHERE name = 'events';
SELECT seq, rows FROM pgr.subscribe('events');
INSERT INTO ev_b VALUES (1, 'b');
SELECT pgr.wait_idle();
INSERT INTO ev VALUES (2, 'a');
SELECT pgr.wait_idle();
SELECT * FROM ops_of(sub_of('events'));

SELECT pgr.unsubscribe(id) FROM pgr.subscriptions ORDER BY id;
SELECT pgr.undefine(name) FROM pgr.live_queries ORDER BY name;
SELECT pgr.wait_idle();
SELECT count(*) AS triggers_left FROM pg_trigger WHERE tgname = 'pgr_capture';
DROP VIEW long_book;
DROP TABLE book, author, ev;
