-- a rolled-back subtransaction (ROLLBACK TO SAVEPOINT, a PL/pgSQL exception block) takes the
-- marks of its writes with it: the worker evaluates nothing for writes that never committed
\set SHOW_CONTEXT never
CREATE TABLE sp (id int PRIMARY KEY, v text);
INSERT INTO sp VALUES (0, 'always');
-- every evaluation of sp_count draws from this sequence (sequences ignore rollbacks); the
-- function claims to be stable, or pg_reactive would ask for a refresh interval
CREATE SEQUENCE sp_evaluated;
CREATE FUNCTION sp_mark() RETURNS bigint LANGUAGE plpgsql STABLE AS $$ BEGIN RETURN nextval('sp_evaluated'); END $$;
SELECT pgr.define('sp_count', 'SELECT count(*) AS n FROM sp WHERE sp_mark() > 0') > 0 AS defined;
SELECT pgr.define('sp_all', 'SELECT id, v FROM sp') > 0 AS defined;
SELECT subscription_id AS c FROM pgr.subscribe('sp_count') \gset
SELECT subscription_id AS s FROM pgr.subscribe('sp_all') \gset
SELECT pgr.wait_idle();
-- whether sp_count was evaluated since the previous call
CREATE TABLE sp_seen AS SELECT last_value FROM sp_evaluated;
CREATE FUNCTION sp_evaluated_since() RETURNS boolean LANGUAGE sql AS $$
  WITH now_ AS (SELECT last_value FROM sp_evaluated),
       old AS (SELECT last_value FROM sp_seen),
       upd AS (UPDATE sp_seen SET last_value = now_.last_value FROM now_ RETURNING 1)
  SELECT n.last_value <> o.last_value FROM now_ n, old o
$$;
-- a savepoint rolled back: nothing to evaluate
BEGIN;
SAVEPOINT a;
INSERT INTO sp VALUES (1, 'gone');
ROLLBACK TO SAVEPOINT a;
COMMIT;
SELECT pgr.wait_idle();
SELECT sp_evaluated_since() AS evaluated;
-- an exception block's write, rolled back with the block
DO $$
BEGIN
  BEGIN
    INSERT INTO sp VALUES (2, 'gone');
    RAISE EXCEPTION 'undo';
  EXCEPTION WHEN raise_exception THEN NULL;
  END;
END $$;
SELECT pgr.wait_idle();
SELECT sp_evaluated_since() AS evaluated;
-- nested: the inner savepoint rolled back, the outer released: one delta, the kept row only
SELECT seq AS q FROM pgr.subscriptions WHERE id = :s \gset
BEGIN;
SAVEPOINT a;
INSERT INTO sp VALUES (3, 'kept');
SAVEPOINT b;
INSERT INTO sp VALUES (4, 'gone');
ROLLBACK TO SAVEPOINT b;
RELEASE SAVEPOINT a;
COMMIT;
SELECT pgr.wait_idle();
SELECT sp_evaluated_since() AS evaluated;
SELECT op, row_ FROM ops_of(:s, :q);
-- a table changed before the savepoint stays changed when the savepoint rolls back
SELECT seq AS q FROM pgr.subscriptions WHERE id = :s \gset
BEGIN;
UPDATE sp SET v = 'changed' WHERE id = 3;
SAVEPOINT a;
DELETE FROM sp WHERE id = 3;
ROLLBACK TO SAVEPOINT a;
COMMIT;
SELECT pgr.wait_idle();
SELECT sp_evaluated_since() AS evaluated;
SELECT op, row_ FROM ops_of(:s, :q);
-- nesting deeper than the marks kept (64 levels): a rollback there keeps its marks (one
-- evaluation too many, never one too few), while one at depth 10 leaves nothing to do
CREATE FUNCTION sp_nest(n int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  BEGIN
    IF n = 0 THEN
      INSERT INTO sp VALUES (5, 'gone');
      RAISE EXCEPTION 'undo';
    END IF;
    PERFORM sp_nest(n - 1);
  EXCEPTION WHEN raise_exception THEN
    IF n > 0 THEN RAISE; END IF;
  END;
END $$;
SELECT sp_nest(10);
SELECT pgr.wait_idle();
SELECT sp_evaluated_since() AS evaluated;
SELECT sp_nest(70);
SELECT pgr.wait_idle();
SELECT sp_evaluated_since() AS evaluated;
SELECT count(*) AS rows_ FROM sp;
-- routed feeds (one per room, routed by the parameter): a rolled-back subtransaction takes its
-- route hashes with it, so a room whose only change was rolled back is not evaluated, and the
-- rooms with committed changes get exactly their deltas — none lost, none invented
CREATE TABLE spr (id int PRIMARY KEY, room int NOT NULL, v text);
INSERT INTO spr VALUES (10, 1, 'one'), (20, 2, 'two');
CREATE SEQUENCE spr_ev1;
CREATE SEQUENCE spr_ev2;
-- evaluating a room's feed draws from that room's sequence (a one-time filter on the parameter)
CREATE FUNCTION spr_mark(r int) RETURNS bigint LANGUAGE plpgsql STABLE
  AS $$ BEGIN RETURN nextval(format('spr_ev%s', r)); END $$;
SELECT pgr.define('spr_room', 'SELECT id, room, v FROM spr WHERE room = $1 AND spr_mark($1) > 0', '{int}') > 0 AS defined;
SELECT e.relation, e.path FROM pgr.explain('spr_room', current_user) e WHERE e.relation IS NOT NULL;
SELECT subscription_id AS r1 FROM pgr.subscribe('spr_room', '[1]') \gset
SELECT subscription_id AS r2 FROM pgr.subscribe('spr_room', '[2]') \gset
SELECT pgr.wait_idle();
CREATE TABLE spr_seen AS SELECT 1 AS room, last_value FROM spr_ev1 UNION ALL SELECT 2, last_value FROM spr_ev2;
-- which rooms' feeds were evaluated since the previous call
CREATE FUNCTION spr_evaluated() RETURNS TABLE (room int, evaluated boolean) LANGUAGE sql AS $$
  WITH now_ AS (SELECT 1 AS room, last_value FROM spr_ev1 UNION ALL SELECT 2, last_value FROM spr_ev2),
       old AS (SELECT * FROM spr_seen),
       upd AS (UPDATE spr_seen s SET last_value = n.last_value FROM now_ n WHERE s.room = n.room RETURNING 1)
  SELECT n.room, n.last_value <> o.last_value FROM now_ n JOIN old o USING (room) ORDER BY n.room
$$;
CREATE TABLE spr_at AS SELECT :r1::bigint AS sub, seq FROM pgr.subscriptions WHERE id = :r1
  UNION ALL SELECT :r2, seq FROM pgr.subscriptions WHERE id = :r2;
-- both rooms' deltas since the previous call
CREATE FUNCTION spr_deltas() RETURNS TABLE (room int, op text, row_ jsonb) LANGUAGE sql AS $$
  WITH d AS (SELECT CASE a.sub WHEN (SELECT min(sub) FROM spr_at) THEN 1 ELSE 2 END AS room, o.op, o.row_, o.seq, o.index
               FROM spr_at a, ops_of(a.sub, a.seq) o),
       upd AS (UPDATE spr_at a SET seq = s.seq FROM pgr.subscriptions s WHERE s.id = a.sub RETURNING 1)
  SELECT room, op, row_ FROM d ORDER BY room, seq, index
$$;
-- room 1 written and kept, room 2 written in a savepoint rolled back
BEGIN;
INSERT INTO spr VALUES (11, 1, 'kept');
SAVEPOINT a;
INSERT INTO spr VALUES (21, 2, 'gone');
UPDATE spr SET v = 'gone' WHERE id = 20;
ROLLBACK TO SAVEPOINT a;
COMMIT;
SELECT pgr.wait_idle();
SELECT * FROM spr_evaluated();
SELECT * FROM spr_deltas();
-- room 2 written before the savepoint and again inside it (the same route hash): the rollback
-- keeps the first write's hash, so its delta is not lost
BEGIN;
UPDATE spr SET v = 'first' WHERE id = 20;
SAVEPOINT a;
UPDATE spr SET v = 'gone' WHERE id = 20;
ROLLBACK TO SAVEPOINT a;
COMMIT;
SELECT pgr.wait_idle();
SELECT * FROM spr_evaluated();
SELECT * FROM spr_deltas();
-- a hash cut by a rollback and added again after it; a row moved to room 2 and back by the rollback
BEGIN;
SAVEPOINT a;
INSERT INTO spr VALUES (12, 1, 'gone');
UPDATE spr SET room = 2 WHERE id = 10;
ROLLBACK TO SAVEPOINT a;
INSERT INTO spr VALUES (13, 1, 'after');
COMMIT;
SELECT pgr.wait_idle();
SELECT * FROM spr_evaluated();
SELECT * FROM spr_deltas();
-- an exception block: room 2's insert goes with the block, room 1's update outside it stays
DO $$
BEGIN
  UPDATE spr SET v = 'done' WHERE id = 13;
  BEGIN
    INSERT INTO spr VALUES (22, 2, 'gone');
    RAISE EXCEPTION 'undo';
  EXCEPTION WHEN raise_exception THEN NULL;
  END;
END $$;
SELECT pgr.wait_idle();
SELECT * FROM spr_evaluated();
SELECT * FROM spr_deltas();
-- too many route hashes inside a savepoint on a table already changed before it: the table is
-- routed to every feed and stays so after the rollback (room 2 evaluated once too many), and
-- still only the kept change becomes a delta
BEGIN;
UPDATE spr SET v = 'many' WHERE id = 11;
SAVEPOINT a;
INSERT INTO spr SELECT 1000 + g, 100 + g, 'gone' FROM generate_series(1, 9000) g;
ROLLBACK TO SAVEPOINT a;
COMMIT;
SELECT pgr.wait_idle();
SELECT * FROM spr_evaluated();
SELECT * FROM spr_deltas();
-- each feed's stored rows are a fresh evaluation's
SELECT p.room, same_multiset(r.result, (SELECT coalesce(jsonb_agg(jsonb_build_object('id', id, 'room', room, 'v', v)), '[]') FROM spr WHERE spr.room = p.room)) AS fresh
  FROM (VALUES (:r1::bigint, 1), (:r2, 2)) p(sub, room) JOIN pgr.subscription s ON s.id = p.sub JOIN pgr.feed_result r ON r.feed_id = s.feed_id ORDER BY p.room;
SELECT pgr.unsubscribe(:r1), pgr.unsubscribe(:r2);
SELECT pgr.undefine('spr_room');
DROP FUNCTION spr_evaluated();
DROP FUNCTION spr_deltas();
DROP TABLE spr, spr_seen, spr_at;
DROP FUNCTION spr_mark(int);
DROP SEQUENCE spr_ev1, spr_ev2;
SELECT pgr.unsubscribe(:c), pgr.unsubscribe(:s);
SELECT pgr.undefine('sp_count'), pgr.undefine('sp_all');
DROP FUNCTION sp_nest(int);
DROP FUNCTION sp_evaluated_since();
DROP TABLE sp, sp_seen;
DROP FUNCTION sp_mark();
DROP SEQUENCE sp_evaluated;
