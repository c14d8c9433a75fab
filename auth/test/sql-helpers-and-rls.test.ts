import t from 'tap'
import pg from 'pg'
import { decodeJwt } from 'jose'
import { sharedAuthHub, startAuthHub } from './helpers.ts'

t.test('auth.uid(), role(), email(), jwt() read request.jwt.claims as Supabase defines them', async (t) => {
  const hub = await sharedAuthHub()
  const client = new pg.Client({ connectionString: hub.db.url })
  await client.connect()
  t.teardown(() => client.end())
  await client.query('BEGIN')
  await client.query('SET LOCAL ROLE authenticated')
  const claims = { sub: '22222222-2222-2222-2222-222222222222', role: 'authenticated', email: 'z@example.com', app_metadata: { plan: 'pro' } }
  await client.query(`SELECT set_config('request.jwt.claims', $1, true)`, [JSON.stringify(claims)])
  const { rows } = await client.query(`SELECT auth.uid() AS uid, auth.role() AS role, auth.email() AS email, auth.jwt() -> 'app_metadata' ->> 'plan' AS plan`)
  t.same(rows[0], { uid: claims.sub, role: 'authenticated', email: 'z@example.com', plan: 'pro' })
  await client.query('ROLLBACK')
  t.equal((await client.query('SELECT auth.uid() AS uid')).rows[0].uid, null, 'no claims, no uid')
})

t.test('the API roles cannot read auth tables; the login role holds no table rights', async (t) => {
  const hub = await sharedAuthHub()
  const client = new pg.Client({ connectionString: hub.db.url })
  await client.connect()
  t.teardown(() => client.end())
  for (const role of ['anon', 'authenticated', 'service_role']) {
    await client.query(`SET ROLE ${role}`)
    await t.rejects(client.query('SELECT * FROM auth.users'), { code: '42501' }, `${role} cannot read auth.users`)
    await t.rejects(client.query('SELECT * FROM auth.refresh_tokens'), { code: '42501' })
    await t.rejects(client.query(`SELECT auth.rate_limit_hit('x', 1)`), { code: '42501' }, `${role} cannot touch rate limits`)
    await client.query('RESET ROLE')
  }
  await t.rejects(client.query('SELECT * FROM auth.users'), { code: '42501' }, 'authenticator itself cannot either')
})

t.test('RLS policies with auth.uid() work through /rest/v1 with tokens from /auth/v1', async (t) => {
  const hub = await sharedAuthHub()
  await hub.sql(`
    CREATE TABLE public.notes (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      owner uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE,
      body text NOT NULL
    );
    ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
    CREATE POLICY own_select ON public.notes FOR SELECT TO authenticated USING (owner = auth.uid());
    CREATE POLICY own_insert ON public.notes FOR INSERT TO authenticated WITH CHECK (owner = auth.uid());
    NOTIFY pgrst, 'reload schema';`)
  const rest = `${hub.url}/rest/v1`
  const auth = hub.client()
  const alice = (await auth.signUp({ email: 'alice@example.com', password: 'secret-pass' })).data.session!
  const bob = (await auth.signUp({ email: 'bob@example.com', password: 'secret-pass' })).data.session!
  const call = (token: string, init: RequestInit = {}, path = '/notes?select=body,owner') =>
    fetch(`${rest}${path}`, { ...init, headers: { apikey: hub.anonKey, authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } })
  for (let i = 0; i < 100; i++) {
    const res = await call(alice.access_token)
    await res.arrayBuffer()
    if (res.status === 200) break
    await new Promise((r) => setTimeout(r, 50))
  }
  t.equal((await call(alice.access_token, { method: 'POST', body: JSON.stringify({ body: 'from alice' }) }, '/notes')).status, 201)
  t.equal((await call(bob.access_token, { method: 'POST', body: JSON.stringify({ body: 'from bob' }) }, '/notes')).status, 201)
  const forged = await call(bob.access_token, { method: 'POST', body: JSON.stringify({ body: 'as alice', owner: alice.user.id }) }, '/notes')
  t.equal(forged.status, 403, 'cannot write rows for someone else')
  const aliceRows = (await (await call(alice.access_token)).json()) as Array<{ body: string; owner: string }>
  t.same(aliceRows, [{ body: 'from alice', owner: decodeJwt(alice.access_token).sub }])
  const bobRows = (await (await call(bob.access_token)).json()) as Array<{ body: string }>
  t.same(bobRows.map((r) => r.body), ['from bob'])
  const anonRows = await call(hub.anonKey)
  t.equal(anonRows.status, 200)
  t.same(await anonRows.json(), [], 'anon sees nothing')
})

t.test('anonymous sign-in gives an is_anonymous session; adding an email makes it permanent', async (t) => {
  const hub = await sharedAuthHub()
  const auth = hub.client()
  const anon = await auth.signInAnonymously({ options: { data: { guest: true } } })
  t.error(anon.error)
  const claims = decodeJwt(anon.data.session!.access_token)
  t.equal(claims.is_anonymous, true)
  t.equal(claims.role, 'authenticated')
  t.match(claims.amr, [{ method: 'anonymous' }])
  t.equal(anon.data.user?.is_anonymous, true)
  t.same(anon.data.user?.identities, [])
  const token = anon.data.session!.access_token
  const noEmail = await hub.call('PUT', '/user', { password: 'secret-pass' }, { authorization: `Bearer ${token}` })
  t.equal(noEmail.status, 422)
  const upgraded = await hub.call('PUT', '/user', { email: 'guest@example.com', password: 'secret-pass' }, { authorization: `Bearer ${token}` })
  t.equal(upgraded.status, 200)
  t.equal(upgraded.body.is_anonymous, false)
  t.equal(upgraded.body.email, 'guest@example.com')
  t.error((await auth.signInWithPassword({ email: 'guest@example.com', password: 'secret-pass' })).error)

  const off = await startAuthHub(t, { PGSTACK_AUTH_ANONYMOUS_USERS: 'false' })
  const refused = await off.client().signInAnonymously()
  t.equal(refused.error?.code, 'anonymous_provider_disabled')
})

t.test('the Supabase profile trigger on auth.users runs unchanged at sign-up', async (t) => {
  const hub = await startAuthHub(t)
  await hub.sql(`
    CREATE TABLE public.profiles (id uuid PRIMARY KEY REFERENCES auth.users (id) ON DELETE CASCADE, email text, full_name text);
    CREATE FUNCTION public.handle_new_user() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
    BEGIN
      INSERT INTO public.profiles (id, email, full_name) VALUES (new.id, new.email, new.raw_user_meta_data ->> 'full_name');
      RETURN new;
    END;
    $$;
    CREATE TRIGGER on_auth_user_created AFTER INSERT ON auth.users FOR EACH ROW EXECUTE PROCEDURE public.handle_new_user();`)
  const { data, error } = await hub.client().signUp({ email: 'trig@example.com', password: 'secret-pass', options: { data: { full_name: 'Tri G' } } })
  t.error(error)
  t.same(await hub.sql('SELECT id, email, full_name FROM public.profiles'), [{ id: data.user!.id, email: 'trig@example.com', full_name: 'Tri G' }])
  t.error((await hub.adminClient().admin.deleteUser(data.user!.id)).error, 'and deleting the user cascades')
  t.same(await hub.sql('SELECT * FROM public.profiles'), [])
})
