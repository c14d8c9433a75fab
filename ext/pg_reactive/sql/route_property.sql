-- property: with rows routed by claim and by parameter and top-N feeds skipped, every feed
-- ends where full evaluation would: after every commit each feed's rows equal a fresh
-- evaluation and its deltas take its previous rows exactly to them, for
-- routable and unroutable queries, rows that change owner or room, and policies changed
-- while subscribed
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE TABLE owners (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO owners SELECT g, 'owner ' || g FROM generate_series(0, 9) g;
CREATE TABLE pr (id int PRIMARY KEY, owner int NOT NULL, room int NOT NULL, val int NOT NULL,
                 seq int NOT NULL, note text);
CREATE SEQUENCE pr_seq;
SELECT setseed(0.16);
INSERT INTO pr SELECT g, floor(random() * 10)::int, floor(random() * 8)::int, floor(random() * 100)::int,
                      nextval('pr_seq'), CASE WHEN random() < 0.2 THEN NULL ELSE 'n' || floor(random() * 4)::int END
  FROM generate_series(1, 200) g;
CREATE INDEX ON pr (owner, seq);
CREATE INDEX ON pr (room, seq);
GRANT SELECT ON pr, owners TO regress_pgr_user;
ALTER TABLE pr ENABLE ROW LEVEL SECURITY;
CREATE FUNCTION claimed_owner() RETURNS int LANGUAGE sql STABLE
  AS $$ SELECT (current_setting('request.jwt.claims', true)::jsonb ->> 'sub')::int $$;
-- the policies the test switches between while subscribed
CREATE FUNCTION use_policy(p text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DROP POLICY IF EXISTS pa ON pr;
  DROP POLICY IF EXISTS pb ON pr;
  DROP POLICY IF EXISTS pc ON pr;
  CASE p
    WHEN 'claim' THEN    -- routable: owner = a claim
      CREATE POLICY pa ON pr TO regress_pgr_user
        USING (owner = (current_setting('request.jwt.claims', true)::json ->> 'sub')::int);
    WHEN 'claim or' THEN -- not routable: an OR
      CREATE POLICY pa ON pr TO regress_pgr_user
        USING (owner = (current_setting('request.jwt.claims', true)::json ->> 'sub')::int OR val > 90);
    WHEN 'restrictive' THEN  -- routable: a restrictive policy through an inlined SQL function
      CREATE POLICY pa ON pr TO regress_pgr_user USING (true);
      CREATE POLICY pb ON pr AS RESTRICTIVE TO regress_pgr_user USING (owner = claimed_owner());
    WHEN 'note' THEN     -- routable by another column: the capture triggers must add it
      CREATE POLICY pa ON pr TO regress_pgr_user
        USING (note = current_setting('request.jwt.claims', true)::jsonb ->> 'note');
  END CASE;
END $$;
SELECT use_policy('claim');

SELECT pgr.define('q_top', 'SELECT id, owner, val, seq FROM pr ORDER BY seq DESC, id DESC LIMIT 5') > 0 AS q_top;
SELECT pgr.define('q_room', 'SELECT id, room, val FROM pr WHERE room = $1', '{int}') > 0 AS q_room;
SELECT pgr.define('q_room_top', 'SELECT id, val, seq FROM pr WHERE room = $1 ORDER BY seq, id LIMIT 3', '{int}') > 0 AS q_room_top;
SELECT pgr.define('q_rooms_from', 'SELECT id, val FROM pr WHERE room >= $1', '{int}') > 0 AS q_rooms_from;
SELECT pgr.define('q_room_sums', 'SELECT owner, count(*) AS n, sum(val) AS total FROM pr WHERE room = $1 GROUP BY owner', '{int}') > 0 AS q_room_sums;
SELECT pgr.define('q_room_or_owner', 'SELECT id, val FROM pr WHERE room = $1 OR owner = $2', '{int,int}') > 0 AS q_room_or_owner;
SELECT pgr.define('q_notes', 'SELECT id, note, seq FROM pr WHERE room = $1 ORDER BY note NULLS FIRST, id LIMIT 4', '{int}') > 0 AS q_notes;
SELECT pgr.define('q_join', 'SELECT p.id, p.val, o.name FROM pr p JOIN owners o ON o.id = p.owner WHERE p.room = $1', '{int}') > 0 AS q_join;

-- subscribers: ten users (role and claims), rooms as parameters, and the superuser (no RLS)
CREATE TABLE subs (sub bigint, query text, start_rows jsonb, key text[]);
CREATE FUNCTION claims_of(u int) RETURNS jsonb LANGUAGE sql IMMUTABLE
  AS $$ SELECT jsonb_build_object('sub', u::text, 'role', 'authenticated', 'note', 'n' || (u % 4)) $$;
INSERT INTO subs SELECT s.subscription_id, 'q_top', s.rows, s.key
  FROM generate_series(0, 9) u, pgr.subscribe('q_top', '[]', 'regress_pgr_user', claims_of(u)) s;
INSERT INTO subs SELECT s.subscription_id, 'q_top', s.rows, s.key FROM pgr.subscribe('q_top') s;
INSERT INTO subs SELECT s.subscription_id, 'q_room', s.rows, s.key
  FROM generate_series(0, 7) r, pgr.subscribe('q_room', jsonb_build_array(r), 'regress_pgr_user', claims_of(r)) s;
INSERT INTO subs SELECT s.subscription_id, 'q_room_top', s.rows, s.key
  FROM generate_series(0, 7) r, pgr.subscribe('q_room_top', jsonb_build_array(r)) s;
INSERT INTO subs SELECT s.subscription_id, 'q_rooms_from', s.rows, s.key
  FROM generate_series(5, 7) r, pgr.subscribe('q_rooms_from', jsonb_build_array(r)) s;
INSERT INTO subs SELECT s.subscription_id, 'q_room_sums', s.rows, s.key
  FROM generate_series(0, 3) r, pgr.subscribe('q_room_sums', jsonb_build_array(r), 'regress_pgr_user', claims_of(r + 4)) s;
INSERT INTO subs SELECT s.subscription_id, 'q_room_or_owner', s.rows, s.key
  FROM generate_series(0, 1) r, pgr.subscribe('q_room_or_owner', jsonb_build_array(r, r + 3)) s;
INSERT INTO subs SELECT s.subscription_id, 'q_notes', s.rows, s.key
  FROM generate_series(0, 3) r, pgr.subscribe('q_notes', jsonb_build_array(r)) s;
INSERT INTO subs SELECT s.subscription_id, 'q_join', s.rows, s.key
  FROM generate_series(0, 3) r, pgr.subscribe('q_join', jsonb_build_array(r)) s;
SELECT pgr.wait_idle();
SELECT query, count(*) AS subscribers FROM subs GROUP BY query ORDER BY query;

-- the paths the queries take: for the users' role (the policy routes by owner) and for the
-- superuser (no RLS: only a parameter compared for equality routes)
SELECT q.name, e.relation, e.path
  FROM pgr.live_query q, pgr.explain(q.name, 'regress_pgr_user') e
 WHERE e.relation IS NOT NULL ORDER BY q.name, e.relation::text;
SELECT q.name, e.relation, e.path, e.detail
  FROM pgr.live_query q, pgr.explain(q.name, current_user) e
 WHERE e.relation IS NOT NULL AND e.path = 'routed' ORDER BY q.name, e.relation::text;
SELECT q.name, e.relation, e.path
  FROM pgr.live_query q, pgr.explain(q.name, current_user) e
 WHERE e.relation IS NOT NULL AND e.path <> 'routed' ORDER BY q.name, e.relation::text;
SELECT q.name, e.path, e.detail LIKE 'a change that sorts after%' AS skips
  FROM pgr.live_query q, pgr.explain(q.name) e WHERE e.path = 'top-N' ORDER BY q.name;

-- a fresh evaluation of a feed, as its role with its claims
CREATE FUNCTION fresh(feed bigint) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  s record;
  r jsonb;
BEGIN
  SELECT q.sql, q.param_types, f.params, f.role, f.claims INTO s
    FROM pgr.feed f JOIN pgr.live_query q ON q.id = f.query_id WHERE f.id = feed;
  PERFORM set_config('request.jwt.claims', s.claims::text, true);
  PERFORM set_config('role', s.role, true);
  r := pgr._eval(s.sql, s.param_types, s.params);
  PERFORM set_config('role', 'none', true);
  RETURN r;
END $$;
-- per feed: its stored rows after the last step and the sequence reached
CREATE TABLE expect (feed bigint PRIMARY KEY, key text[], rows_ jsonb, seq bigint);
INSERT INTO expect SELECT f.id, q.key, r.result, f.seq
  FROM pgr.feed f JOIN pgr.live_query q ON q.id = f.query_id JOIN pgr.feed_result r ON r.feed_id = f.id;
CREATE TABLE checks (step int, what text, feed bigint, ok boolean);
-- after a commit: each feed's stored rows must be its fresh rows (as a multiset; their order is
-- PostgreSQL's from the evaluation that produced them), at most one delta later, and its new
-- deltas must take the stored rows before to the stored rows after, exactly
CREATE PROCEDURE check_feeds(step_ int, what_ text) LANGUAGE plpgsql AS $$
DECLARE
  e record;
  now_ jsonb;
  got jsonb;
  cur bigint;
  stored jsonb;
BEGIN
  FOR e IN SELECT * FROM expect ORDER BY feed LOOP
    now_ := fresh(e.feed);
    SELECT f.seq, r.result INTO cur, stored FROM pgr.feed f JOIN pgr.feed_result r ON r.feed_id = f.id WHERE f.id = e.feed;
    SELECT coalesce(jsonb_agg(o ORDER BY d.seq, n), '[]') INTO got
      FROM pgr.delta_log d, jsonb_array_elements(d.ops::jsonb) WITH ORDINALITY AS x(o, n)
     WHERE d.feed_id = e.feed AND d.seq > e.seq;
    INSERT INTO checks VALUES (step_, what_, e.feed,
      cur - e.seq <= 1 AND pgr.apply(e.rows_, got, e.key)::text = stored::text
      AND same_multiset(stored, now_));
    UPDATE expect SET rows_ = stored, seq = cur WHERE feed = e.feed;
  END LOOP;
END $$;

-- random writes, one commit each, checked after the worker handled it
CREATE PROCEDURE scramble(steps int, first int) LANGUAGE plpgsql AS $$
DECLARE
  r float8;
  k int;
BEGIN
  FOR i IN first .. first + steps - 1 LOOP
    r := random();
    k := 1 + floor(random() * 240)::int;
    IF r < 0.2 THEN
      INSERT INTO pr VALUES (k, floor(random() * 10)::int, floor(random() * 8)::int, floor(random() * 100)::int,
                             nextval('pr_seq'), CASE WHEN random() < 0.2 THEN NULL ELSE 'n' || floor(random() * 4)::int END)
      ON CONFLICT (id) DO NOTHING;
    ELSIF r < 0.75 THEN
      -- a row that changes owner or room leaves one feed and enters another
      UPDATE pr SET owner = CASE WHEN random() < 0.3 THEN floor(random() * 10)::int ELSE owner END,
                    room = CASE WHEN random() < 0.3 THEN floor(random() * 8)::int ELSE room END,
                    val = CASE WHEN random() < 0.5 THEN floor(random() * 100)::int ELSE val END,
                    seq = CASE WHEN random() < 0.4 THEN nextval('pr_seq') ELSE seq END,
                    note = CASE WHEN random() < 0.2 THEN (ARRAY[NULL, 'n0', 'n1', 'n2', 'n3'])[1 + floor(random() * 5)::int]
                                ELSE note END
       WHERE id = k;
    ELSIF r < 0.85 THEN
      -- many rows of one owner in one statement
      UPDATE pr SET val = floor(random() * 100)::int WHERE owner = k % 10 AND id % 3 = 0;
    ELSIF r < 0.9 THEN
      UPDATE owners SET name = 'owner ' || k WHERE id = k % 10;
    ELSE
      DELETE FROM pr WHERE id = k;
    END IF;
    COMMIT;
    PERFORM pgr.wait_idle();
    CALL check_feeds(i, 'write');
    COMMIT;
  END LOOP;
END $$;
SELECT setseed(0.42);
CALL scramble(40, 1);
-- policies changed while subscribed: the change alone re-evaluates and re-routes the feeds
SELECT use_policy('claim or');
SELECT pgr.wait_idle();
CALL check_feeds(41, 'policy');
CALL scramble(25, 42);
SELECT use_policy('restrictive');
SELECT pgr.wait_idle();
CALL check_feeds(67, 'policy');
CALL scramble(25, 68);
SELECT use_policy('note');
SELECT pgr.wait_idle();
CALL check_feeds(93, 'policy');
CALL scramble(25, 94);
-- a row moving out of the top of one user into another's, and TRUNCATE
UPDATE pr SET owner = (owner + 1) % 10 WHERE id = (SELECT id FROM pr ORDER BY seq DESC LIMIT 1);
SELECT pgr.wait_idle();
CALL check_feeds(119, 'move');
SELECT use_policy('claim');
SELECT pgr.wait_idle();
CALL check_feeds(120, 'policy');
BEGIN;
TRUNCATE pr;
INSERT INTO pr SELECT g, g % 10, g % 8, g, nextval('pr_seq'), 'n' || (g % 4) FROM generate_series(1, 50) g;
COMMIT;
SELECT pgr.wait_idle();
CALL check_feeds(121, 'truncate');
CALL scramble(10, 122);

SELECT what, count(DISTINCT step) AS steps, count(*) AS checks, count(*) FILTER (WHERE NOT ok) AS mismatches
  FROM checks GROUP BY what ORDER BY what;
-- the log replayed onto each subscriber's first rows gives its current rows
SELECT count(*) AS subscribers,
       bool_and(same_multiset(replay(s.sub, s.start_rows, s.key), fresh((SELECT x.feed_id FROM pgr.subscription x WHERE x.id = s.sub)))) AS replays_match
  FROM subs s;
-- and the routed feeds were evaluated far less often than unrouted ones
SELECT pg_sleep(2.5);
SELECT (SELECT sum(f.evaluations)::float8 / count(*) FROM pgr.feed f JOIN pgr.live_query q ON q.id = f.query_id
         WHERE q.name = 'q_room_top')
     < (SELECT sum(f.evaluations)::float8 / count(*) FROM pgr.feed f JOIN pgr.live_query q ON q.id = f.query_id
         WHERE q.name = 'q_rooms_from') / 2 AS routed_evaluated_less;

SELECT count(pgr.unsubscribe(sub)) FROM subs;
SELECT count(pgr.undefine(name)) FROM pgr.live_query;
SELECT pgr.wait_idle();
DROP TABLE pr, owners, subs, expect, checks;
DROP SEQUENCE pr_seq;
DROP PROCEDURE scramble(int, int), check_feeds(int, text);
DROP FUNCTION use_policy(text), claimed_owner(), claims_of(int), fresh(bigint);
RESET client_min_messages;
