// Several exposed schemas: Accept-Profile / Content-Profile pick one, responses name it, and an
// unexposed schema is PGRST106. Also guards that select casts cannot carry SQL.
import pg from 'pg'
import t from 'tap'
import { PostgrestClient } from '@supabase/postgrest-js'
import { startTestHub } from '@pgstack/hub/testing'

t.test('profiles', async (t) => {
  const hub = await startTestHub(t, { env: { PGSTACK_REST_SCHEMAS: 'public,extra' } })
  const admin = new pg.Client({ connectionString: hub.db.adminUrl })
  await admin.connect()
  await admin.query(`
    CREATE SCHEMA extra; GRANT USAGE ON SCHEMA extra TO anon, authenticated, service_role;
    CREATE TABLE extra.things (id int PRIMARY KEY, label text); GRANT ALL ON extra.things TO anon;
    INSERT INTO extra.things VALUES (1, 'one');
    CREATE TABLE public.things (id int PRIMARY KEY, label text); INSERT INTO public.things VALUES (1, 'public one');`)
  await admin.end()
  const rest = `${hub.url}/rest/v1`
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${rest}/things`, { headers: { 'Accept-Profile': 'extra' } })
    await res.arrayBuffer()
    if (res.ok) break
    await new Promise((r) => setTimeout(r, 50))
  }
  const res = await fetch(`${rest}/things?select=label`, { headers: { 'Accept-Profile': 'extra' } })
  t.same(await res.json(), [{ label: 'one' }])
  t.equal(res.headers.get('content-profile'), 'extra')
  const def = await fetch(`${rest}/things?select=label`)
  t.same(await def.json(), [{ label: 'public one' }])
  t.equal(def.headers.get('content-profile'), 'public')
  const client = new PostgrestClient(rest, { schema: 'extra', headers: { apikey: hub.anonKey } })
  const inserted = await client.from('things').insert({ id: 2, label: 'two' }).select('id')
  t.same(inserted.data, [{ id: 2 }], 'Content-Profile on writes')
  const bad = await fetch(`${rest}/things`, { headers: { 'Accept-Profile': 'pg_catalog' } })
  t.equal(bad.status, 406)
  t.same(await bad.json(), { code: 'PGRST106', details: null, hint: 'Only the following schemas are exposed: public, extra', message: 'Invalid schema: pg_catalog' })
  for (const attack of ['label::text AS x FROM pg_authid --', 'label::text)--', 'label::int;select 1']) {
    const r = await fetch(`${rest}/things?select=${encodeURIComponent(attack)}`)
    t.equal(r.status, 400, attack)
    t.equal(((await r.json()) as { code: string }).code, 'PGRST100')
  }
})
