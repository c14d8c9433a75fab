// rest's own migrations, applied by the hub after core's: an event trigger that asks every
// server to reload its schema cache after DDL. NOTIFY serialises committing transactions, which is
// acceptable for DDL only. Event triggers need a superuser; without one, reloads stay manual.
export interface RestMigration {
  component: string
  version: number
  name: string
  sql: string
}

export const restMigrations: RestMigration[] = [
  {
    component: 'rest',
    version: 1,
    name: 'reload the schema cache after DDL',
    sql: `
CREATE OR REPLACE FUNCTION pgstack.rest_notify_ddl() RETURNS event_trigger
LANGUAGE plpgsql AS $$
BEGIN
  NOTIFY pgrst, 'reload schema';
END
$$;

DO $$
BEGIN
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    DROP EVENT TRIGGER IF EXISTS pgstack_rest_ddl_end;
    DROP EVENT TRIGGER IF EXISTS pgstack_rest_sql_drop;
    CREATE EVENT TRIGGER pgstack_rest_ddl_end ON ddl_command_end EXECUTE FUNCTION pgstack.rest_notify_ddl();
    CREATE EVENT TRIGGER pgstack_rest_sql_drop ON sql_drop EXECUTE FUNCTION pgstack.rest_notify_ddl();
  ELSE
    RAISE NOTICE 'not a superuser: the REST schema cache reloads only on NOTIFY pgrst';
  END IF;
END
$$;
`,
  },
  {
    component: 'rest',
    version: 2,
    name: 'no schema reload for temporary objects',
    // Functions that create temporary tables would otherwise reload every server's cache, and
    // NOTIFY, on every call.
    sql: `
CREATE OR REPLACE FUNCTION pgstack.rest_notify_ddl() RETURNS event_trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_EVENT = 'ddl_command_end' AND NOT EXISTS (
    SELECT FROM pg_event_trigger_ddl_commands() WHERE schema_name IS NULL OR schema_name NOT LIKE 'pg\\_temp%'
  ) THEN
    RETURN;
  END IF;
  IF TG_EVENT = 'sql_drop' AND NOT EXISTS (SELECT FROM pg_event_trigger_dropped_objects() WHERE NOT is_temporary) THEN
    RETURN;
  END IF;
  NOTIFY pgrst, 'reload schema';
END
$$;
`,
  },
  {
    component: 'rest',
    version: 3,
    name: 'name the relations a DDL command changed, for incremental schema cache reloads',
    // 'pgstack {"r":[oids],"f":1}': the relations (or indexes) created, altered or dropped, and
    // whether functions changed; the server reads only those again. Types, extensions and schema
    // renames still ask for everything ('reload schema'); policies and grants ask for nothing.
    sql: `
CREATE OR REPLACE FUNCTION pgstack.rest_notify_ddl() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
  rels bigint[];
  fns boolean;
  everything boolean;
  payload text;
BEGIN
  IF TG_EVENT = 'ddl_command_end' THEN
    SELECT array_agg(DISTINCT objid::bigint) FILTER (WHERE classid = 'pg_class'::regclass),
           coalesce(bool_or(classid = 'pg_proc'::regclass), false),
           coalesce(bool_or(classid IN ('pg_type'::regclass, 'pg_extension'::regclass, 'pg_namespace'::regclass)), false)
      INTO rels, fns, everything
      FROM pg_event_trigger_ddl_commands()
     WHERE schema_name IS NULL OR schema_name NOT LIKE 'pg\\_temp%';
  ELSE
    SELECT array_agg(DISTINCT objid::bigint) FILTER (WHERE classid = 'pg_class'::regclass
             AND object_type IN ('table', 'view', 'materialized view', 'foreign table', 'index', 'table column')),
           coalesce(bool_or(classid = 'pg_proc'::regclass), false),
           coalesce(bool_or(object_type = 'composite type'), false)
      INTO rels, fns, everything
      FROM pg_event_trigger_dropped_objects()
     WHERE NOT is_temporary;
  END IF;
  IF everything THEN
    NOTIFY pgrst, 'reload schema';
    RETURN;
  END IF;
  IF coalesce(cardinality(rels), 0) = 0 AND NOT fns THEN
    RETURN;
  END IF;
  payload := 'pgstack ' || json_build_object('r', coalesce(rels, '{}'), 'f', CASE WHEN fns THEN 1 ELSE 0 END)::text;
  -- NOTIFY payloads stay under 8000 bytes
  IF length(payload) > 7900 THEN
    payload := 'reload schema';
  END IF;
  PERFORM pg_notify('pgrst', payload);
END
$$;
`,
  },
]
