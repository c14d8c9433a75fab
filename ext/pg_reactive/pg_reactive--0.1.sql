/* pg_reactive--0.1.sql — catalog, SQL API, diff and publish for pg_reactive 0.1.
 *
 * The diff (EXCEPT ALL over jsonb rows) and publish (delta log + NOTIFY) steps live
 * here as SQL because they are set operations; the C side (src/) owns analysis,
 * evaluation, change capture and the worker. Only the worker calls pgr._process().
 */
\echo Use "CREATE EXTENSION pg_reactive" to load this file. \quit

CREATE FUNCTION pgr.library_version() RETURNS text
  AS 'MODULE_PATHNAME', 'pgr_library_version'
  LANGUAGE C STRICT IMMUTABLE;

-- ------------------------------------------------------------------ catalog

-- A named live query: SQL text, its parameters, key and the tables it reads.
CREATE TABLE pgr.live_query (
  id            bigserial PRIMARY KEY,
  name          text NOT NULL UNIQUE,
  sql           text NOT NULL,
  param_types   regtype[] NOT NULL,
  key           text[],
  refresh       interval,
  tables        oid[] NOT NULL,
  columns       text[] NOT NULL,
  search_path   text NOT NULL,
  inc_key       text,                          -- set: evaluated on changed keys alone
  adhoc         boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- A feed is one shared evaluation: (query, params, role, claims). Subscriptions
-- with the same four share a feed, its result, its sequence and its delta log.
CREATE TABLE pgr.feed (
  id            bigserial PRIMARY KEY,
  query_id      bigint NOT NULL REFERENCES pgr.live_query ON DELETE CASCADE,
  context       text NOT NULL,                 -- md5 of params, role, claims
  params        jsonb NOT NULL,
  role          name NOT NULL,
  claims        jsonb NOT NULL,
  seq           bigint NOT NULL DEFAULT 0,
  evaluations   bigint NOT NULL DEFAULT 0,
  deltas        bigint NOT NULL DEFAULT 0,
  errors        bigint NOT NULL DEFAULT 0,
  last_error    text,
  evaluated_at  timestamptz NOT NULL DEFAULT now(),
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (query_id, context)
) WITH (fillfactor = 70);

-- A feed's rows as of its seq. Apart from the feed row, which the worker touches on
-- every evaluation (counters), so that only a delta rewrites the rows.
CREATE TABLE pgr.feed_result (
  feed_id       bigint PRIMARY KEY REFERENCES pgr.feed ON DELETE CASCADE,
  result        jsonb NOT NULL
);

CREATE TABLE pgr.subscription (
  id            bigserial PRIMARY KEY,
  feed_id       bigint NOT NULL REFERENCES pgr.feed ON DELETE CASCADE,
  owner         name NOT NULL DEFAULT session_user,
  start_seq     bigint NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON pgr.subscription (feed_id);
-- rewritten on every delta: spend no CPU compressing it
ALTER TABLE pgr.feed_result ALTER COLUMN result SET STORAGE EXTERNAL;

-- Every delta of every feed, for resume and replay; pruned by pg_reactive.log_retention.
CREATE TABLE pgr.delta_log (
  feed_id       bigint NOT NULL REFERENCES pgr.feed ON DELETE CASCADE,
  seq           bigint NOT NULL,
  ops           jsonb NOT NULL,
  inline        boolean NOT NULL,              -- false: NOTIFY carried a reference
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (feed_id, seq)
);
CREATE INDEX ON pgr.delta_log (created_at);

-- Tables on which the capture trigger is installed.
CREATE TABLE pgr.captured (
  relid         oid PRIMARY KEY
);

-- Not marked for pg_dump: live_query.tables holds oids that a restore would not keep.

-- ------------------------------------------------------------------ C entry points

CREATE FUNCTION pgr._analyze(sql text, param_types regtype[],
  OUT tables oid[], OUT param_types regtype[], OUT changes_alone boolean, OUT why text,
  OUT key text[], OUT columns text[], OUT incremental_key text)
  AS 'MODULE_PATHNAME', 'pgr_analyze' LANGUAGE C VOLATILE;

CREATE FUNCTION pgr._eval(sql text, param_types regtype[], params jsonb,
                          restrict_key text DEFAULT NULL, restrict_to int8[] DEFAULT NULL) RETURNS jsonb
  AS 'MODULE_PATHNAME', 'pgr_eval' LANGUAGE C VOLATILE;

CREATE FUNCTION pgr._eval_batch(sql text, param_types regtype[], search_path text,
                                restrict_key text, restrict_to int8[], feed_ids int8[],
                                roles name[], claims text[], params jsonb[])
  RETURNS TABLE (feed_id int8, rows jsonb, error_code text, error_message text)
  AS 'MODULE_PATHNAME', 'pgr_eval_batch' LANGUAGE C VOLATILE;

CREATE FUNCTION pgr._note_quiet(evaluated int8[], settled int8[]) RETURNS void
  AS 'MODULE_PATHNAME', 'pgr_note_quiet' LANGUAGE C VOLATILE STRICT;

CREATE FUNCTION pgr._take_quiet() RETURNS TABLE (feed_id int8, passes int8, last_at timestamptz)
  AS 'MODULE_PATHNAME', 'pgr_take_quiet' LANGUAGE C VOLATILE;

-- rows whose key is in keyset (an object of changed keys as text), and the others
CREATE FUNCTION pgr._split(rows_ jsonb, key text, keyset jsonb, OUT changed jsonb, OUT kept jsonb)
  AS 'MODULE_PATHNAME', 'pgr_split' LANGUAGE C IMMUTABLE STRICT;

CREATE FUNCTION pgr._enter(role name, claims text, search_path text) RETURNS void
  AS 'MODULE_PATHNAME', 'pgr_enter' LANGUAGE C VOLATILE;

CREATE FUNCTION pgr._capture() RETURNS trigger
  AS 'MODULE_PATHNAME', 'pgr_capture' LANGUAGE C;

CREATE FUNCTION pgr._mark_dirty(relids oid[], subscribe boolean) RETURNS void
  AS 'MODULE_PATHNAME', 'pgr_mark_dirty' LANGUAGE C VOLATILE;

-- Wait until the worker has handled every commit made before the call; false on timeout.
CREATE FUNCTION pgr.wait_idle(timeout_ms integer DEFAULT 10000) RETURNS boolean
  AS 'MODULE_PATHNAME', 'pgr_wait_idle' LANGUAGE C STRICT VOLATILE;

CREATE FUNCTION pgr.worker_pid() RETURNS integer
  AS 'MODULE_PATHNAME', 'pgr_worker_pid' LANGUAGE C VOLATILE;

-- Cycles the database's worker ran, the wall time they took (transaction included) and
-- the worker's CPU time in them.
CREATE FUNCTION pgr.worker_stats(OUT cycles bigint, OUT busy_ms float8, OUT last_cycle_ms float8,
                                 OUT cpu_ms float8)
  AS 'MODULE_PATHNAME', 'pgr_worker_stats' LANGUAGE C VOLATILE;

-- ------------------------------------------------------------------ diff

CREATE FUNCTION pgr._key(row_ jsonb, key text[]) RETURNS jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT pg_catalog.jsonb_agg(row_ -> k ORDER BY o) FROM unnest(key) WITH ORDINALITY AS u(k, o) $$;

-- The ops that turn prev into cur: keyed (insert/update/delete by key) or multiset
-- (insert/delete). Deterministic order: deletes, updates, inserts, each by row text.
CREATE FUNCTION pgr.diff(prev jsonb, cur jsonb, key text[] DEFAULT NULL) RETURNS jsonb
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
  AS $$
DECLARE
  k1 text := CASE WHEN cardinality(key) = 1 THEN key[1] END;
BEGIN
  -- plpgsql, not sql: the worker calls this per feed and plpgsql keeps the plans.
  -- Every step is a hash operation: EXCEPT ALL, then a FULL JOIN on the key.
  IF prev = cur THEN
    RETURN '[]'::jsonb;
  END IF;
  IF key IS NULL THEN
    RETURN (
      WITH
      gone AS (SELECT e FROM pg_catalog.jsonb_array_elements(prev) e
               EXCEPT ALL SELECT e FROM pg_catalog.jsonb_array_elements(cur) e),
      came AS (SELECT e FROM pg_catalog.jsonb_array_elements(cur) e
               EXCEPT ALL SELECT e FROM pg_catalog.jsonb_array_elements(prev) e)
      SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('op', op, 'row', e)
                                           ORDER BY o, e::text), '[]'::jsonb)
        FROM (SELECT 1 AS o, 'delete' AS op, e FROM gone
              UNION ALL SELECT 3, 'insert', e FROM came) ops);
  END IF;
  RETURN (
    WITH
    gone AS (SELECT e FROM pg_catalog.jsonb_array_elements(prev) e
             EXCEPT ALL SELECT e FROM pg_catalog.jsonb_array_elements(cur) e),
    came AS (SELECT e FROM pg_catalog.jsonb_array_elements(cur) e
             EXCEPT ALL SELECT e FROM pg_catalog.jsonb_array_elements(prev) e),
    d AS (SELECT e, CASE WHEN k1 IS NOT NULL THEN e -> k1 ELSE pgr._key(e, key) END AS k FROM gone),
    i AS (SELECT e, CASE WHEN k1 IS NOT NULL THEN e -> k1 ELSE pgr._key(e, key) END AS k FROM came),
    ops AS (
      SELECT CASE WHEN d.e IS NULL THEN 3 WHEN i.e IS NULL THEN 1 ELSE 2 END AS o,
             CASE WHEN d.e IS NULL THEN 'insert' WHEN i.e IS NULL THEN 'delete' ELSE 'update' END AS op,
             coalesce(i.e, d.e) AS e
        FROM d FULL JOIN i ON d.k = i.k)
    SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('op', op, 'row', e)
                                         ORDER BY o, e::text), '[]'::jsonb)
      FROM ops);
END
$$;

-- Apply ops to rows (the consumer's side of pgr.diff), for tests and replay.
CREATE FUNCTION pgr.apply(rows_ jsonb, ops jsonb, key text[] DEFAULT NULL) RETURNS jsonb
  LANGUAGE plpgsql IMMUTABLE
  AS $$
DECLARE
  op jsonb;
  kept jsonb;
BEGIN
  FOR op IN SELECT x FROM pg_catalog.jsonb_array_elements(ops) x LOOP
    IF key IS NULL THEN
      IF op->>'op' = 'delete' THEN
        -- remove one occurrence
        SELECT coalesce(pg_catalog.jsonb_agg(e ORDER BY n), '[]'::jsonb) INTO kept
          FROM pg_catalog.jsonb_array_elements(rows_) WITH ORDINALITY AS t(e, n)
         WHERE n <> (SELECT min(n2) FROM pg_catalog.jsonb_array_elements(rows_) WITH ORDINALITY AS t2(e2, n2)
                      WHERE e2 = op->'row');
        rows_ := kept;
      ELSE
        rows_ := rows_ || pg_catalog.jsonb_build_array(op->'row');
      END IF;
    ELSE
      SELECT coalesce(pg_catalog.jsonb_agg(e ORDER BY n), '[]'::jsonb) INTO kept
        FROM pg_catalog.jsonb_array_elements(rows_) WITH ORDINALITY AS t(e, n)
       WHERE pgr._key(e, key) IS DISTINCT FROM pgr._key(op->'row', key);
      rows_ := kept;
      IF op->>'op' <> 'delete' THEN
        rows_ := rows_ || pg_catalog.jsonb_build_array(op->'row');
      END IF;
    END IF;
  END LOOP;
  RETURN rows_;
END
$$;

-- ------------------------------------------------------------------ capture

-- Install the capture triggers on every table that a live query with feeds (or the
-- query being subscribed to) reads. Runs as the extension owner. Removing them is the
-- worker's job (pgr._release_capture): DROP TRIGGER takes an ACCESS EXCLUSIVE lock,
-- which an unsubscribe on a busy table must not wait for.
CREATE FUNCTION pgr._sync_capture(also_query bigint DEFAULT NULL) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog
  AS $$
DECLARE
  r oid;
BEGIN
  -- held to commit: the worker cannot remove a table's triggers while a subscribe that
  -- relies on them is in flight (it takes EXCLUSIVE on the same table to remove)
  LOCK TABLE pgr.captured IN ROW EXCLUSIVE MODE;
  FOR r IN
    SELECT DISTINCT t FROM pgr.live_query q, unnest(q.tables) t
     WHERE (q.id = also_query OR EXISTS (SELECT FROM pgr.feed f WHERE f.query_id = q.id))
       AND NOT EXISTS (SELECT FROM pgr.captured c WHERE c.relid = t)
     ORDER BY t
  LOOP
    IF NOT EXISTS (SELECT FROM pg_class WHERE oid = r) THEN
      CONTINUE;
    END IF;
    -- a plain table with a one-column integer primary key hands its changed keys over
    -- (transition tables); any other table is re-evaluated in full on every change
    IF EXISTS (SELECT FROM pg_class c WHERE c.oid = r AND c.relkind = 'r' AND NOT c.relispartition)
       AND (SELECT count(*) = 1 AND bool_and(a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype))
              FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
             WHERE i.indrelid = r AND i.indisprimary) THEN
      EXECUTE format('CREATE OR REPLACE TRIGGER pgr_capture_ins AFTER INSERT ON %s REFERENCING NEW TABLE AS pgr_new '
                     'FOR EACH STATEMENT EXECUTE FUNCTION pgr._capture()', r::regclass);
      EXECUTE format('CREATE OR REPLACE TRIGGER pgr_capture_upd AFTER UPDATE ON %s REFERENCING OLD TABLE AS pgr_old '
                     'NEW TABLE AS pgr_new FOR EACH STATEMENT EXECUTE FUNCTION pgr._capture()', r::regclass);
      EXECUTE format('CREATE OR REPLACE TRIGGER pgr_capture_del AFTER DELETE ON %s REFERENCING OLD TABLE AS pgr_old '
                     'FOR EACH STATEMENT EXECUTE FUNCTION pgr._capture()', r::regclass);
      EXECUTE format('CREATE OR REPLACE TRIGGER pgr_capture AFTER TRUNCATE ON %s '
                     'FOR EACH STATEMENT EXECUTE FUNCTION pgr._capture()', r::regclass);
    ELSE
      EXECUTE format('CREATE OR REPLACE TRIGGER pgr_capture AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %s '
                     'FOR EACH STATEMENT EXECUTE FUNCTION pgr._capture()', r::regclass);
    END IF;
    INSERT INTO pgr.captured VALUES (r) ON CONFLICT DO NOTHING;
  END LOOP;
END
$$;

-- Worker housekeeping: remove the capture triggers of tables no feed reads any more.
-- Gives up quickly when the table is busy (lock_timeout) and tries again later.
-- Returns the number of captured tables left.
CREATE FUNCTION pgr._release_capture() RETURNS bigint
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
      END LOOP;
      PERFORM pg_catalog.set_config('lock_timeout', '0', true);
    EXCEPTION WHEN lock_not_available THEN
      NULL;                               -- busy: next housekeeping round
    END;
  END IF;
  RETURN (SELECT count(*) FROM pgr.captured);
END
$$;

-- DDL on a captured table: re-evaluate the live queries that read it at commit, so a
-- dropped or altered table reaches subscribers as an error or a delta.
CREATE FUNCTION pgr._on_ddl() RETURNS event_trigger
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
    END IF;
  ELSE
    SELECT array_agg(c.objid) INTO hit FROM pg_event_trigger_ddl_commands() c
     WHERE c.classid = 'pg_class'::regclass AND c.objid IN (SELECT relid FROM pgr.captured);
  END IF;
  IF hit IS NOT NULL THEN
    PERFORM pgr._mark_dirty(hit, false);
  END IF;
END
$$;

CREATE EVENT TRIGGER pgr_on_drop ON sql_drop EXECUTE FUNCTION pgr._on_ddl();
CREATE EVENT TRIGGER pgr_on_alter ON ddl_command_end WHEN TAG IN ('ALTER TABLE')
  EXECUTE FUNCTION pgr._on_ddl();

-- ------------------------------------------------------------------ define

-- Analyse and store a live query. Runs as the extension owner; analysis resolves names
-- with the caller's search_path, which is stored and used for every evaluation.
CREATE FUNCTION pgr._define(name text, sql text, param_types regtype[], key_columns text[],
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
                              inc_key, adhoc)
  VALUES (name, sql, a.param_types, coalesce(key_columns, a.key), refresh, a.tables, a.columns,
          caller_path,
          CASE WHEN refresh IS NULL AND (key_columns IS NULL OR key_columns = a.key)
               THEN a.incremental_key END,
          adhoc)
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

-- Define a named live query. Parameters are $1..$n; their types are inferred unless given.
CREATE FUNCTION pgr.define(name text, sql text, param_types regtype[] DEFAULT NULL,
                           key_columns text[] DEFAULT NULL, refresh interval DEFAULT NULL)
  RETURNS bigint
  LANGUAGE sql
  AS $$ SELECT (pgr._define(name, sql, param_types, key_columns, refresh, false,
                            pg_catalog.current_setting('search_path'))).id $$;

-- Drop a named live query with its feeds, subscriptions and log.
CREATE FUNCTION pgr.undefine(name text) RETURNS boolean
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog
  AS $$
DECLARE
  found boolean;
BEGIN
  DELETE FROM pgr.live_query q WHERE q.name = undefine.name RETURNING true INTO found;
  PERFORM pgr._mark_dirty(NULL, false);   -- the worker removes unused triggers, may stop
  RETURN coalesce(found, false);
END
$$;

-- ------------------------------------------------------------------ subscribe

CREATE FUNCTION pgr._lookup(name text) RETURNS pgr.live_query
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog
  AS $$
DECLARE
  q pgr.live_query;
BEGIN
  SELECT * INTO q FROM pgr.live_query l WHERE l.name = _lookup.name;
  IF q.id IS NULL THEN
    RAISE EXCEPTION 'live query "%" does not exist', name
      USING ERRCODE = 'undefined_object',
            HINT = 'Define it with pgr.define() first.';
  END IF;
  RETURN q;
END
$$;

CREATE FUNCTION pgr._find_feed(query_id bigint, context text) RETURNS pgr.feed
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog
  AS $$ SELECT * FROM pgr.feed f WHERE f.query_id = $1 AND f.context = $2 $$;

-- Attach a subscription to the feed (creating the feed with its first rows when given).
-- Row locks order it against a concurrent unsubscribe removing the feed or the ad hoc
-- query: returns NULL when the feed is gone and rows are needed to recreate it.
CREATE FUNCTION pgr._attach(q pgr.live_query, context text, params jsonb, role name,
                            claims jsonb, rows_ jsonb) RETURNS pgr.subscription
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog
  AS $$
DECLARE
  f pgr.feed;
  s pgr.subscription;
BEGIN
  IF NOT pg_has_role(session_user, role, 'MEMBER') THEN
    RAISE EXCEPTION 'permission denied to subscribe as role "%"', role
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'The connecting role must be a member of the role it subscribes as.';
  END IF;
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
      INSERT INTO pgr.feed_result (feed_id, result) VALUES (f.id, rows_);
    END IF;
  END IF;
  -- KEY SHARE: blocks a concurrent unsubscribe deleting the feed, never the worker's updates
  SELECT * INTO f FROM pgr.feed x WHERE x.query_id = q.id AND x.context = _attach.context FOR KEY SHARE;
  IF f.id IS NULL THEN
    RETURN NULL;
  END IF;
  INSERT INTO pgr.subscription (feed_id, start_seq) VALUES (f.id, f.seq) RETURNING * INTO s;
  -- the first write after our snapshot may have been seen by no feed yet: re-evaluate
  -- after commit, and make sure a worker is there to do it
  PERFORM pgr._mark_dirty(q.tables, true);
  RETURN s;
END
$$;

/*
 * Subscribe to a named live query as role with JWT claims. The caller must be able
 * to SET ROLE to role. Returns the subscription, its feed, the sequence the rows
 * correspond to, and the rows. Deltas with seq > the returned seq follow.
 */
CREATE FUNCTION pgr.subscribe(name text, params jsonb DEFAULT '[]', role name DEFAULT current_user,
                              claims jsonb DEFAULT '{}',
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

  -- capture first: once the triggers are in place every later write marks this feed
  PERFORM pgr._sync_capture(q.id);
  FOR attempt IN 1 .. 3 LOOP
    f := pgr._find_feed(q.id, ctx);
    IF f.id IS NULL OR attempt > 1 THEN
      PERFORM set_config('search_path', q.search_path, true);
      PERFORM set_config('request.jwt.claims', claims::text, true);
      PERFORM set_config('role', role, true);
      fresh := pgr._eval(q.sql, q.param_types, params);
      PERFORM set_config('role', old_role, true);
      PERFORM set_config('request.jwt.claims', coalesce(old_claims, ''), true);
      PERFORM set_config('search_path', old_path, true);
    END IF;
    s := pgr._attach(q, ctx, params, role, claims, fresh);
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

-- Subscribe to SQL text directly: defines (or reuses) an ad-hoc live query keyed by a
-- hash of the text, its types, key, refresh and search_path. Dropped with its last feed.
CREATE FUNCTION pgr.subscribe_sql(sql text, params jsonb DEFAULT '[]', role name DEFAULT current_user,
                                  claims jsonb DEFAULT '{}', param_types regtype[] DEFAULT NULL,
                                  key_columns text[] DEFAULT NULL, refresh interval DEFAULT NULL,
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
      SELECT * INTO r FROM pgr.subscribe(qname, params, role, claims);
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

CREATE FUNCTION pgr._own(subscription_id bigint) RETURNS pgr.subscription
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog
  AS $$
DECLARE
  s pgr.subscription;
BEGIN
  SELECT * INTO s FROM pgr.subscription x WHERE x.id = subscription_id;
  IF s.id IS NULL THEN
    RAISE EXCEPTION 'subscription % does not exist', subscription_id
      USING ERRCODE = 'undefined_object', HINT = 'Subscribe again; the subscription was removed.';
  END IF;
  IF NOT pg_has_role(session_user, s.owner, 'MEMBER') THEN
    RAISE EXCEPTION 'permission denied for subscription %', subscription_id
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'Only the role that created a subscription can use it.';
  END IF;
  RETURN s;
END
$$;

-- Remove a subscription; its feed goes with the last subscriber, an ad-hoc query with
-- its last feed, and (soon after, by the worker) a table's capture triggers with the
-- last feed reading it.
CREATE FUNCTION pgr.unsubscribe(subscription_id bigint) RETURNS boolean
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog
  AS $$
DECLARE
  s pgr.subscription;
  qid bigint;
  adhoc boolean;
BEGIN
  SELECT * INTO s FROM pgr.subscription x WHERE x.id = subscription_id;
  IF s.id IS NULL THEN
    RETURN false;
  END IF;
  s := pgr._own(subscription_id);
  DELETE FROM pgr.subscription WHERE id = s.id;
  -- lock (live query, then feed: the order _attach uses), then look with a new
  -- snapshot: a concurrent attach either finished first and is seen, or waits for us
  -- and finds the feed (or the ad hoc query) gone and recreates it
  SELECT f.query_id INTO qid FROM pgr.feed f WHERE f.id = s.feed_id;
  PERFORM FROM pgr.live_query q WHERE q.id = qid AND q.adhoc FOR UPDATE;
  adhoc := FOUND;
  PERFORM FROM pgr.feed f WHERE f.id = s.feed_id FOR UPDATE;
  IF NOT EXISTS (SELECT FROM pgr.subscription x WHERE x.feed_id = s.feed_id) THEN
    DELETE FROM pgr.feed f WHERE f.id = s.feed_id;
    IF adhoc AND NOT EXISTS (SELECT FROM pgr.feed f WHERE f.query_id = qid) THEN
      DELETE FROM pgr.live_query q WHERE q.id = qid;
    END IF;
  END IF;
  PERFORM pgr._mark_dirty(NULL, false);   -- the worker removes unused triggers, may stop
  RETURN true;
END
$$;

-- Deltas of a subscription after a sequence, for resume. Raises when the log no longer
-- reaches back that far (SQLSTATE PR001): call pgr.resync() then.
CREATE FUNCTION pgr.changes(subscription_id bigint, after_seq bigint)
  RETURNS TABLE (seq bigint, ops jsonb, created_at timestamptz)
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
      USING ERRCODE = 'PR001', HINT = 'Call pgr.resync() for the full current rows.';
  END IF;
  RETURN QUERY SELECT d.seq, d.ops, d.created_at FROM pgr.delta_log d
    WHERE d.feed_id = s.feed_id AND d.seq > after_seq ORDER BY d.seq;
END
$$;

-- The full current rows of a subscription and the sequence they correspond to.
CREATE FUNCTION pgr.resync(subscription_id bigint, OUT seq bigint, OUT rows jsonb)
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog
  AS $$
DECLARE
  s pgr.subscription := pgr._own(subscription_id);
BEGIN
  SELECT f.seq, r.result INTO seq, rows
    FROM pgr.feed f JOIN pgr.feed_result r ON r.feed_id = f.id
   WHERE f.id = s.feed_id;
END
$$;

-- One delta of a feed (what a reference payload points at).
CREATE FUNCTION pgr.delta(feed_id bigint, seq bigint) RETURNS jsonb
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog
  AS $$
  SELECT d.ops FROM pgr.delta_log d
   WHERE d.feed_id = $1 AND d.seq = $2
     AND EXISTS (SELECT FROM pgr.subscription s WHERE s.feed_id = $1
                  AND pg_has_role(session_user, s.owner, 'MEMBER'))
$$;

-- ------------------------------------------------------------------ views

CREATE VIEW pgr.live_queries AS
SELECT q.name, q.sql, q.param_types, q.key, q.refresh, q.adhoc, q.inc_key IS NOT NULL AS incremental,
       q.tables::regclass[] AS tables,
       (SELECT count(*) FROM pgr.feed f WHERE f.query_id = q.id) AS feeds,
       (SELECT count(*) FROM pgr.subscription s JOIN pgr.feed f ON f.id = s.feed_id
         WHERE f.query_id = q.id) AS subscriptions,
       (SELECT coalesce(sum(f.evaluations), 0) FROM pgr.feed f WHERE f.query_id = q.id) AS evaluations,
       (SELECT coalesce(sum(f.deltas), 0) FROM pgr.feed f WHERE f.query_id = q.id) AS deltas,
       (SELECT coalesce(sum(f.errors), 0) FROM pgr.feed f WHERE f.query_id = q.id) AS errors,
       q.created_at, q.columns
  FROM pgr.live_query q;

CREATE VIEW pgr.subscriptions AS
-- a role sees the subscriptions it (or a role it belongs to) owns
SELECT s.id, q.name AS query, s.feed_id, f.role, f.params, f.claims, s.owner,
       s.start_seq, f.seq, f.evaluations, f.deltas, f.errors, f.last_error,
       f.evaluated_at, s.created_at
  FROM pgr.subscription s
  JOIN pgr.feed f ON f.id = s.feed_id
  JOIN pgr.live_query q ON q.id = f.query_id
 WHERE pg_catalog.pg_has_role(session_user, s.owner, 'MEMBER');

-- ------------------------------------------------------------------ worker

/*
 * Called only by the worker (as superuser), once per wake-up, in one transaction.
 * Re-evaluates every feed whose query reads a dirty table (all feeds when all_ is
 * true, plus feeds whose refresh is due). The feeds of one live query go to
 * pgr._eval_batch() together: feeds sharing a security context are evaluated in
 * one statement, and an error reaches the failing feed alone. A feed of a
 * single-table query whose table only reported changed keys (not in full) is
 * evaluated on those keys alone and its stored rows patched; its first pass after
 * subscribe, and its first pass after an error, are in full. Only feeds whose rows
 * changed are diffed; the others are counted as quiet.
 * Returns seconds to the next due refresh, 0 when there is none, -1 when the
 * database has no feeds left.
 */
CREATE FUNCTION pgr._process(dirty oid[], full_ oid[], key_rel oid[], key_val int8[],
                             all_ boolean, housekeeping boolean) RETURNS float8
  LANGUAGE plpgsql
  AS $$
DECLARE
  b record;
  f record;
  cur jsonb;
  ops jsonb;
  kept jsonb;
  payload text;
  n bigint;
  code text;
  msg text;
  next_due float8;
  evaluated bigint[] := '{}';
  settled bigint[] := '{}';
  urgent bigint[] := '{}';
  retention interval;
BEGIN
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
                       AND NOT (q.tables && full_) AND q.tables && dirty
                       AND coalesce(cardinality(c.keys), 0) <= greatest(1024, t.reltuples / 4)
                  THEN q.inc_key END AS inc_key,
             c.keys IS NOT NULL AS has_keys,
             -- a quiet pass of these changes more than counters: written at once
             x.evaluations = 0 OR x.last_error IS NOT NULL OR q.refresh IS NOT NULL AS urgent
        FROM pgr.live_query q JOIN pgr.feed x ON x.query_id = q.id
        LEFT JOIN changed c ON c.r = q.tables[1]
        LEFT JOIN pg_catalog.pg_class t ON t.oid = q.tables[1]
       WHERE all_ OR q.tables && dirty
          OR (q.refresh IS NOT NULL AND x.evaluated_at + q.refresh <= clock_timestamp())),
    -- one sort puts each context's feeds next to each other, for multiplexing (correct in
    -- any order: pgr._eval_batch groups only adjacent feeds of one context)
    sorted AS (
      SELECT t.*, t.claims::text AS claims_text
        FROM todo t
       -- an incremental feed whose table reported no changed key has nothing to do
       WHERE t.inc_key IS NULL OR t.has_keys
       ORDER BY t.query_id, t.inc_key, t.role, claims_text, t.id),
    batch AS (
      SELECT t.query_id, t.inc_key, array_agg(t.id) AS ids, array_agg(t.role) AS roles,
             array_agg(t.claims_text) AS claims, array_agg(t.params) AS params,
             coalesce(array_agg(t.id) FILTER (WHERE t.urgent), '{}') AS urgent
        FROM sorted t
       GROUP BY t.query_id, t.inc_key)
    SELECT bt.*, q.sql, q.param_types, q.key, q.search_path,
           CASE WHEN bt.inc_key IS NOT NULL THEN c.keys END AS keys,
           CASE WHEN bt.inc_key IS NOT NULL THEN c.keyset END AS keyset
      FROM batch bt JOIN pgr.live_query q ON q.id = bt.query_id
      LEFT JOIN changed c ON c.r = q.tables[1]
     ORDER BY bt.query_id, bt.inc_key NULLS FIRST
  LOOP
    evaluated := evaluated || b.ids;
    urgent := urgent || b.urgent;
    FOR f IN
      SELECT e.feed_id, e.rows, e.error_code, e.error_message, x.seq, r.result AS prev
        FROM pgr._eval_batch(b.sql, b.param_types, b.search_path, b.inc_key, b.keys,
                             b.ids, b.roles, b.claims, b.params) e
        JOIN pgr.feed x ON x.id = e.feed_id
        JOIN pgr.feed_result r ON r.feed_id = e.feed_id
       -- the rest are quiet: the same rows as stored, or no stored or fresh row with a changed key
       WHERE e.error_code IS NOT NULL
          OR (b.inc_key IS NULL AND e.rows IS DISTINCT FROM r.result)
          OR (b.inc_key IS NOT NULL
              AND (e.rows <> '[]'::jsonb
                   OR EXISTS (SELECT FROM jsonb_array_elements(r.result) o
                               WHERE b.keyset ? (o ->> b.inc_key))))
       ORDER BY e.feed_id
    LOOP
      BEGIN
        IF f.error_code IS NOT NULL THEN
          RAISE EXCEPTION USING ERRCODE = f.error_code, MESSAGE = f.error_message;
        END IF;
        cur := f.rows;
        IF b.inc_key IS NULL THEN
          ops := pgr.diff(f.prev, cur, b.key);
        ELSE
          -- the stored rows of the changed keys against their fresh rows
          SELECT s.changed, s.kept INTO ops, kept FROM pgr._split(f.prev, b.inc_key, b.keyset) s;
          ops := pgr.diff(ops, cur, b.key);
          cur := kept || cur;
        END IF;
        -- no ops: counted with the quiet ones
        IF jsonb_array_length(ops) > 0 THEN
          settled := settled || f.feed_id;
          n := f.seq + 1;
          UPDATE pgr.feed_result SET result = cur WHERE feed_id = f.feed_id;
          UPDATE pgr.feed SET seq = n, evaluations = evaluations + 1,
                              deltas = deltas + 1, evaluated_at = clock_timestamp(), last_error = NULL
           WHERE id = f.feed_id;
          payload := json_build_object('v', 1, 'kind', 'delta', 'feed', f.feed_id, 'seq', n,
                                       'ops', ops)::text;
          IF octet_length(payload) >= 8000 THEN
            payload := json_build_object('v', 1, 'kind', 'ref', 'feed', f.feed_id, 'seq', n,
                                         'count', jsonb_array_length(ops))::text;
            INSERT INTO pgr.delta_log (feed_id, seq, ops, inline) VALUES (f.feed_id, n, ops, false);
          ELSE
            INSERT INTO pgr.delta_log (feed_id, seq, ops, inline) VALUES (f.feed_id, n, ops, true);
          END IF;
          PERFORM pg_notify('pgr', payload);
        END IF;
      EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
        msg := left(msg, 2000);
        settled := settled || f.feed_id;
        UPDATE pgr.feed SET errors = errors + 1, last_error = msg, evaluated_at = clock_timestamp()
         WHERE id = f.feed_id;
        PERFORM pg_notify('pgr', json_build_object('v', 1, 'kind', 'error', 'feed', f.feed_id, 'seq', f.seq,
                                                   'code', code, 'message', msg)::text);
      END;
    END LOOP;
  END LOOP;

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
    retention := coalesce(current_setting('pg_reactive.log_retention', true), '1h')::interval;
    DELETE FROM pgr.delta_log WHERE created_at < now() - retention;
    IF pgr._release_capture() = 0 AND NOT EXISTS (SELECT FROM pgr.feed) THEN
      RETURN -1;
    END IF;
  END IF;
  IF EXISTS (SELECT FROM pgr.live_query q WHERE q.refresh IS NOT NULL) THEN
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

-- ------------------------------------------------------------------ privileges

GRANT USAGE ON SCHEMA pgr TO PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA pgr FROM PUBLIC;
-- the views are the readable surface: every live query, and one's own subscriptions
GRANT SELECT ON pgr.live_queries, pgr.subscriptions TO PUBLIC;
REVOKE EXECUTE ON FUNCTION pgr._process(oid[], oid[], oid[], int8[], boolean, boolean),
                           pgr._eval_batch(text, regtype[], text, text, int8[], int8[], name[], text[], jsonb[]),
                           pgr._note_quiet(int8[], int8[]), pgr._take_quiet(),
                           pgr._release_capture(), pgr._mark_dirty(oid[], boolean) FROM PUBLIC;
