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
SELECT pgr.unsubscribe(:c), pgr.unsubscribe(:s);
SELECT pgr.undefine('sp_count'), pgr.undefine('sp_all');
DROP FUNCTION sp_nest(int);
DROP FUNCTION sp_evaluated_since();
DROP TABLE sp, sp_seen;
DROP FUNCTION sp_mark();
DROP SEQUENCE sp_evaluated;
