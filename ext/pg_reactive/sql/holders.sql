-- a subscription is held by a session: while it lives the subscription is its own; once it is
-- gone the subscription is an orphan that a subscribe to the same feed takes over, pgr.hold()
-- claims back, or the worker removes after pg_reactive.orphan_grace (here pgr._reap(grace))
\set SHOW_CONTEXT never
CREATE TABLE holding (id int PRIMARY KEY, v int NOT NULL);
INSERT INTO holding VALUES (1, 10), (2, 20);
GRANT SELECT ON holding TO regress_pgr_user;
SELECT pgr.define('held', 'SELECT id, v FROM holding ORDER BY id') > 0 AS defined;
CREATE FUNCTION wait_gone(pid int) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 1 .. 1000 LOOP
    IF NOT EXISTS (SELECT FROM pg_stat_activity a WHERE a.pid = wait_gone.pid) THEN
      RETURN true;
    END IF;
    PERFORM pg_sleep(0.01);
    PERFORM pg_stat_clear_snapshot();    -- pg_stat_activity is read once per transaction
  END LOOP;
  RETURN false;
END $$;
CREATE TABLE left_behind (what text PRIMARY KEY, pid int, sub bigint, feed bigint, seq bigint);

-- held by the subscribing session unless another is named
SELECT subscription_id AS mine, feed_id AS feed FROM pgr.subscribe('held') \gset
SELECT holder_pid = pg_backend_pid() AS held_by_me, orphaned_at IS NULL AS not_orphaned
  FROM pgr.subscriptions WHERE id = :mine;
-- a live session's subscription stays, whatever the grace
SELECT pgr._reap('0') AS reaped;
SELECT count(*) AS still_there FROM pgr.subscription WHERE id = :mine;
INSERT INTO left_behind VALUES ('takeover', pg_backend_pid(), :mine, :feed, 0);
UPDATE holding SET v = 11 WHERE id = 1;
SELECT pgr.wait_idle();

-- the session ends (a killed consumer): its subscription is an orphan from the next round on
\c
SELECT wait_gone(pid) AS gone FROM left_behind WHERE what = 'takeover';
SELECT pgr._reap('1 hour') AS reaped;
SELECT s.orphaned_at IS NOT NULL AS orphaned FROM pgr.subscription s JOIN left_behind l ON l.sub = s.id;
-- a write while no one holds it: the feed is still evaluated and logs the delta
UPDATE holding SET v = 12 WHERE id = 1;
SELECT pgr.wait_idle();
-- a subscribe to the same feed takes it over: the same feed, the orphan gone, the log reaching
-- back to where the gone session was, so its consumer resumes with the deltas it missed
SELECT subscription_id AS again, feed_id AS again_feed FROM pgr.subscribe('held') \gset
SELECT :again_feed = feed AS same_feed,
       NOT EXISTS (SELECT FROM pgr.subscription s WHERE s.id = l.sub) AS orphan_taken_over
  FROM left_behind l WHERE what = 'takeover';
SELECT seq, op, key, row_ FROM ops_of(:again, 1);

-- pgr.hold() claims an orphan back by id (a consumer whose session changed)
INSERT INTO left_behind VALUES ('hold', pg_backend_pid(), :again, :again_feed, 0);
\c
SELECT wait_gone(pid) AS gone FROM left_behind WHERE what = 'hold';
SELECT pgr._reap('1 hour') AS reaped;
SELECT array_agg(h) = ARRAY[l.sub] AS held FROM left_behind l, pgr.hold(ARRAY[l.sub, -1]) h
 WHERE l.what = 'hold' GROUP BY l.sub;
SELECT s.holder_pid = pg_backend_pid() AS held_by_me, s.orphaned_at IS NULL AS not_orphaned
  FROM pgr.subscription s JOIN left_behind l ON l.sub = s.id AND l.what = 'hold';
SELECT pgr._reap('0') AS reaped;

-- past the grace an orphan is removed as an unsubscribe would remove it: with its feed (it
-- was the last)
SELECT sub_of('held') AS last \gset
INSERT INTO left_behind VALUES ('reap', pg_backend_pid(), :last, NULL, 0);
\c
SELECT wait_gone(pid) AS gone FROM left_behind WHERE what = 'reap';
SELECT pgr._reap('1 hour') AS reaped;
SELECT pgr._reap('0') AS reaped;
SELECT (SELECT count(*) FROM pgr.subscription s JOIN pgr.feed f ON f.id = s.feed_id
         JOIN pgr.live_query q ON q.id = f.query_id WHERE q.name = 'held') AS subscriptions,
       (SELECT count(*) FROM pgr.feed f JOIN pgr.live_query q ON q.id = f.query_id WHERE q.name = 'held') AS feeds;

-- a session named by pid: it must be one of the caller's session role (or the caller's own);
-- a pid no session has gives an orphan at once
SET SESSION AUTHORIZATION regress_pgr_hub;
SELECT subscription_id AS hub_sub FROM pgr.subscribe('held', '[]', 'regress_pgr_user', '{"sub": "x"}') \gset
SELECT holder_pid = pg_backend_pid() AS held_by_me FROM pgr.subscriptions WHERE id = :hub_sub;
SELECT pgr.wait_idle() AND pgr.worker_pid() IS NOT NULL AS worker_running;
\set VERBOSITY terse
SELECT pgr.subscribe('held', '[]', 'regress_pgr_user', '{"sub": "x"}', pgr.worker_pid());
SELECT pgr.hold(ARRAY[:hub_sub], pgr.worker_pid());
\set VERBOSITY default
SELECT count(*) AS held FROM pgr.hold(ARRAY[:hub_sub], 0);
SELECT orphaned_at IS NOT NULL AS orphaned FROM pgr.subscriptions WHERE id = :hub_sub;
SELECT pgr.unsubscribe(:hub_sub);
RESET SESSION AUTHORIZATION;

SELECT pgr.undefine('held');
DROP TABLE holding, left_behind;
DROP FUNCTION wait_gone(int);
