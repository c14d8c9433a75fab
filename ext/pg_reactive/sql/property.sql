-- property: after random writes, the initial rows with every logged delta applied
-- equal a fresh SELECT, for keyed, keyless and aggregate queries
\set SHOW_CONTEXT never
CREATE TABLE p (id int PRIMARY KEY, grp int NOT NULL, val int NOT NULL);
INSERT INTO p SELECT g, g % 4, g % 17 FROM generate_series(1, 60) g;
SELECT pgr.define('p_keyed', 'SELECT id, val FROM p WHERE grp = $1', '{int}');
SELECT pgr.define('p_multiset', 'SELECT val FROM p WHERE val > $1', '{int}');
SELECT pgr.define('p_agg', 'SELECT grp, count(*) AS n, sum(val) AS total FROM p GROUP BY grp');
-- ordered: incremental (keyed; by the key alone, merged; by other columns, evaluated in full),
-- full (a join, ties broken by PostgreSQL), ORDER BY on a column the output does not carry
SELECT pgr.define('p_ordered', 'SELECT id, val FROM p WHERE grp = $1 ORDER BY val DESC, id', '{int}');
SELECT pgr.define('p_by_key', 'SELECT id, val FROM p WHERE grp = $1 ORDER BY id DESC', '{int}');
SELECT pgr.define('p_hidden', 'SELECT a.id FROM p a WHERE a.grp = $1 ORDER BY a.val, a.id', '{int}');
SELECT pgr.define('p_ties', 'SELECT a.val, b.grp FROM p a JOIN p b ON b.id = a.val ORDER BY a.val DESC LIMIT 12');
-- the keyed single-table query takes the incremental path (changed keys only)
SELECT name, inc_key, ordered FROM pgr.live_query ORDER BY name;
CREATE TABLE start (sub bigint, query text, params jsonb, key text[], rows jsonb);
INSERT INTO start SELECT s.subscription_id, 'p_keyed', '[1]', s.key, s.rows FROM pgr.subscribe('p_keyed', '[1]') s;
INSERT INTO start SELECT s.subscription_id, 'p_keyed', '[2]', s.key, s.rows FROM pgr.subscribe('p_keyed', '[2]') s;
INSERT INTO start SELECT s.subscription_id, 'p_multiset', '[8]', s.key, s.rows FROM pgr.subscribe('p_multiset', '[8]') s;
INSERT INTO start SELECT s.subscription_id, 'p_agg', '[]', s.key, s.rows FROM pgr.subscribe('p_agg') s;
INSERT INTO start SELECT s.subscription_id, 'p_ordered', '[3]', s.key, s.rows FROM pgr.subscribe('p_ordered', '[3]') s;
INSERT INTO start SELECT s.subscription_id, 'p_by_key', '[1]', s.key, s.rows FROM pgr.subscribe('p_by_key', '[1]') s;
INSERT INTO start SELECT s.subscription_id, 'p_hidden', '[0]', s.key, s.rows FROM pgr.subscribe('p_hidden', '[0]') s;
INSERT INTO start SELECT s.subscription_id, 'p_ties', '[]', s.key, s.rows FROM pgr.subscribe('p_ties') s;

-- 300 random single-row writes, each its own commit, racing the worker
CREATE PROCEDURE scramble(n int) LANGUAGE plpgsql AS $$
DECLARE
  r float8;
  k int;
BEGIN
  FOR i IN 1 .. n LOOP
    r := random();
    k := 1 + floor(random() * 80)::int;
    IF r < 0.4 THEN
      INSERT INTO p VALUES (k, floor(random() * 4)::int, floor(random() * 17)::int) ON CONFLICT (id) DO NOTHING;
    ELSIF r < 0.8 THEN
      UPDATE p SET val = floor(random() * 17)::int, grp = CASE WHEN random() < 0.3 THEN floor(random() * 4)::int ELSE grp END
       WHERE id = k;
    ELSE
      DELETE FROM p WHERE id = k;
    END IF;
    COMMIT;
  END LOOP;
END $$;
SELECT setseed(0.42);
CALL scramble(300);
SELECT pgr.wait_idle();

-- replay the log onto the initial rows and compare with a fresh evaluation: as multisets,
-- and (for queries whose ORDER BY leaves no ties) as text, order and every byte (setup.sql's helpers)
SELECT s.query, s.params, s.key,
       same_multiset(replay(s.sub, s.rows, s.key),
                     pgr._eval((SELECT sql FROM pgr.live_query WHERE name = s.query),
                               (SELECT param_types FROM pgr.live_query WHERE name = s.query), s.params)) AS replay_matches,
       same_multiset((SELECT rows FROM pgr.resync(s.sub)),
                     pgr._eval((SELECT sql FROM pgr.live_query WHERE name = s.query),
                               (SELECT param_types FROM pgr.live_query WHERE name = s.query), s.params)) AS resync_matches,
       replay(s.sub, s.rows, s.key)::text = (SELECT rows FROM pgr.resync(s.sub))::text AS replay_is_stored,
       CASE WHEN s.query IN ('p_ordered', 'p_hidden', 'p_by_key')
            THEN replay(s.sub, s.rows, s.key)::text
                 = pgr._eval((SELECT sql FROM pgr.live_query WHERE name = s.query),
                             (SELECT param_types FROM pgr.live_query WHERE name = s.query), s.params)::text END AS in_order,
       (SELECT count(*) > 0 FROM pgr.changes(s.sub, 0)) AS had_deltas,
       (SELECT bool_and(c.seq = n) FROM pgr.changes(s.sub, 0) WITH ORDINALITY AS c(seq, ops, created_at, size, n)) AS gapless,
       (SELECT bool_and(c.size = jsonb_array_length(pgr.apply(s.rows, (SELECT jsonb_agg(o ORDER BY d.seq, x.n)
                                 FROM pgr.changes(s.sub, 0) d, jsonb_array_elements(d.ops::jsonb) WITH ORDINALITY x(o, n)
                                 WHERE d.seq <= c.seq), s.key)))
          FROM pgr.changes(s.sub, 0) c) AS sizes
  FROM start s ORDER BY s.sub;

SELECT pgr.unsubscribe(sub) FROM start ORDER BY sub;
SELECT pgr.undefine(q) FROM unnest(ARRAY['p_keyed', 'p_multiset', 'p_agg', 'p_ordered', 'p_by_key', 'p_hidden', 'p_ties']) q;
DROP TABLE p, start;
DROP PROCEDURE scramble(int);
