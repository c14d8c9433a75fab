-- with the last subscription gone nothing is left behind: no trigger, no feed, no worker
\set SHOW_CONTEXT never
CREATE TABLE t (id int PRIMARY KEY);
SELECT pgr.define('ts', 'SELECT id FROM t') > 0 AS defined;
SELECT subscription_id AS s FROM pgr.subscribe('ts') \gset
SELECT pgr.wait_idle();
SELECT pgr.worker_pid() IS NOT NULL AS worker_running,
       (SELECT count(*) FROM pg_trigger WHERE tgrelid = 't'::regclass) AS triggers;
SELECT pgr.unsubscribe(:s);
SELECT (SELECT count(*) FROM pgr.feed) AS feeds,
       (SELECT count(*) FROM pgr.subscription) AS subscriptions;
-- the worker removes the triggers (unsubscribe never takes a table lock) and stops
DO $$
BEGIN
  FOR i IN 1 .. 500 LOOP
    EXIT WHEN pgr.worker_pid() IS NULL;
    PERFORM pg_sleep(0.01);
  END LOOP;
END $$;
SELECT pgr.worker_pid() IS NULL AS worker_stopped;
SELECT (SELECT count(*) FROM pg_trigger WHERE tgrelid = 't'::regclass) AS triggers,
       (SELECT count(*) FROM pgr.captured) AS captured;
-- writes to the table no longer wake anything
INSERT INTO t VALUES (1);
SELECT pgr.worker_pid() IS NULL AS still_stopped;
SELECT pgr.undefine('ts');
DROP TABLE t;
