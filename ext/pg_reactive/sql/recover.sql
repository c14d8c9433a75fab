-- a pass that fails loses its changed keys; the feed's next pass is in full, so an
-- incremental feed cannot leave out the rows written while it was failing
CREATE TABLE tripwire (armed boolean);
GRANT SELECT ON tripwire TO regress_pgr_user;
CREATE TABLE task (id int PRIMARY KEY, owner text NOT NULL);
ALTER TABLE task ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON task TO regress_pgr_user;
CREATE POLICY fragile ON task FOR SELECT TO regress_pgr_user
  USING (CASE WHEN EXISTS (SELECT FROM tripwire) THEN 1 / (SELECT 0 * count(*) FROM tripwire)::int = 1 ELSE true END);
SELECT pgr.define('tasks', 'SELECT id, owner FROM task WHERE owner <> ''nobody''') IS NOT NULL AS defined;
SELECT incremental FROM pgr.live_queries WHERE name = 'tasks';
SET SESSION AUTHORIZATION regress_pgr_hub;
SELECT subscription_id AS task_sub FROM pgr.subscribe('tasks', '[]', 'regress_pgr_user', '{"sub": "dave"}') \gset
RESET SESSION AUTHORIZATION;
INSERT INTO task VALUES (1, 'dave');
SELECT pgr.wait_idle();
INSERT INTO tripwire VALUES (true);
INSERT INTO task VALUES (2, 'dave');
SELECT pgr.wait_idle();
SELECT f.seq, f.errors, f.last_error FROM pgr.feed f JOIN pgr.live_query q ON q.id = f.query_id WHERE q.name = 'tasks';
DELETE FROM tripwire;
INSERT INTO task VALUES (3, 'dave');
SELECT pgr.wait_idle();
SET SESSION AUTHORIZATION regress_pgr_hub;
SELECT jsonb_agg(e ORDER BY (e ->> 'id')::int) AS task_rows
  FROM pgr.resync(:task_sub) r, jsonb_array_elements(r.rows) e;
SELECT pgr.unsubscribe(:task_sub);
RESET SESSION AUTHORIZATION;
SELECT pgr.undefine('tasks');
DROP TABLE task, tripwire;
