/* pg_reactive--0.1--0.2.sql — from 0.1 to 0.2. 0.1 is released (installed in databases
 * that ran it), so it stays as it was; everything 0.2 adds or replaces is here, and a new
 * install runs 0.1 then this script. */
\echo Use "ALTER EXTENSION pg_reactive UPDATE TO '0.2'" to load this file. \quit

-- The statement pgr._eval_batch() runs for feeds of one query that share a security context:
-- parameters bound as arrays of their declared types ($1..$n), no cast inside the query.
CREATE FUNCTION pgr._multiplexed(sql text, param_types regtype[], restrict_key text DEFAULT NULL)
  RETURNS text
  AS 'MODULE_PATHNAME', 'pgr_multiplexed' LANGUAGE C STABLE;

-- ------------------------------------------------------------------ routing (see src/route.c)

-- NULL: the feed's routes are not known (new, or moved): it is evaluated in full, then routed.
ALTER TABLE pgr.feed ADD COLUMN route_sig text;
CREATE INDEX feed_unrouted ON pgr.feed (id) WHERE route_sig IS NULL;

-- Per feed and table it reads: the column whose value routes the table's changed rows to the
-- feed and the hash of the feed's value of it (NULL: no row reaches it), or attnum 0 when every
-- change of the table reaches it. Written by the worker.
CREATE TABLE pgr.feed_route (
  feed_id       bigint NOT NULL REFERENCES pgr.feed ON DELETE CASCADE,
  relid         oid NOT NULL,
  attnum        int2 NOT NULL,
  hash          int4,
  PRIMARY KEY (feed_id, relid)
);
CREATE INDEX feed_route_value ON pgr.feed_route (relid, attnum, hash);

-- Columns the capture triggers hash in changed rows (their argument), because feeds route by them.
CREATE TABLE pgr.route_column (
  relid         oid NOT NULL,
  attnum        int2 NOT NULL,
  PRIMARY KEY (relid, attnum)
);

CREATE FUNCTION pgr._route_analyze(sql text, param_types regtype[], search_path text, role name, tables oid[])
  RETURNS TABLE (relid oid, attnum int2, route text)
  AS 'MODULE_PATHNAME', 'pgr_route_analyze' LANGUAGE C VOLATILE STRICT;

CREATE FUNCTION pgr._routes(feed_ids int8[])
  RETURNS TABLE (feed_id int8, relid oid, attnum int2, hash int4, sig text)
  AS 'MODULE_PATHNAME', 'pgr_routes' LANGUAGE C VOLATILE STRICT;

CREATE FUNCTION pgr._route_sig(query_id int8, role name) RETURNS text
  AS 'MODULE_PATHNAME', 'pgr_route_sig' LANGUAGE C VOLATILE STRICT;

CREATE FUNCTION pgr._routes_stale() RETURNS boolean
  AS 'MODULE_PATHNAME', 'pgr_routes_stale' LANGUAGE C VOLATILE;

-- (row estimates small: the worker's generic plans must look feeds up by index)
CREATE FUNCTION pgr._cycle_dirty() RETURNS TABLE (relid oid, cols int2[], reroute boolean)
  AS 'MODULE_PATHNAME', 'pgr_cycle_dirty' LANGUAGE C VOLATILE ROWS 2;

CREATE FUNCTION pgr._cycle_routes() RETURNS TABLE (relid oid, attnum int2, hash int4)
  AS 'MODULE_PATHNAME', 'pgr_cycle_routes' LANGUAGE C VOLATILE ROWS 4;
ALTER FUNCTION pgr._eval_batch(text, regtype[], text, text, int8[], int8[], name[], text[], jsonb[]) ROWS 10;

CREATE FUNCTION pgr._topn_skip(query_id int8, sql text, param_types regtype[], search_path text, relid oid,
                               keys int8[], prev jsonb, route_attnum int2, route_hash int4) RETURNS boolean
  AS 'MODULE_PATHNAME', 'pgr_topn_skip' LANGUAGE C VOLATILE;

CREATE FUNCTION pgr._topn(sql text, param_types regtype[], search_path text) RETURNS text
  AS 'MODULE_PATHNAME', 'pgr_topn' LANGUAGE C VOLATILE STRICT;

-- Route the given feeds: their route rows, their fingerprint, and the routing columns the
-- capture triggers must hash. True when a routing column is new. A feed removed meanwhile
-- is routed (or gone) at the next cycle.
CREATE FUNCTION pgr._reroute(ids bigint[]) RETURNS boolean
  LANGUAGE plpgsql
  AS $$
DECLARE
  added bigint;
BEGIN
  DELETE FROM pgr.feed_route r WHERE r.feed_id = ANY (ids);
  WITH routes AS (SELECT * FROM pgr._routes(ids)),
  ins AS (INSERT INTO pgr.feed_route (feed_id, relid, attnum, hash)
          SELECT r.feed_id, r.relid, r.attnum, r.hash FROM routes r RETURNING 1),
  cols AS (INSERT INTO pgr.route_column (relid, attnum)
           SELECT DISTINCT r.relid, r.attnum FROM routes r WHERE r.attnum > 0
           ON CONFLICT DO NOTHING RETURNING 1),
  sig AS (UPDATE pgr.feed x
             SET route_sig = coalesce((SELECT r.sig FROM routes r WHERE r.feed_id = x.id LIMIT 1), 'none')
           WHERE x.id = ANY (ids) RETURNING 1)
  SELECT count(*) INTO added FROM cols;     -- (every data-modifying WITH runs, referenced or not)
  RETURN added > 0;
EXCEPTION WHEN foreign_key_violation OR deadlock_detected OR lock_not_available OR serialization_failure THEN
  RETURN false;
END
$$;

-- A catalog change may have moved routes: feeds whose query's fingerprint for their role
-- changed lose their routes (and are evaluated in full, then routed, this cycle).
CREATE FUNCTION pgr._route_verify() RETURNS void
  LANGUAGE plpgsql
  AS $$
BEGIN
  UPDATE pgr.feed x SET route_sig = NULL
    FROM (SELECT s.query_id, s.role
            FROM (SELECT DISTINCT f.query_id, f.role, f.route_sig FROM pgr.feed f WHERE f.route_sig IS NOT NULL) s
           WHERE pgr._route_sig(s.query_id, s.role) IS DISTINCT FROM s.route_sig) m
   WHERE x.query_id = m.query_id AND x.role = m.role AND x.route_sig IS NOT NULL;
END
$$;

-- Install (or bring up to date) one table's capture triggers: with transition tables when
-- it has a one-column integer primary key (changed keys) or routing columns (their hashes,
-- named in the trigger's argument), a plain statement trigger otherwise. True when changed.
CREATE FUNCTION pgr._install_capture(r oid) RETURNS boolean
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog
  AS $$
DECLARE
  cols text := coalesce((SELECT string_agg(c.attnum::text, ',' ORDER BY c.attnum) FROM pgr.route_column c
                          WHERE c.relid = r AND c.attnum < 64), '');
  plain_table boolean := EXISTS (SELECT FROM pg_class c WHERE c.oid = r AND c.relkind = 'r' AND NOT c.relispartition);
  transition boolean;
  current boolean;
  tg name;
BEGIN
  transition := plain_table AND (cols <> '' OR coalesce(
    (SELECT count(*) = 1 AND bool_and(a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype))
       FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
      WHERE i.indrelid = r AND i.indisprimary), false));
  IF transition THEN
    current := EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = r AND t.tgname = 'pgr_capture_upd'
                         AND t.tgnargs = 1 AND t.tgargs = convert_to(cols, 'UTF8') || '\x00'::bytea);
  ELSE
    current := NOT EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = r AND t.tgname = 'pgr_capture_upd')
               AND EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = r AND t.tgname = 'pgr_capture');
  END IF;
  IF current AND EXISTS (SELECT FROM pgr.captured c WHERE c.relid = r) THEN
    RETURN false;
  END IF;
  IF transition THEN
    EXECUTE format('CREATE OR REPLACE TRIGGER pgr_capture_ins AFTER INSERT ON %s REFERENCING NEW TABLE AS pgr_new '
                   'FOR EACH STATEMENT EXECUTE FUNCTION pgr._capture(%L)', r::regclass, cols);
    EXECUTE format('CREATE OR REPLACE TRIGGER pgr_capture_upd AFTER UPDATE ON %s REFERENCING OLD TABLE AS pgr_old '
                   'NEW TABLE AS pgr_new FOR EACH STATEMENT EXECUTE FUNCTION pgr._capture(%L)', r::regclass, cols);
    EXECUTE format('CREATE OR REPLACE TRIGGER pgr_capture_del AFTER DELETE ON %s REFERENCING OLD TABLE AS pgr_old '
                   'FOR EACH STATEMENT EXECUTE FUNCTION pgr._capture(%L)', r::regclass, cols);
    EXECUTE format('CREATE OR REPLACE TRIGGER pgr_capture AFTER TRUNCATE ON %s '
                   'FOR EACH STATEMENT EXECUTE FUNCTION pgr._capture()', r::regclass);
  ELSE
    FOR tg IN SELECT t.tgname FROM pg_trigger t
               WHERE t.tgrelid = r AND t.tgname IN ('pgr_capture_ins', 'pgr_capture_upd', 'pgr_capture_del') ORDER BY 1
    LOOP
      EXECUTE format('DROP TRIGGER %I ON %s', tg, r::regclass);
    END LOOP;
    EXECUTE format('CREATE OR REPLACE TRIGGER pgr_capture AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %s '
                   'FOR EACH STATEMENT EXECUTE FUNCTION pgr._capture()', r::regclass);
  END IF;
  INSERT INTO pgr.captured VALUES (r) ON CONFLICT DO NOTHING;
  RETURN true;
END
$$;

-- Install the capture triggers on every table that a live query with feeds (or the query
-- being subscribed to) reads and that has none yet, hashing the columns the subscribing
-- role's feeds route by.
-- Runs as the extension owner. Removing them is the worker's job (pgr._release_capture).
DROP FUNCTION pgr._sync_capture(bigint);
CREATE FUNCTION pgr._sync_capture(also_query bigint DEFAULT NULL, also_role name DEFAULT NULL) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog
  AS $$
DECLARE
  r oid;
BEGIN
  -- held to commit: the worker cannot remove a table's triggers while a subscribe that
  -- relies on them is in flight (it takes EXCLUSIVE on the same table to remove)
  LOCK TABLE pgr.captured IN ROW EXCLUSIVE MODE;
  IF also_query IS NOT NULL AND also_role IS NOT NULL THEN
    INSERT INTO pgr.route_column (relid, attnum)
    SELECT a.relid, a.attnum
      FROM pgr.live_query q, pgr._route_analyze(q.sql, q.param_types, q.search_path, also_role, q.tables) a
     WHERE q.id = also_query AND a.attnum > 0
    ON CONFLICT DO NOTHING;
  END IF;
  -- a table already captured keeps its triggers: replacing them would wait for its writers;
  -- the worker adds a new routing column soon after, without waiting long (pgr._resync_capture)
  FOR r IN
    SELECT DISTINCT t FROM pgr.live_query q, unnest(q.tables) t
     WHERE (q.id = also_query OR EXISTS (SELECT FROM pgr.feed f WHERE f.query_id = q.id))
       AND NOT EXISTS (SELECT FROM pgr.captured c WHERE c.relid = t)
     ORDER BY t
  LOOP
    IF EXISTS (SELECT FROM pg_class WHERE oid = r) THEN
      PERFORM pgr._install_capture(r);
    END IF;
  END LOOP;
END
$$;

-- Worker housekeeping: forget routing columns no feed routes by, and bring the capture
-- triggers' columns up to date, giving up quickly on a busy table (tried again later).
CREATE FUNCTION pgr._resync_capture() RETURNS void
  LANGUAGE plpgsql
  AS $$
DECLARE
  r oid;
BEGIN
  -- only while every feed is routed: a feed being routed may need a column no other uses
  IF NOT EXISTS (SELECT FROM pgr.feed x WHERE x.route_sig IS NULL) THEN
    DELETE FROM pgr.route_column c
     WHERE NOT EXISTS (SELECT FROM pgr.feed_route r WHERE r.relid = c.relid AND r.attnum = c.attnum);
  END IF;
  FOR r IN SELECT c.relid FROM pgr.captured c ORDER BY 1 LOOP
    BEGIN
      PERFORM pg_catalog.set_config('lock_timeout', '100ms', true);
      PERFORM pgr._install_capture(r);
      PERFORM pg_catalog.set_config('lock_timeout', '0', true);
    EXCEPTION WHEN lock_not_available THEN
      NULL;                               -- busy: next housekeeping round
    END;
  END LOOP;
END
$$;

-- DDL on a captured table, or on a policy of one: re-evaluate the live queries that read it
-- at commit (and route their feeds again), so a dropped or altered table reaches subscribers
-- as an error or a delta, and a changed policy as the rows it now shows.
CREATE OR REPLACE FUNCTION pgr._on_ddl() RETURNS event_trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog
  AS $$
DECLARE
  hit oid[];
BEGIN
  IF tg_event = 'sql_drop' THEN
    SELECT array_agg(o.objid) INTO hit FROM pg_event_trigger_dropped_objects() o
     WHERE o.classid = 'pg_class'::regclass AND o.objsubid = 0
       AND o.objid IN (SELECT relid FROM pgr.captured);
    IF hit IS NOT NULL THEN
      DELETE FROM pgr.captured WHERE relid = ANY (hit);
      DELETE FROM pgr.route_column WHERE relid = ANY (hit);
    END IF;
    -- a dropped policy (its table stays): named by schema, table and policy
    hit := hit || ARRAY(
      SELECT c.oid FROM pg_event_trigger_dropped_objects() o
        JOIN pg_namespace n ON n.nspname = o.address_names[1]
        JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = o.address_names[2]
       WHERE o.object_type = 'policy' AND c.oid IN (SELECT relid FROM pgr.captured));
  ELSE
    SELECT array_agg(DISTINCT x.relid) INTO hit
      FROM (SELECT c.objid AS relid FROM pg_event_trigger_ddl_commands() c
             WHERE c.classid = 'pg_class'::regclass
            UNION ALL
            SELECT p.polrelid FROM pg_event_trigger_ddl_commands() c JOIN pg_policy p ON p.oid = c.objid
             WHERE c.classid = 'pg_policy'::regclass) x
     WHERE x.relid IN (SELECT relid FROM pgr.captured);
  END IF;
  IF cardinality(hit) > 0 THEN
    PERFORM pgr._mark_dirty(hit, false);
  END IF;
END
$$;

DROP EVENT TRIGGER pgr_on_alter;
CREATE EVENT TRIGGER pgr_on_alter ON ddl_command_end WHEN TAG IN ('ALTER TABLE', 'CREATE POLICY', 'ALTER POLICY')
  EXECUTE FUNCTION pgr._on_ddl();
CREATE OR REPLACE FUNCTION pgr._release_capture() RETURNS bigint
  LANGUAGE plpgsql
  AS $$
DECLARE
  r oid;
  tg name;
BEGIN
  IF EXISTS (SELECT FROM pgr.captured c
              WHERE NOT EXISTS (SELECT FROM pgr.live_query q
                                 WHERE c.relid = ANY (q.tables)
                                   AND EXISTS (SELECT FROM pgr.feed f WHERE f.query_id = q.id))) THEN
    BEGIN
      PERFORM pg_catalog.set_config('lock_timeout', '100ms', true);
      LOCK TABLE pgr.captured IN EXCLUSIVE MODE;
      FOR r IN
        SELECT c.relid FROM pgr.captured c
         WHERE NOT EXISTS (SELECT FROM pgr.live_query q
                            WHERE c.relid = ANY (q.tables)
                              AND EXISTS (SELECT FROM pgr.feed f WHERE f.query_id = q.id))
         ORDER BY 1
      LOOP
        FOR tg IN SELECT t.tgname FROM pg_catalog.pg_trigger t
                   WHERE t.tgrelid = r AND t.tgname IN ('pgr_capture', 'pgr_capture_ins', 'pgr_capture_upd', 'pgr_capture_del')
                   ORDER BY 1
        LOOP
          EXECUTE pg_catalog.format('DROP TRIGGER %I ON %s', tg, r::regclass);
        END LOOP;
        DELETE FROM pgr.captured WHERE relid = r;
        DELETE FROM pgr.route_column WHERE relid = r;
      END LOOP;
      PERFORM pg_catalog.set_config('lock_timeout', '0', true);
    EXCEPTION WHEN lock_not_available THEN
      NULL;                               -- busy: next housekeeping round
    END;
  END IF;
  RETURN (SELECT count(*) FROM pgr.captured);
END
$$;

/*
 * Subscribe to a named live query as role with JWT claims. The caller must be able to SET ROLE
 * to role. The subscription is held by the session whose pid is holder (by default the caller's
 * own; see "holders" below). Returns the subscription, its feed, the sequence the rows
 * correspond to, and the rows. Deltas with seq > the returned seq follow.
 */
DROP FUNCTION pgr.subscribe(text, jsonb, name, jsonb);
CREATE FUNCTION pgr.subscribe(name text, params jsonb DEFAULT '[]', role name DEFAULT current_user,
                              claims jsonb DEFAULT '{}', holder integer DEFAULT NULL,
                              OUT subscription_id bigint, OUT feed_id bigint, OUT seq bigint,
                              OUT rows jsonb, OUT key text[])
  LANGUAGE plpgsql
  AS $$
DECLARE
  q pgr.live_query;
  ctx text;
  f pgr.feed;
  s pgr.subscription;
  fresh jsonb;
  fresh_texts text[];
  old_role text := current_setting('role');
  old_claims text := current_setting('request.jwt.claims', true);
  old_path text := current_setting('search_path');
BEGIN
  IF params IS NULL OR jsonb_typeof(params) <> 'array' THEN
    RAISE EXCEPTION 'params must be a jsonb array'
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Pass [] for a query without parameters.';
  END IF;
  -- the claims that matter: the per-token ones differ between two tokens of one user
  -- (a refreshed token, a second tab) and must not split one user's feed in two
  claims := coalesce(claims, '{}') - '{exp,iat,nbf,jti}'::text[];
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.rolname = role) THEN
    RAISE EXCEPTION 'role "%" does not exist', role
      USING ERRCODE = 'undefined_object', HINT = 'Subscribe as an existing role.';
  END IF;
  IF NOT pg_catalog.pg_has_role(session_user, role, 'MEMBER') THEN
    RAISE EXCEPTION 'permission denied to subscribe as role "%"', role
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'The connecting role must be a member of the role it subscribes as.';
  END IF;
  q := pgr._lookup(name);
  IF jsonb_array_length(params) <> cardinality(q.param_types) THEN
    RAISE EXCEPTION 'live query "%" expects % parameters, got %', name,
                    cardinality(q.param_types), jsonb_array_length(params)
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Pass one array element per $n.';
  END IF;
  ctx := md5(params::text || '|' || role || '|' || claims::text);

  -- capture first: once the triggers are in place every later write marks this feed (and
  -- hashes the columns this role's feeds of the query are routed by)
  PERFORM pgr._sync_capture(q.id, role);
  FOR attempt IN 1 .. 3 LOOP
    f := pgr._find_feed(q.id, ctx);
    IF f.id IS NULL OR attempt > 1 THEN
      PERFORM set_config('search_path', q.search_path, true);
      PERFORM set_config('request.jwt.claims', claims::text, true);
      PERFORM set_config('role', role, true);
      SELECT e.rows, e.texts INTO fresh, fresh_texts FROM pgr._evaluate(q.sql, q.param_types, params) e;
      PERFORM set_config('role', old_role, true);
      PERFORM set_config('request.jwt.claims', coalesce(old_claims, ''), true);
      PERFORM set_config('search_path', old_path, true);
    END IF;
    s := pgr._attach(q, ctx, params, role, claims, fresh, fresh_texts, holder);
    EXIT WHEN s.id IS NOT NULL;
  END LOOP;
  IF s.id IS NULL THEN
    RAISE EXCEPTION 'could not attach to live query "%"', name
      USING ERRCODE = 'serialization_failure', HINT = 'Retry the subscribe.';
  END IF;
  SELECT r.seq, r.rows INTO seq, rows FROM pgr.resync(s.id) r;
  subscription_id := s.id;
  feed_id := s.feed_id;
  key := q.key;
END
$$;

/*
 * Called only by the worker (as superuser), once per wake-up, in one transaction.
 * Re-evaluates the feeds the cycle's changes can reach: on a dirty table, those routed by a
 * value that an old or new version of a changed row carries, those not routed on it, and
 * every feed without routes yet (new, or moved by DDL or a catalog change), which is
 * evaluated in full and then routed; all feeds when all_ is true, plus feeds whose refresh
 * is due. A top-N feed that no changed row can enter is skipped (pgr._topn_skip). The feeds
 * of one live query go to pgr._eval_batch() together: feeds sharing a security context are
 * evaluated in one statement, and an error reaches the failing feed alone. A feed of a
 * single-table query whose table only reported changed keys (not in full) is evaluated on
 * those keys alone and its stored rows patched; its first pass after subscribe, and its
 * first pass after an error, are in full. Only feeds whose rows changed are diffed; the
 * others are counted as quiet.
 * Returns seconds to the next due refresh, 0 when there is none, -1 when the
 * database has no feeds left.
 */
CREATE OR REPLACE FUNCTION pgr._process(dirty oid[], full_ oid[], key_rel oid[], key_val int8[],
                             all_ boolean, housekeeping boolean) RETURNS float8
  LANGUAGE plpgsql
  AS $$
DECLARE
  b record;
  f record;
  cur jsonb;
  cur_texts text[];
  ops json;
  size integer;
  payload text;
  n bigint;
  code text;
  msg text;
  next_due float8;
  evaluated bigint[] := '{}';
  settled bigint[] := '{}';
  urgent bigint[] := '{}';
  unrouted bigint[];
  stale oid[];
  cand bigint[];
  miss_rel oid[];
  miss_att int2[];
  has_refresh boolean := EXISTS (SELECT FROM pgr.live_query q WHERE q.refresh IS NOT NULL);
  retention interval;
BEGIN
  -- routes that may have moved: DDL on a table (its policies, its row level security), or
  -- a catalog change the worker saw (a function a route inlines, a role's attributes)
  SELECT array_agg(d.relid) INTO stale FROM pgr._cycle_dirty() d WHERE d.reroute;
  IF stale IS NOT NULL THEN
    UPDATE pgr.feed x SET route_sig = NULL
     WHERE x.route_sig IS NOT NULL AND x.query_id IN (SELECT q.id FROM pgr.live_query q WHERE q.tables && stale);
  END IF;
  IF pgr._routes_stale() THEN
    PERFORM pgr._route_verify();
  END IF;
  -- feeds without routes (new, or theirs moved) are evaluated in full, then routed
  SELECT coalesce(array_agg(x.id), '{}') INTO unrouted FROM pgr.feed x WHERE x.route_sig IS NULL;

  -- the feeds this cycle's changes can reach, found by index, never by a scan of feeds
  SELECT array_agg(rc.relid), array_agg(rc.attnum) INTO miss_rel, miss_att
    FROM pgr._cycle_dirty() c JOIN pgr.route_column rc ON rc.relid = c.relid AND NOT rc.attnum = ANY (c.cols);
  IF all_ THEN
    SELECT coalesce(array_agg(x.id), '{}') INTO cand FROM pgr.feed x;
  ELSE
    SELECT coalesce(array_agg(DISTINCT k.id), '{}') INTO cand FROM (
      SELECT u.id FROM unnest(unrouted) u(id)
      -- feeds every change of a dirty table reaches: not routed on it
      UNION ALL
      SELECT r.feed_id FROM pgr._cycle_dirty() c JOIN pgr.feed_route r ON r.relid = c.relid AND r.attnum = 0
      -- routed: the feeds whose value an old or a new version of a changed row carries (a
      -- lateral lookup per value: the generic plan must not hash the whole index instead)
      UNION ALL
      SELECT r.feed_id FROM pgr._cycle_routes() h
       CROSS JOIN LATERAL (SELECT x.feed_id FROM pgr.feed_route x
                            WHERE x.relid = h.relid AND x.attnum = h.attnum AND x.hash = h.hash OFFSET 0) r
      -- routed by a column whose changed values the cycle does not all know (DDL, TRUNCATE,
      -- rows of too many values): every feed routed by it
      UNION ALL
      SELECT r.feed_id FROM unnest(miss_rel, miss_att) m(relid, attnum)
       CROSS JOIN LATERAL (SELECT x.feed_id FROM pgr.feed_route x
                            WHERE x.relid = m.relid AND x.attnum = m.attnum OFFSET 0) r
      UNION ALL
      SELECT x.id FROM pgr.live_query q JOIN pgr.feed x ON x.query_id = q.id
       WHERE has_refresh AND q.refresh IS NOT NULL AND x.evaluated_at + q.refresh <= clock_timestamp()) k;
  END IF;

  FOR b IN
    -- keyset: the changed keys as a jsonb object, so matching a stored row is one lookup
    WITH changed AS (SELECT u.r, array_agg(DISTINCT u.v) AS keys, jsonb_object_agg(u.v::text, true) AS keyset
                       FROM unnest(key_rel, key_val) AS u(r, v) GROUP BY u.r),
    todo AS (
      SELECT x.id, x.query_id, x.params, x.role, x.claims,
             -- once the changed keys are a good part of the table a full evaluation is
             -- cheaper than matching them; a feed whose last pass failed missed that
             -- pass's keys
             CASE WHEN q.inc_key IS NOT NULL AND x.evaluations > 0 AND x.last_error IS NULL AND NOT all_
                       AND x.route_sig IS NOT NULL AND NOT (q.tables && full_) AND q.tables && dirty
                       AND coalesce(cardinality(c.keys), 0) <= greatest(1024, t.reltuples / 4)
                  THEN q.inc_key END AS inc_key,
             c.keys IS NOT NULL AS has_keys,
             -- a quiet pass of these changes more than counters: written at once
             x.evaluations = 0 OR x.last_error IS NOT NULL OR q.refresh IS NOT NULL AS urgent,
             -- top-N: no changed row was in the result, and every one sorts after its last row
             CASE WHEN NOT all_ AND q.inc_key IS NULL AND q.refresh IS NULL AND x.route_sig IS NOT NULL
                       AND x.evaluations > 0 AND x.last_error IS NULL AND cardinality(q.tables) = 1
                       AND q.tables && dirty AND NOT (q.tables && full_)
                  THEN pgr._topn_skip(q.id, q.sql, q.param_types, q.search_path, q.tables[1],
                                      coalesce(c.keys, '{}'),
                                      (SELECT r.result FROM pgr.feed_result r WHERE r.feed_id = x.id),
                                      fr.attnum, fr.hash)
                  ELSE false END AS skip
        -- each candidate's rows by index: a generic plan otherwise hashes cand (or the
        -- candidates) and scans every feed or every route
        FROM unnest(cand) k(id)
        CROSS JOIN LATERAL (SELECT x.* FROM pgr.feed x WHERE x.id = k.id OFFSET 0) x
        JOIN pgr.live_query q ON q.id = x.query_id
        LEFT JOIN LATERAL (SELECT r.attnum, r.hash FROM pgr.feed_route r
                            WHERE r.feed_id = x.id AND r.relid = q.tables[1] OFFSET 0) fr ON true
        LEFT JOIN changed c ON c.r = q.tables[1]
        LEFT JOIN pg_catalog.pg_class t ON t.oid = q.tables[1]),
    -- one sort puts each context's feeds next to each other, for multiplexing (correct in
    -- any order: pgr._eval_batch groups only adjacent feeds of one context)
    sorted AS (
      SELECT t.*, t.claims::text AS claims_text
        FROM todo t
       -- an incremental feed whose table reported no changed key has nothing to do
       WHERE (t.inc_key IS NULL OR t.has_keys) AND NOT t.skip
       ORDER BY t.query_id, t.inc_key, t.role, claims_text, t.id),
    batch AS (
      SELECT t.query_id, t.inc_key, array_agg(t.id) AS ids, array_agg(t.role) AS roles,
             array_agg(t.claims_text) AS claims, array_agg(t.params) AS params,
             coalesce(array_agg(t.id) FILTER (WHERE t.urgent), '{}') AS urgent
        FROM sorted t
       GROUP BY t.query_id, t.inc_key)
    SELECT bt.*, q.sql, q.param_types, q.key, q.search_path, q.ordered,
           CASE WHEN bt.inc_key IS NOT NULL THEN c.keys END AS keys,
           CASE WHEN bt.inc_key IS NOT NULL THEN c.keyset END AS keyset
      FROM batch bt JOIN pgr.live_query q ON q.id = bt.query_id
      LEFT JOIN changed c ON c.r = q.tables[1]
     ORDER BY bt.query_id, bt.inc_key NULLS FIRST
  LOOP
    evaluated := evaluated || b.ids;
    urgent := urgent || b.urgent;
    FOR f IN
      SELECT e.feed_id, e.texts, e.error_code, e.error_message, r.seq, r.prev, r.prev_texts, r.role,
             r.claims_text, r.params
        FROM pgr._eval_batch(b.sql, b.param_types, b.search_path, b.inc_key, b.keys,
                             b.ids, b.roles, b.claims, b.params) e
        -- per feed by index, whatever the planner guesses the batch's size to be
        CROSS JOIN LATERAL (SELECT x.seq, y.result AS prev, y.texts AS prev_texts, x.role,
                                   x.claims::text AS claims_text, x.params
                              FROM pgr.feed x JOIN pgr.feed_result y ON y.feed_id = x.id
                             WHERE x.id = e.feed_id OFFSET 0) r
       -- the rest are quiet: the same rows (their json texts byte for byte, in the same order)
       -- as stored, or no stored or fresh row with a changed key
       WHERE e.error_code IS NOT NULL
          OR (b.inc_key IS NULL AND NOT coalesce(pgr._identical(e.texts, r.prev_texts), false))
          OR (b.inc_key IS NOT NULL
              AND (cardinality(e.texts) > 0
                   OR EXISTS (SELECT FROM jsonb_array_elements(r.prev) o
                               WHERE b.keyset ? (o ->> b.inc_key))))
       ORDER BY e.feed_id
    LOOP
      BEGIN
        IF f.error_code IS NOT NULL THEN
          RAISE EXCEPTION USING ERRCODE = f.error_code, MESSAGE = f.error_message;
        END IF;
        cur_texts := f.texts;
        IF b.inc_key IS NOT NULL AND (b.ordered = 'query' OR f.prev_texts IS NULL) THEN
          -- a changed key reached this feed, and where rows sort only the query can say (or
          -- its rows were stored before 0.2, without their texts to patch): evaluate it in
          -- full (the feeds no changed key reached stayed quiet above)
          SELECT e.texts, e.error_code, e.error_message INTO cur_texts, code, msg
            FROM pgr._eval_batch(b.sql, b.param_types, b.search_path, NULL, NULL, ARRAY[f.feed_id],
                                 ARRAY[f.role], ARRAY[f.claims_text], ARRAY[f.params]) e;
          IF code IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = code, MESSAGE = msg;
          END IF;
        END IF;
        -- the rows as jsonb, parsed from their texts: only for a feed whose rows changed
        cur := pgr._rows(cur_texts);
        IF b.inc_key IS NOT NULL AND b.ordered IS DISTINCT FROM 'query' AND f.prev_texts IS NOT NULL THEN
          -- no ORDER BY (the changed keys' rows take their old places, new ones go last), or
          -- ordered by the integer key alone (merged by key)
          SELECT p.rows, p.texts INTO cur, cur_texts
            FROM pgr._patch(f.prev, f.prev_texts, b.inc_key, b.keyset, cur, cur_texts, b.ordered) p;
        END IF;
        -- the ops as json text, rows as their json text (pgr.diff's, with the rows as consumers get them)
        ops := pgr._diff(f.prev, cur, b.key, f.prev_texts, cur_texts);
        IF ops::text <> '[]' THEN
          settled := settled || f.feed_id;
          n := f.seq + 1;
          size := jsonb_array_length(cur);
          UPDATE pgr.feed_result SET result = cur, texts = cur_texts WHERE feed_id = f.feed_id;
          UPDATE pgr.feed SET seq = n, evaluations = evaluations + 1,
                              deltas = deltas + 1, evaluated_at = clock_timestamp(), last_error = NULL
           WHERE id = f.feed_id;
          -- a fixed header a consumer reads without parsing the rows that follow it
          payload := '{"v":2,"kind":"delta","feed":' || f.feed_id || ',"seq":' || n || ',"size":' || size
                     || ',"ops":' || ops::text || '}';
          IF octet_length(payload) >= 8000 THEN
            payload := '{"v":2,"kind":"ref","feed":' || f.feed_id || ',"seq":' || n || ',"size":' || size
                       || ',"count":' || json_array_length(ops) || '}';
            INSERT INTO pgr.delta_log (feed_id, seq, ops, size, inline) VALUES (f.feed_id, n, ops, size, false);
          ELSE
            INSERT INTO pgr.delta_log (feed_id, seq, ops, size, inline) VALUES (f.feed_id, n, ops, size, true);
          END IF;
          PERFORM pg_notify('pgr', payload);
        ELSIF NOT coalesce(pgr._identical(cur_texts, f.prev_texts), false) OR NOT pgr._identical(f.prev, cur) THEN
          -- the same rows in other bytes (or stored before 0.2 without their texts): store
          -- them, so the next pass finds the feed quiet
          UPDATE pgr.feed_result SET result = cur, texts = cur_texts WHERE feed_id = f.feed_id;
        END IF;
      EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
        msg := left(msg, 2000);
        settled := settled || f.feed_id;
        UPDATE pgr.feed SET errors = errors + 1, last_error = msg, evaluated_at = clock_timestamp()
         WHERE id = f.feed_id;
        PERFORM pg_notify('pgr', '{"v":2,"kind":"error","feed":' || f.feed_id || ',"seq":' || f.seq
                                 || ',"code":' || to_json(code)::text || ',"message":' || to_json(msg)::text || '}');
      END;
    END LOOP;
  END LOOP;

  -- the feeds evaluated in full for want of routes get theirs (new routing columns: captured now)
  IF cardinality(unrouted) > 0 AND pgr._reroute(unrouted) THEN
    PERFORM pgr._resync_capture();
  END IF;

  -- quiet feeds: the urgent ones now, the others counted in memory (pgr._note_quiet)
  IF cardinality(urgent) > 0 THEN
    BEGIN
      UPDATE pgr.feed SET evaluations = evaluations + 1, evaluated_at = clock_timestamp(), last_error = NULL
       WHERE id = ANY (urgent) AND NOT id = ANY (settled);
    EXCEPTION WHEN deadlock_detected OR lock_not_available OR serialization_failure THEN
      NULL;                               -- retried by the next pass, which is in full
    END;
  END IF;
  IF cardinality(evaluated) > cardinality(settled) THEN
    PERFORM pgr._note_quiet(evaluated, settled || urgent);
  END IF;

  IF housekeeping THEN
    BEGIN
      UPDATE pgr.feed x SET evaluations = x.evaluations + t.passes,
                            evaluated_at = greatest(x.evaluated_at, t.last_at)
        FROM pgr._take_quiet() t WHERE x.id = t.feed_id;
    EXCEPTION WHEN deadlock_detected OR lock_not_available OR serialization_failure THEN
      NULL;                               -- counters only
    END;
    PERFORM pgr._resync_capture();
    retention := coalesce(current_setting('pg_reactive.log_retention', true), '1h')::interval;
    PERFORM pgr._prune_log(retention);
    -- subscriptions whose holding session is gone, past their grace (their feeds may go too)
    PERFORM pgr._reap(coalesce(current_setting('pg_reactive.orphan_grace', true), '1min')::interval);
    IF pgr._release_capture() = 0 AND NOT EXISTS (SELECT FROM pgr.feed) THEN
      RETURN -1;
    END IF;
  END IF;
  IF has_refresh THEN
    SELECT extract(epoch FROM min(x.evaluated_at + q.refresh) - clock_timestamp()) INTO next_due
      FROM pgr.feed x JOIN pgr.live_query q ON q.id = x.query_id
     WHERE q.refresh IS NOT NULL;
  END IF;
  IF next_due IS NULL THEN
    RETURN 0;
  END IF;
  RETURN greatest(next_due, 0.001);
END
$$;

-- Which path a live query's changes take, per role and table, and why: 'routed' (only the
-- feeds whose value a changed row carries are evaluated) or 'every change' (all its feeds);
-- then how a feed is evaluated and whether top-N feeds are skipped. Without for_role: the
-- roles of its feeds, or the current role.
CREATE FUNCTION pgr.explain(name text, for_role name DEFAULT NULL)
  RETURNS TABLE (role name, relation regclass, path text, detail text)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog
  AS $$
DECLARE
  q pgr.live_query := pgr._lookup(name);
  who name;
  a record;
BEGIN
  IF coalesce(current_setting('pg_reactive.routing', true), 'on') <> 'on' THEN
    RETURN QUERY SELECT NULL::name, NULL::regclass, 'every change'::text,
                        'pg_reactive.routing is off: every change of a table reaches every feed reading it'::text;
  END IF;
  FOR who IN
    SELECT DISTINCT w FROM (SELECT for_role AS w WHERE for_role IS NOT NULL
                            UNION ALL SELECT f.role FROM pgr.feed f WHERE f.query_id = q.id AND for_role IS NULL
                            UNION ALL SELECT current_user WHERE for_role IS NULL
                                         AND NOT EXISTS (SELECT FROM pgr.feed f WHERE f.query_id = q.id)) r
     ORDER BY 1
  LOOP
    FOR a IN SELECT * FROM pgr._route_analyze(q.sql, q.param_types, q.search_path, who, q.tables) ORDER BY 1 LOOP
      RETURN QUERY SELECT who, a.relid::regclass, CASE WHEN a.attnum > 0 THEN 'routed' ELSE 'every change' END, a.route;
    END LOOP;
  END LOOP;
  RETURN QUERY SELECT NULL::name, NULL::regclass, 'evaluation'::text,
    CASE WHEN q.refresh IS NOT NULL THEN format('in full, and every %s', q.refresh)
         WHEN q.inc_key IS NOT NULL THEN format('on the changed rows alone, by key %I', q.inc_key)
         ELSE 'in full, feeds of one role and claims in one statement' END;
  RETURN QUERY SELECT NULL::name, NULL::regclass, 'top-N'::text, pgr._topn(q.sql, q.param_types, q.search_path);
END
$$;

REVOKE ALL ON pgr.feed_route, pgr.route_column FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION pgr._route_analyze(text, regtype[], text, name, oid[]), pgr._routes(int8[]),
                           pgr._route_sig(int8, name), pgr._routes_stale(), pgr._cycle_dirty(), pgr._cycle_routes(),
                           pgr._topn_skip(int8, text, regtype[], text, oid, int8[], jsonb, int2, int4),
                           pgr._reroute(bigint[]), pgr._route_verify(), pgr._install_capture(oid),
                           pgr._resync_capture() FROM PUBLIC;

-- ------------------------------------------------------------------ exact rows and positions
-- (issue 12) A feed's stored rows are what PostgreSQL returned, in its order; pgr.diff (C,
-- src/diff.c) emits deletes, then inserts and updates with the index each lands at, rows
-- named by the JSON text of their key columns (keyless: a SHA-256 of the row's text). The
-- NOTIFY payload is version 2: a fixed header, then the ops as jsonb text.

-- NULL: no ORDER BY; 'key', 'key desc': by the integer incremental key alone (the incremental
-- path merges by key); 'query': any other ORDER BY (evaluated in full once a changed key
-- reaches the feed)
ALTER TABLE pgr.live_query ADD COLUMN ordered text;
-- the feed's row count after each delta (NULL for deltas logged before 0.2)
ALTER TABLE pgr.delta_log ADD COLUMN size integer;

DROP FUNCTION pgr._analyze(text, regtype[]);
CREATE FUNCTION pgr._analyze(sql text, param_types regtype[],
  OUT tables oid[], OUT param_types regtype[], OUT changes_alone boolean, OUT why text,
  OUT key text[], OUT columns text[], OUT incremental_key text, OUT ordered text)
  AS 'MODULE_PATHNAME', 'pgr_analyze' LANGUAGE C VOLATILE;

-- live queries defined under 0.1: how they are ordered, read again (a query that no longer
-- analyses, a table dropped meanwhile, is taken as ordered: evaluated in full, always right)
DO $$
DECLARE
  q record;
  path text := pg_catalog.current_setting('search_path');
BEGIN
  FOR q IN SELECT id, sql, param_types, search_path FROM pgr.live_query WHERE inc_key IS NOT NULL LOOP
    BEGIN
      PERFORM pg_catalog.set_config('search_path', q.search_path, true);
      UPDATE pgr.live_query l SET ordered = (SELECT a.ordered FROM pgr._analyze(q.sql, q.param_types) a)
       WHERE l.id = q.id;
    EXCEPTION WHEN OTHERS THEN
      UPDATE pgr.live_query l SET ordered = 'query' WHERE l.id = q.id;
    END;
  END LOOP;
  PERFORM pg_catalog.set_config('search_path', path, true);
END
$$;

DROP FUNCTION pgr._split(jsonb, text, jsonb);
-- the stored rows with the fresh rows of the changed keys (keyset: an object of changed keys
-- as text): in place and new keys last (ordered NULL), or merged by integer key ('key',
-- 'key desc')
CREATE FUNCTION pgr._patch(rows_ jsonb, texts text[], key text, keyset jsonb, fresh jsonb, fresh_texts text[],
                           ordered text, OUT rows jsonb, OUT texts text[])
  AS 'MODULE_PATHNAME', 'pgr_patch' LANGUAGE C IMMUTABLE;

DROP FUNCTION pgr._key(jsonb, text[]);
-- The ops that turn prev into cur, both in the query's order: deletes, then inserts and
-- updates at the index each lands at when applied in turn, so a consumer that splices
-- ends with exactly cur. Rows are named by the JSON text of their key columns (keyless:
-- a SHA-256 of the row's text), duplicates by a "#n" suffix. See src/diff.c.
CREATE OR REPLACE FUNCTION pgr.diff(prev jsonb, cur jsonb, key text[] DEFAULT NULL) RETURNS jsonb
  AS 'MODULE_PATHNAME', 'pgr_diff' LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- Apply ops to rows (the consumer's side of pgr.diff), for tests and replay.
CREATE OR REPLACE FUNCTION pgr.apply(rows_ jsonb, ops jsonb, key text[] DEFAULT NULL) RETURNS jsonb
  AS 'MODULE_PATHNAME', 'pgr_apply' LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- Rows as a consumer's snapshot, each with the name ops call it by:
-- [{"key": <name>, "row": <row>}, …], as text so the rows stay PostgreSQL's own text.
CREATE FUNCTION pgr.entries(rows_ jsonb, key text[] DEFAULT NULL, texts text[] DEFAULT NULL) RETURNS text
  AS 'MODULE_PATHNAME', 'pgr_entries' LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- The same bytes: stricter than jsonb's =, which holds 1.5 and 1.50 equal.
CREATE FUNCTION pgr._identical(a jsonb, b jsonb) RETURNS boolean
  AS 'MODULE_PATHNAME', 'pgr_identical' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION pgr._define(name text, sql text, param_types regtype[], key_columns text[],
                            refresh interval, adhoc boolean, caller_path text) RETURNS pgr.live_query
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog
  AS $$
DECLARE
  a record;
  q pgr.live_query;
BEGIN
  IF refresh IS NOT NULL AND refresh < interval '10 milliseconds' THEN
    RAISE EXCEPTION 'refresh interval must be at least 10 milliseconds'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass NULL for a live query that changes only with writes.';
  END IF;
  PERFORM pg_catalog.set_config('search_path', caller_path, true);
  SELECT * INTO a FROM pgr._analyze(sql, param_types);
  PERFORM pg_catalog.set_config('search_path', 'pg_catalog', true);
  IF a.changes_alone AND refresh IS NULL THEN
    RAISE EXCEPTION 'live query can change without a write: %', a.why
      USING ERRCODE = 'feature_not_supported',
            HINT = 'Give a refresh interval so it is re-evaluated on a timer as well as on writes.';
  END IF;
  IF key_columns IS NOT NULL AND NOT key_columns <@ a.columns THEN
    RAISE EXCEPTION 'key columns % are not all output columns of the query', key_columns
      USING ERRCODE = 'undefined_column',
            HINT = 'Name key columns as they appear in the SELECT list.';
  END IF;
  IF cardinality(a.tables) = 0 AND refresh IS NULL THEN
    RAISE EXCEPTION 'live query reads no table'
      USING ERRCODE = 'feature_not_supported',
            HINT = 'A query that reads no table never changes; give a refresh interval if it should be re-run.';
  END IF;
  IF (SELECT count(DISTINCT c) <> count(*) FROM unnest(a.columns) c) THEN
    RAISE EXCEPTION 'live query has duplicate output column names'
      USING ERRCODE = 'duplicate_column',
            HINT = 'Alias the columns so every output column has its own name.';
  END IF;
  INSERT INTO pgr.live_query (name, sql, param_types, key, refresh, tables, columns, search_path,
                              inc_key, ordered, adhoc)
  VALUES (name, sql, a.param_types, coalesce(key_columns, a.key), refresh, a.tables, a.columns,
          caller_path,
          CASE WHEN refresh IS NULL AND (key_columns IS NULL OR key_columns = a.key)
               THEN a.incremental_key END,
          a.ordered, adhoc)
  ON CONFLICT DO NOTHING
  RETURNING * INTO q;
  IF q.id IS NULL THEN
    IF adhoc THEN
      SELECT * INTO q FROM pgr.live_query l WHERE l.name = _define.name;
    ELSE
      RAISE EXCEPTION 'live query "%" already exists', name
        USING ERRCODE = 'duplicate_object',
              HINT = 'Call pgr.undefine() first, or choose another name.';
    END IF;
  END IF;
  RETURN q;
END
$$;

DROP FUNCTION pgr.changes(bigint, bigint);
-- Deltas of a subscription after a sequence, for resume. Raises when the log no longer
-- reaches back that far (SQLSTATE PR001): call pgr.snapshot() then.
CREATE FUNCTION pgr.changes(subscription_id bigint, after_seq bigint)
  RETURNS TABLE (seq bigint, ops json, created_at timestamptz, size integer)
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog
  AS $$
DECLARE
  s pgr.subscription := pgr._own(subscription_id);
  cur bigint;
  oldest bigint;
BEGIN
  SELECT f.seq INTO cur FROM pgr.feed f WHERE f.id = s.feed_id;
  SELECT min(d.seq) INTO oldest FROM pgr.delta_log d WHERE d.feed_id = s.feed_id;
  IF after_seq < cur AND (oldest IS NULL OR oldest > after_seq + 1) THEN
    RAISE EXCEPTION 'deltas after sequence % are no longer in the log', after_seq
      USING ERRCODE = 'PR001', HINT = 'Call pgr.snapshot() for the full current rows.';
  END IF;
  RETURN QUERY SELECT d.seq, d.ops, d.created_at, d.size FROM pgr.delta_log d
    WHERE d.feed_id = s.feed_id AND d.seq > after_seq ORDER BY d.seq;
END
$$;

-- ------------------------------------------------------------------ holders (issue 11)
-- A subscription is held by a session: the one that subscribed, or one of the same login role
-- that it names by pid (the pgStack hub names its LISTEN connection, the session its deltas
-- reach). While that session lives the subscription is its own. Once the session is gone (a
-- killed consumer, a closed psql) the subscription is an orphan, kept for
-- pg_reactive.orphan_grace so that a restarted consumer can resume from the delta log: a
-- subscribe to the same feed for the same owner takes it over (removes it; the feed and its log
-- stay), pgr.hold() claims it back by id, and the worker removes what is left after the grace,
-- as an unsubscribe would. A session is its pid and its start time, so a pid the system reuses
-- is another session. Subscriptions made under 0.1 have no holder and stay until unsubscribed.
ALTER TABLE pgr.subscription ADD COLUMN holder_pid integer, ADD COLUMN holder_start timestamptz,
                             ADD COLUMN orphaned_at timestamptz;
CREATE INDEX subscription_orphaned ON pgr.subscription (orphaned_at) WHERE orphaned_at IS NOT NULL;

-- The session holder names (the caller's own when NULL), as its pid and start time; a NULL
-- start when no such session is connected to this database (what it holds is an orphan at
-- once). The caller's own session, or another of its session role (any, for a superuser).
CREATE FUNCTION pgr._holder(holder integer, OUT pid integer, OUT started timestamptz)
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog
  AS $$
DECLARE
  a record;
BEGIN
  pid := coalesce(holder, pg_backend_pid());
  SELECT s.backend_start, s.usesysid INTO a
    FROM pg_stat_get_activity(pid) s JOIN pg_database d ON d.oid = s.datid
   WHERE d.datname = current_database();
  IF a.backend_start IS NULL THEN
    RETURN;
  END IF;
  IF pid <> pg_backend_pid()
     AND a.usesysid IS DISTINCT FROM (SELECT r.oid FROM pg_roles r WHERE r.rolname = session_user)
     AND NOT (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = session_user) THEN
    RAISE EXCEPTION 'the holding session belongs to another role'
      USING ERRCODE = 'insufficient_privilege', DETAIL = format('Session %s is not one of role %s.', pid, session_user),
            HINT = 'A subscription can be held by a session of the role that subscribes.';
  END IF;
  started := a.backend_start;
END
$$;

-- Attach a subscription, held by holder's session, to the feed (creating the feed with its
-- first rows and their json texts when given). Row locks order it against a concurrent unsubscribe removing the
-- feed or the ad hoc query: returns NULL when the feed is gone and rows are needed to
-- recreate it. What a gone session left on the feed for the same owner is taken over.
DROP FUNCTION pgr._attach(pgr.live_query, text, jsonb, name, jsonb, jsonb);
CREATE FUNCTION pgr._attach(q pgr.live_query, context text, params jsonb, role name,
                            claims jsonb, rows_ jsonb, texts text[], holder integer) RETURNS pgr.subscription
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog
  AS $$
DECLARE
  f pgr.feed;
  s pgr.subscription;
  h record;
BEGIN
  IF NOT pg_has_role(session_user, role, 'MEMBER') THEN
    RAISE EXCEPTION 'permission denied to subscribe as role "%"', role
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'The connecting role must be a member of the role it subscribes as.';
  END IF;
  SELECT * INTO h FROM pgr._holder(holder);
  PERFORM FROM pgr.live_query l WHERE l.id = q.id FOR KEY SHARE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'live query "%" was removed while subscribing', q.name
      USING ERRCODE = 'serialization_failure', HINT = 'Retry the subscribe.';
  END IF;
  IF rows_ IS NOT NULL THEN
    INSERT INTO pgr.feed (query_id, context, params, role, claims)
    VALUES (q.id, context, params, role, claims)
    ON CONFLICT DO NOTHING
    RETURNING * INTO f;
    IF f.id IS NOT NULL THEN
      INSERT INTO pgr.feed_result (feed_id, result, texts) VALUES (f.id, rows_, texts);
    END IF;
  END IF;
  -- KEY SHARE: blocks a concurrent unsubscribe deleting the feed, never the worker's updates
  SELECT * INTO f FROM pgr.feed x WHERE x.query_id = q.id AND x.context = _attach.context FOR KEY SHARE;
  IF f.id IS NULL THEN
    RETURN NULL;
  END IF;
  INSERT INTO pgr.subscription (feed_id, start_seq, holder_pid, holder_start, orphaned_at)
  VALUES (f.id, f.seq, h.pid, h.started, CASE WHEN h.started IS NULL THEN now() END)
  RETURNING * INTO s;
  -- the orphans of gone sessions on this feed, for this owner, are this subscription's now: a
  -- restarted consumer takes over what its previous self left (SKIP LOCKED: one that another
  -- subscribe or the worker is removing already is theirs)
  DELETE FROM pgr.subscription x
   WHERE x.id IN (SELECT y.id FROM pgr.subscription y
                    LEFT JOIN pg_stat_get_activity(NULL) a ON a.pid = y.holder_pid AND a.backend_start = y.holder_start
                   WHERE y.feed_id = f.id AND y.id <> s.id AND y.owner = s.owner
                     AND y.holder_pid IS NOT NULL AND a.pid IS NULL
                     FOR UPDATE OF y SKIP LOCKED);
  -- the first write after our snapshot may have been seen by no feed yet: re-evaluate
  -- after commit, and make sure a worker is there to do it
  PERFORM pgr._mark_dirty(q.tables, true);
  RETURN s;
END
$$;

-- Subscribe to SQL text directly: defines (or reuses) an ad-hoc live query keyed by a
-- hash of the text, its types, key, refresh and search_path. Dropped with its last feed.
DROP FUNCTION pgr.subscribe_sql(text, jsonb, name, jsonb, regtype[], text[], interval);
CREATE FUNCTION pgr.subscribe_sql(sql text, params jsonb DEFAULT '[]', role name DEFAULT current_user,
                                  claims jsonb DEFAULT '{}', param_types regtype[] DEFAULT NULL,
                                  key_columns text[] DEFAULT NULL, refresh interval DEFAULT NULL,
                                  holder integer DEFAULT NULL,
                                  OUT subscription_id bigint, OUT feed_id bigint, OUT seq bigint,
                                  OUT rows jsonb, OUT key text[])
  LANGUAGE plpgsql
  AS $$
DECLARE
  qname text := 'sql:' || md5(concat_ws('|', sql, param_types::text, key_columns::text,
                                         refresh::text, current_setting('search_path')));
  r record;
BEGIN
  FOR attempt IN 1 .. 5 LOOP
    BEGIN
      PERFORM pgr._define(qname, sql, param_types, key_columns, refresh, true,
                          current_setting('search_path'));
      SELECT * INTO r FROM pgr.subscribe(qname, params, role, claims, holder);
      EXIT;
    EXCEPTION WHEN serialization_failure OR undefined_object THEN
      -- the ad hoc query was removed by its last unsubscribe meanwhile: define it again
      IF attempt = 5 THEN
        RAISE;
      END IF;
    END;
  END LOOP;
  subscription_id := r.subscription_id;
  feed_id := r.feed_id;
  seq := r.seq;
  rows := r.rows;
  key := r.key;
END
$$;

-- Hold subscriptions by id in the caller's session (or holder's): a consumer whose session
-- changed (its LISTEN connection reconnected) claims what it holds again, orphans included.
-- Returns the ids now held; ids that no longer exist or are not the caller's are left out.
CREATE FUNCTION pgr.hold(subscription_ids bigint[], holder integer DEFAULT NULL) RETURNS SETOF bigint
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog
  AS $$
DECLARE
  h record;
BEGIN
  SELECT * INTO h FROM pgr._holder(holder);
  RETURN QUERY
    UPDATE pgr.subscription s
       SET holder_pid = h.pid, holder_start = h.started,
           orphaned_at = CASE WHEN h.started IS NULL THEN coalesce(s.orphaned_at, now()) END
     WHERE s.id = ANY (subscription_ids) AND pg_has_role(session_user, s.owner, 'MEMBER')
    RETURNING s.id;
END
$$;

-- Remove a subscription; its feed goes with the last subscriber, an ad-hoc query with its
-- last feed (and, soon after, by the worker, a table's capture triggers with the last feed
-- reading it). False when it was gone already. For unsubscribe and the worker's reaping.
CREATE FUNCTION pgr._detach(subscription_id bigint) RETURNS boolean
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog
  AS $$
DECLARE
  fid bigint;
  qid bigint;
  adhoc boolean;
BEGIN
  DELETE FROM pgr.subscription x WHERE x.id = subscription_id RETURNING x.feed_id INTO fid;
  IF fid IS NULL THEN
    RETURN false;
  END IF;
  -- lock (live query, then feed: the order _attach uses), then look with a new
  -- snapshot: a concurrent attach either finished first and is seen, or waits for us
  -- and finds the feed (or the ad hoc query) gone and recreates it
  SELECT f.query_id INTO qid FROM pgr.feed f WHERE f.id = fid;
  PERFORM FROM pgr.live_query q WHERE q.id = qid AND q.adhoc FOR UPDATE;
  adhoc := FOUND;
  PERFORM FROM pgr.feed f WHERE f.id = fid FOR UPDATE;
  IF NOT EXISTS (SELECT FROM pgr.subscription x WHERE x.feed_id = fid) THEN
    DELETE FROM pgr.feed f WHERE f.id = fid;
    IF adhoc AND NOT EXISTS (SELECT FROM pgr.feed f WHERE f.query_id = qid) THEN
      DELETE FROM pgr.live_query q WHERE q.id = qid;
    END IF;
  END IF;
  RETURN true;
END
$$;

CREATE OR REPLACE FUNCTION pgr.unsubscribe(subscription_id bigint) RETURNS boolean
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog
  AS $$
BEGIN
  IF NOT EXISTS (SELECT FROM pgr.subscription x WHERE x.id = subscription_id) THEN
    RETURN false;
  END IF;
  PERFORM pgr._own(subscription_id);
  IF NOT pgr._detach(subscription_id) THEN
    RETURN false;
  END IF;
  PERFORM pgr._mark_dirty(NULL, false);   -- the worker removes unused triggers, may stop
  RETURN true;
END
$$;

-- Worker housekeeping: subscriptions whose holding session is gone are orphans from now;
-- orphans older than grace are removed as an unsubscribe would remove them. Gives up on a
-- busy row quickly (next round). Returns how many were removed.
CREATE FUNCTION pgr._reap(grace interval) RETURNS integer
  LANGUAGE plpgsql
  AS $$
DECLARE
  sid bigint;
  n integer := 0;
BEGIN
  PERFORM pg_catalog.set_config('lock_timeout', '100ms', true);
  BEGIN
    UPDATE pgr.subscription s SET orphaned_at = now()
      FROM (SELECT DISTINCT x.holder_pid, x.holder_start FROM pgr.subscription x
             WHERE x.holder_pid IS NOT NULL AND x.orphaned_at IS NULL) h
      LEFT JOIN pg_stat_get_activity(NULL) a ON a.pid = h.holder_pid AND a.backend_start = h.holder_start
     WHERE a.pid IS NULL AND s.holder_pid = h.holder_pid AND s.holder_start = h.holder_start
       AND s.orphaned_at IS NULL;
    FOR sid IN SELECT s.id FROM pgr.subscription s WHERE s.orphaned_at <= now() - grace ORDER BY s.id LOOP
      IF pgr._detach(sid) THEN
        n := n + 1;
      END IF;
    END LOOP;
  EXCEPTION WHEN lock_not_available OR deadlock_detected THEN
    NULL;                                 -- busy: next housekeeping round
  END;
  PERFORM pg_catalog.set_config('lock_timeout', '0', true);
  RETURN n;
END
$$;

CREATE OR REPLACE VIEW pgr.subscriptions AS
-- a role sees the subscriptions it (or a role it belongs to) owns
SELECT s.id, q.name AS query, s.feed_id, f.role, f.params, f.claims, s.owner,
       s.start_seq, f.seq, f.evaluations, f.deltas, f.errors, f.last_error,
       f.evaluated_at, s.created_at, s.holder_pid, s.orphaned_at
  FROM pgr.subscription s
  JOIN pgr.feed f ON f.id = s.feed_id
  JOIN pgr.live_query q ON q.id = f.query_id
 WHERE pg_catalog.pg_has_role(session_user, s.owner, 'MEMBER');

REVOKE EXECUTE ON FUNCTION pgr._holder(integer), pgr._detach(bigint), pgr._reap(interval) FROM PUBLIC;

-- ------------------------------------------------------------------ rows as PostgreSQL's json text (issue 12)
-- A feed's rows are evaluated to each row's json text, to_json as PostgREST renders a row:
-- columns in the query's order (jsonb sorts keys), json columns as written, -0 and 1e-300 as
-- float8 prints them. A feed whose texts are the same as stored is quiet; for one whose texts
-- changed the jsonb rows pg_reactive keys, merges and routes by are parsed from them, and both
-- are stored, in the same order. Deltas and snapshots carry the texts, so a consumer gets what
-- a fresh SELECT through PostgREST gives; the delta log keeps the ops as that json text.
ALTER TABLE pgr.feed_result ADD COLUMN texts text[];     -- NULL for rows stored before 0.2
ALTER TABLE pgr.feed_result ALTER COLUMN texts SET STORAGE EXTERNAL;
ALTER TABLE pgr.delta_log ALTER COLUMN ops TYPE json USING ops::json;

DROP FUNCTION pgr._eval_batch(text, regtype[], text, text, int8[], int8[], name[], text[], jsonb[]);
CREATE FUNCTION pgr._eval_batch(sql text, param_types regtype[], search_path text,
                                restrict_key text, restrict_to int8[], feed_ids int8[],
                                roles name[], claims text[], params jsonb[])
  RETURNS TABLE (feed_id int8, texts text[], error_code text, error_message text)
  AS 'MODULE_PATHNAME', 'pgr_eval_batch' LANGUAGE C VOLATILE ROWS 10;

-- The jsonb array of the rows whose json texts these are (what a feed compares and keys by).
CREATE FUNCTION pgr._rows(texts text[]) RETURNS jsonb
  AS 'MODULE_PATHNAME', 'pgr_rows' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- A feed's first rows (pgr._eval's) with each row's json text.
CREATE FUNCTION pgr._evaluate(sql text, param_types regtype[], params jsonb, OUT rows jsonb, OUT texts text[])
  AS 'MODULE_PATHNAME', 'pgr_evaluate' LANGUAGE C VOLATILE;

-- pgr.diff with each row's json text: rows compared by it and sent as it (what the worker logs).
CREATE FUNCTION pgr._diff(prev jsonb, cur jsonb, key text[], prev_texts text[], cur_texts text[]) RETURNS json
  AS 'MODULE_PATHNAME', 'pgr_diff_text' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION pgr._identical(a text[], b text[]) RETURNS boolean
  AS 'MODULE_PATHNAME', 'pgr_identical' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- A subscription's rows as a consumer's snapshot: pgr.entries (each row named as ops name
-- it, as its json text), at the sequence they correspond to, and how many there are.
-- (VOLATILE: it sees a subscribe made earlier in the same statement)
CREATE FUNCTION pgr.snapshot(subscription_id bigint, OUT seq bigint, OUT size integer, OUT entries text)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog
  AS $$
DECLARE
  s pgr.subscription := pgr._own(subscription_id);
BEGIN
  SELECT f.seq, jsonb_array_length(r.result), pgr.entries(r.result, q.key, r.texts) INTO seq, size, entries
    FROM pgr.feed f JOIN pgr.feed_result r ON r.feed_id = f.id JOIN pgr.live_query q ON q.id = f.query_id
   WHERE f.id = s.feed_id;
END
$$;

-- One delta of a feed (what a reference payload points at), as json text.
DROP FUNCTION pgr.delta(bigint, bigint);
CREATE FUNCTION pgr.delta(feed_id bigint, seq bigint) RETURNS json
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog
  AS $$
  SELECT d.ops FROM pgr.delta_log d
   WHERE d.feed_id = $1 AND d.seq = $2
     AND EXISTS (SELECT FROM pgr.subscription s WHERE s.feed_id = $1
                  AND pg_has_role(session_user, s.owner, 'MEMBER'))
$$;

REVOKE EXECUTE ON FUNCTION pgr._eval_batch(text, regtype[], text, text, int8[], int8[], name[], text[], jsonb[])
  FROM PUBLIC;

-- A feed's rows at the oldest sequence its delta log still reaches: the rows it started with
-- (seq 0), then the pruned deltas folded in. With the log after it, a feed's whole retained
-- history can be replayed step by step and checked against the stored rows and a fresh
-- SELECT (`pgstack replay --verify`). Written once per feed and at pruning, never by a writer.
CREATE TABLE pgr.feed_base (
  feed_id       bigint PRIMARY KEY REFERENCES pgr.feed ON DELETE CASCADE,
  seq           bigint NOT NULL,
  rows          jsonb NOT NULL
);

CREATE FUNCTION pgr._keep_base() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog
  AS $$
BEGIN
  INSERT INTO pgr.feed_base (feed_id, seq, rows) VALUES (NEW.feed_id, 0, NEW.result) ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;
-- a feed's first rows are the one INSERT into feed_result (pgr._attach); later passes UPDATE
CREATE TRIGGER keep_base AFTER INSERT ON pgr.feed_result FOR EACH ROW EXECUTE FUNCTION pgr._keep_base();

-- Drops deltas older than the retention and folds them into their feeds' bases: per feed, one
-- pgr.apply of all its pruned ops in order (what a consumer applying them delta by delta gets),
-- so a housekeeping pass costs one rebuild of each base, not one per delta. A base that does not
-- reach the first pruned delta (a feed from before feed_base existed) is left as it is.
CREATE FUNCTION pgr._prune_log(retention interval) RETURNS void
  LANGUAGE sql SET search_path = pg_catalog
  AS $$
  WITH pruned AS (
    DELETE FROM pgr.delta_log WHERE created_at < now() - retention
    RETURNING feed_id, seq, ops
  ), folded AS (
    SELECT p.feed_id, min(p.seq) AS first_seq, max(p.seq) AS last_seq,
           coalesce(jsonb_agg(e.op::jsonb ORDER BY p.seq, e.n) FILTER (WHERE e.op IS NOT NULL), '[]') AS ops
      FROM pruned p LEFT JOIN LATERAL json_array_elements(p.ops) WITH ORDINALITY e(op, n) ON true
     GROUP BY p.feed_id
  )
  UPDATE pgr.feed_base b SET rows = pgr.apply(b.rows, f.ops, q.key), seq = f.last_seq
    FROM folded f JOIN pgr.feed x ON x.id = f.feed_id JOIN pgr.live_query q ON q.id = x.query_id
   WHERE b.feed_id = f.feed_id AND b.seq = f.first_seq - 1;
$$;
REVOKE EXECUTE ON FUNCTION pgr._prune_log(interval), pgr._keep_base() FROM PUBLIC;
