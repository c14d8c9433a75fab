// Shared fixture of the live tests: a hub over a fresh database with a todo table under RLS
// (authenticated sees its own rows, anon the public ones, service_role all) and live queries.
import pg from 'pg'
import { startTestHub } from '@pgstack/hub/testing'
import { LiveTestClient } from './live-client.ts'

interface Tap {
  teardown(fn: () => unknown): void
}

export const FIXTURE = `
CREATE TABLE todo (id int PRIMARY KEY, owner text NOT NULL, title text NOT NULL, done boolean NOT NULL DEFAULT false);
ALTER TABLE todo ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON todo TO authenticated
  USING (owner = current_setting('request.jwt.claims', true)::jsonb ->> 'sub');
CREATE POLICY everyone ON todo TO service_role USING (true);
CREATE POLICY public_read ON todo TO anon USING (owner = 'public');
GRANT ALL ON todo TO anon, authenticated, service_role;
INSERT INTO todo VALUES (1, 'ann', 'milk', false), (2, 'bob', 'bread', false), (3, 'public', 'news', false);
SELECT pgr.define('todos', 'SELECT id, owner, title, done FROM todo WHERE done = $1 ORDER BY id', '{boolean}');
SELECT pgr.define('all_todos', 'SELECT id, owner, title, done FROM todo ORDER BY title DESC, id');
`

export async function setup(t: Tap, env: Record<string, string> = {}) {
  const hub = await startTestHub(t, { env: { PGSTACK_LIVE_FEED_LINGER_MS: '0', ...env } })
  const admin = new pg.Client({ connectionString: hub.db.adminUrl })
  await admin.connect()
  t.teardown(() => admin.end())
  await admin.query(FIXTURE)
  const open = async (token: string) => {
    const client = await LiveTestClient.open(hub.url, token)
    t.teardown(() => client.close())
    await client.next((m) => m.type === 'welcome')
    return client
  }
  /** Waits for pg_reactive's worker, then for `client` to reach the feed's current sequence. */
  const settle = async (client: LiveTestClient, id: string, ms = 10_000) => {
    await admin.query('SELECT pgr.wait_idle()')
    const sub = client.subs.get(id)!
    await client.until(() => sub.feed !== null, ms, `feed of ${id}`)
    const { rows } = await admin.query<{ seq: string }>('SELECT seq FROM pgr.feed WHERE id = $1', [sub.feed])
    const seq = Number(rows[0]!.seq)
    await client.until(() => sub.seq >= seq, ms, `${id} at seq ${seq} (is at ${sub.seq})`)
  }
  return { ...hub, admin, open, settle }
}

