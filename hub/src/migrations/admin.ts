// The admin API's state (docs/admin-api.md): who is a Studio admin, the auth settings stored in
// the database, and the JWT secrets of a rotation. Readable only through the role pgstack_admin,
// which the hub's login role may SET ROLE to; the API roles get nothing here. A change to any of
// them is announced on the channel `pgstack` so that every hub process applies it at once.
import type { Migration } from './runner.ts'

export const adminMigrations: Migration[] = [
  {
    component: 'admin',
    version: 1,
    name: 'admins, auth settings, jwt secrets',
    sql: `
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pgstack_admin') THEN
    CREATE ROLE pgstack_admin NOLOGIN NOINHERIT;
  END IF;
END
$$;
GRANT pgstack_admin TO authenticator;
GRANT USAGE ON SCHEMA pgstack TO pgstack_admin;

CREATE TABLE pgstack.admins (
  user_id uuid PRIMARY KEY REFERENCES auth.users (id) ON DELETE CASCADE,
  granted_at timestamptz NOT NULL DEFAULT now(),
  granted_by text NOT NULL DEFAULT current_user
);

-- One row per setting the Studio changed; a missing row means the default (or the environment).
CREATE TABLE pgstack.auth_settings (
  name text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by text
);

-- HS256 secrets made by a rotation. The current one is the newest row without expires_at;
-- older rows are accepted until their expires_at. replaces holds the fingerprint of the
-- secret that was current before, so that a start with the same environment is told apart
-- from an operator who set a new PGSTACK_JWT_SECRET.
CREATE TABLE pgstack.jwt_secrets (
  id bigserial PRIMARY KEY,
  secret text NOT NULL CHECK (char_length(secret) >= 32),
  fingerprint text NOT NULL UNIQUE,
  replaces text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz
);

GRANT SELECT, INSERT, UPDATE, DELETE ON pgstack.admins, pgstack.auth_settings, pgstack.jwt_secrets TO pgstack_admin;
GRANT USAGE ON SEQUENCE pgstack.jwt_secrets_id_seq TO pgstack_admin;
-- The Studio-token check joins the admin row with the user and the session.
GRANT USAGE ON SCHEMA auth TO pgstack_admin;
GRANT SELECT (id, email, banned_until, deleted_at) ON auth.users TO pgstack_admin;
GRANT SELECT (id, user_id) ON auth.sessions TO pgstack_admin;

CREATE FUNCTION pgstack.notify_admin_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_notify('pgstack', TG_TABLE_NAME);
  RETURN NULL;
END
$fn$;
CREATE TRIGGER notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pgstack.auth_settings
  FOR EACH STATEMENT EXECUTE FUNCTION pgstack.notify_admin_change();
CREATE TRIGGER notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pgstack.jwt_secrets
  FOR EACH STATEMENT EXECUTE FUNCTION pgstack.notify_admin_change();

-- The SQL editor runs as service_role: let it create objects in public, and give what it
-- creates the same grants as what the owner creates (RLS then decides, as for every table).
-- Needs the owner of schema public (or a superuser); without, the editor cannot run DDL there.
DO $$
BEGIN
  GRANT CREATE ON SCHEMA public TO service_role;
  ALTER DEFAULT PRIVILEGES FOR ROLE service_role IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
  ALTER DEFAULT PRIVILEGES FOR ROLE service_role IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
  ALTER DEFAULT PRIVILEGES FOR ROLE service_role IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO anon, authenticated, service_role;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'service_role may not create objects in schema public: %', SQLERRM;
END
$$;
`,
  },
  {
    component: 'admin',
    version: 2,
    name: 'the API keys are dated by the first migration',
    sql: `GRANT SELECT ON pgstack.migrations TO pgstack_admin;`,
  },
]
