// The roles and schemas every other part relies on. Roles are cluster-wide, so each statement
// tolerates roles that another database of the same cluster already created.
import type { Migration } from './runner.ts'

export const coreMigrations: Migration[] = [
  {
    component: 'core',
    version: 1,
    name: 'roles and schemas',
    sql: `
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'anon') THEN
    CREATE ROLE anon NOLOGIN NOINHERIT;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'authenticated') THEN
    CREATE ROLE authenticated NOLOGIN NOINHERIT;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'service_role') THEN
    CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'authenticator') THEN
    -- NOINHERIT: the server holds no privileges of its own until it SET ROLEs per request.
    CREATE ROLE authenticator LOGIN NOINHERIT;
  END IF;
END
$$;
GRANT anon, authenticated, service_role TO authenticator;

CREATE SCHEMA IF NOT EXISTS auth;
CREATE SCHEMA IF NOT EXISTS pgr;

GRANT USAGE ON SCHEMA public, auth, pgr TO anon, authenticated, service_role;
-- As Supabase does: tables the owner creates in public are reachable by the API roles, and
-- row level security decides which rows each one sees.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO anon, authenticated, service_role;
`,
  },
]
