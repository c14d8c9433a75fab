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
]
