-- a clock-dependent live query with a refresh interval changes without any write
\set SHOW_CONTEXT never
CREATE TABLE reminder (id int PRIMARY KEY, due timestamptz NOT NULL);
SELECT pgr.define('due_now', 'SELECT id FROM reminder WHERE due <= now()', refresh => '100 milliseconds') > 0 AS defined;
SELECT subscription_id AS s, rows FROM pgr.subscribe('due_now') \gset
SELECT :'rows' AS rows_at_subscribe;
-- due in 2 s: the write itself changes nothing yet
INSERT INTO reminder VALUES (1, clock_timestamp() + interval '2 seconds');
SELECT pgr.wait_idle();
SELECT count(*) AS deltas_after_write FROM pgr.changes(:s, 0);
-- no further write: the timer brings the row in (poll: nothing to wait_idle for)
CREATE FUNCTION wait_for_delta(sub bigint) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 1 .. 200 LOOP
    IF EXISTS (SELECT FROM pgr.changes(sub, 0)) THEN
      RETURN true;
    END IF;
    PERFORM pg_sleep(0.05);
  END LOOP;
  RETURN false;
END $$;
SELECT wait_for_delta(:s);
SELECT seq, ops FROM pgr.changes(:s, 0) ORDER BY seq;
SELECT pgr.unsubscribe(:s), pgr.undefine('due_now');
SELECT pgr.wait_idle();
DROP TABLE reminder;
DROP FUNCTION wait_for_delta(bigint);
