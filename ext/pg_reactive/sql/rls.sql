-- RLS per subscriber: each feed is evaluated as its role with its claims; an error
-- evaluating one subscriber's context reaches that subscriber alone
\set SHOW_CONTEXT never
CREATE TABLE note (id int PRIMARY KEY, owner text NOT NULL, body text NOT NULL, public boolean DEFAULT false);
ALTER TABLE note ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON note TO regress_pgr_anon, regress_pgr_user;
CREATE FUNCTION note_guard(body text) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF body = 'boom' AND current_setting('request.jwt.claims', true)::jsonb ->> 'strict' = 'true' THEN
    RAISE EXCEPTION 'strict readers may not see boom';
  END IF;
  RETURN true;
END $$;
CREATE POLICY own ON note FOR SELECT TO regress_pgr_user
  USING (owner = current_setting('request.jwt.claims', true)::jsonb ->> 'sub' AND note_guard(body));
CREATE POLICY pub ON note FOR SELECT TO regress_pgr_anon USING (public);
INSERT INTO note VALUES (1, 'alice', 'a1', false), (2, 'bob', 'b1', false), (3, 'carol', 'c1', true);
SELECT pgr.define('notes', 'SELECT id, owner, body FROM note ORDER BY id');

-- the hub connects as a role that is a member of the subscriber roles
SET SESSION AUTHORIZATION regress_pgr_hub;
SELECT subscription_id AS alice, rows FROM pgr.subscribe('notes', '[]', 'regress_pgr_user', '{"sub": "alice"}') \gset
SELECT :'rows' AS alice_rows;
SELECT subscription_id AS alice2, feed_id AS alice2_feed FROM pgr.subscribe('notes', '[]', 'regress_pgr_user', '{"sub": "alice"}') \gset
SELECT subscription_id AS bob, rows FROM pgr.subscribe('notes', '[]', 'regress_pgr_user', '{"sub": "bob"}') \gset
SELECT :'rows' AS bob_rows;
SELECT subscription_id AS carol, rows FROM pgr.subscribe('notes', '[]', 'regress_pgr_user', '{"sub": "carol", "strict": "true"}') \gset
SELECT :'rows' AS carol_rows;
SELECT subscription_id AS anon, rows FROM pgr.subscribe('notes', '[]', 'regress_pgr_anon') \gset
SELECT :'rows' AS anon_rows;
-- a role the hub is not a member of is refused
SELECT pgr.subscribe('notes', '[]', 'postgres');
-- the hub cannot read the catalog, only the views (its own subscriptions) and its deltas
SELECT count(*) FROM pgr.feed;
SELECT count(*) AS mine FROM pgr.subscriptions;
-- ad hoc SQL works for the hub too, under RLS
SELECT subscription_id AS adhoc, rows FROM pgr.subscribe_sql('SELECT id FROM note WHERE id < 3', '[]', 'regress_pgr_user', '{"sub": "bob"}') \gset
SELECT :'rows' AS adhoc_rows;
SELECT pgr.unsubscribe(:adhoc);
RESET SESSION AUTHORIZATION;

SELECT pgr.wait_idle();
-- identical (query, params, role, claims) share one feed
SELECT count(DISTINCT feed_id) AS feeds, count(*) AS subscriptions FROM pgr.subscriptions WHERE query = 'notes';

-- one transaction touches everyone; carol's policy raises, the others still get their deltas
BEGIN;
INSERT INTO note VALUES (4, 'alice', 'a2', false), (5, 'carol', 'boom', false), (6, 'bob', 'b2', true);
COMMIT;
SELECT pgr.wait_idle();
SET SESSION AUTHORIZATION regress_pgr_hub;
SELECT 'alice' AS who, * FROM ops_of(:alice);
SELECT 'alice2' AS who, * FROM ops_of(:alice2);
SELECT 'bob' AS who, * FROM ops_of(:bob);
SELECT 'carol' AS who, * FROM ops_of(:carol);
SELECT 'anon' AS who, * FROM ops_of(:anon);
RESET SESSION AUTHORIZATION;
SELECT f.claims, f.seq, f.errors, f.last_error FROM pgr.feed f ORDER BY f.id;

-- carol recovers once the offending row is gone; her delta starts from her last good rows
DELETE FROM note WHERE body = 'boom';
SELECT pgr.wait_idle();
SELECT f.claims, f.seq, f.errors, f.last_error FROM pgr.feed f ORDER BY f.id;

SET SESSION AUTHORIZATION regress_pgr_hub;
SELECT pgr.unsubscribe(:alice), pgr.unsubscribe(:alice2), pgr.unsubscribe(:bob), pgr.unsubscribe(:carol), pgr.unsubscribe(:anon);
RESET SESSION AUTHORIZATION;
SELECT pgr.undefine('notes');
DROP TABLE note;
DROP FUNCTION note_guard(text);
