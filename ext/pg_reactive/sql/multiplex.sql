-- feeds of one live query that share a security context are evaluated in one
-- statement, their parameters joined in as rows; results stay per feed
\set SHOW_CONTEXT never
CREATE TABLE m (id int PRIMARY KEY, tag text, qty int NOT NULL);
INSERT INTO m VALUES (1, 'a', 1), (2, 'b', 2), (3, NULL, 3), (4, 'a', 0);
GRANT SELECT ON m TO regress_pgr_user;
-- "$1" inside a literal is text, not a parameter; a NULL parameter matches nothing
SELECT pgr.define('m_tag', 'SELECT id, qty, ''$1'' AS lit FROM m WHERE tag = $1 AND qty >= $2', '{text,int}') > 0 AS defined;
-- a query that raises for one parameter value once a row with that qty exists
SELECT pgr.define('m_ratio', 'SELECT id, 12 / (qty - $1) AS r FROM m WHERE qty > 0', '{int}') > 0 AS defined;
CREATE TABLE subs AS
SELECT 'a0' AS label, s.subscription_id AS sub FROM pgr.subscribe('m_tag', '["a", 0]') s
UNION ALL SELECT 'a1', s.subscription_id FROM pgr.subscribe('m_tag', '["a", 1]') s
UNION ALL SELECT 'b0', s.subscription_id FROM pgr.subscribe('m_tag', '["b", 0]') s
UNION ALL SELECT 'null', s.subscription_id FROM pgr.subscribe('m_tag', '[null, 0]') s
UNION ALL SELECT 'a0 as user', s.subscription_id FROM pgr.subscribe('m_tag', '["a", 0]', 'regress_pgr_user') s
UNION ALL SELECT 'ratio 7', s.subscription_id FROM pgr.subscribe('m_ratio', '[7]') s
UNION ALL SELECT 'ratio 10', s.subscription_id FROM pgr.subscribe('m_ratio', '[10]') s
UNION ALL SELECT 'ratio 20', s.subscription_id FROM pgr.subscribe('m_ratio', '[20]') s;
SELECT pgr.wait_idle();
-- one commit that every feed sees: incremental for m_tag (changed keys), full for m_ratio
INSERT INTO m VALUES (5, 'a', 5), (6, 'b', 6);
UPDATE m SET tag = 'b' WHERE id = 1;
SELECT pgr.wait_idle();
-- each feed's rows, with every delta applied, equal a fresh SELECT with its parameters
SELECT s.label,
       (SELECT jsonb_agg(e ORDER BY (e ->> 'id')::int) FROM pgr.resync(s.sub) r, jsonb_array_elements(r.rows) e) AS rows_
  FROM subs s ORDER BY s.label;
SELECT f.role, f.params, f.errors FROM pgr.feed f JOIN pgr.live_query q ON q.id = f.query_id ORDER BY f.id;
-- a feed whose parameters make the query raise errs alone; the others in its group keep flowing
INSERT INTO m VALUES (7, 'c', 7);
SELECT pgr.wait_idle();
SELECT f.params, f.errors, f.last_error
  FROM pgr.feed f JOIN pgr.live_query q ON q.id = f.query_id WHERE q.name = 'm_ratio' ORDER BY f.params::text;
SELECT s.label, (SELECT max(seq) FROM ops_of(s.sub)) AS last_seq,
       (SELECT jsonb_agg(o.row_ ORDER BY (o.row_ ->> 'id')::int) FROM ops_of(s.sub) o WHERE o.row_ ->> 'id' = '7') AS row_7
  FROM subs s WHERE s.label LIKE 'ratio%' ORDER BY s.label;
SELECT count(pgr.unsubscribe(sub)) FROM subs;
SELECT pgr.undefine('m_tag'), pgr.undefine('m_ratio');
DROP TABLE m, subs;

-- two tokens of one user (different exp, iat, jti) share one feed; another user does not
CREATE TABLE n (id int PRIMARY KEY);
GRANT SELECT ON n TO regress_pgr_user;
SELECT pgr.define('ns', 'SELECT id FROM n') > 0 AS defined;
SELECT count(DISTINCT s.feed_id) AS feeds
  FROM (VALUES ('{"sub": "u1", "exp": 100, "iat": 1, "jti": "a"}'::jsonb),
               ('{"sub": "u1", "exp": 200, "iat": 2, "jti": "b", "nbf": 2}'),
               ('{"sub": "u2", "exp": 100}')) c(claims),
       pgr.subscribe('ns', '[]', 'regress_pgr_user', c.claims) s;
SELECT claims FROM pgr.subscriptions WHERE query = 'ns' ORDER BY id;
SELECT count(pgr.unsubscribe(id)) FROM pgr.subscriptions WHERE query = 'ns';
SELECT pgr.undefine('ns');
DROP TABLE n;
