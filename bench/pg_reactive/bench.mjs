#!/usr/bin/env node
// bench/pg_reactive/bench.mjs — starts its own PostgreSQL cluster with pg_reactive preloaded
// and prints pg_reactive's figures next to pgbench baselines from the same run.
//
//   node bench/pg_reactive/bench.mjs [--seconds 10] [--port 55441] [--only writer,latency,contexts,big] [--keep]
//                                    [--rounds 3]
//                                    [--set pg_reactive.worker_cpu_share=1 …]
//
// Needs: the extension installed (make -C ext/pg_reactive install), PostgreSQL binaries
// (PGBIN, default /usr/lib/postgresql/15/bin), pgbench. When run as root the cluster runs
// as the `postgres` OS user. Owns its cluster: stops it and removes it on every exit path.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, chownSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const SECONDS = Number(opt('seconds', '10'));
const PORT = Number(opt('port', '55441'));
const KEEP = args.includes('--keep');
// writer overhead: rounds of (0 live queries, 100 live queries), each run SECONDS / 2
const ROUNDS = Number(opt('rounds', '3'));
const ONLY = opt('only', 'writer,latency,contexts,big').split(',');
// extra server settings, e.g. to compare the worker's CPU share
const SETS = args.flatMap((a, i) => (a === '--set' && args[i + 1] ? [`-c ${args[i + 1]}`] : []));
const PGBIN = process.env.PGBIN ?? '/usr/lib/postgresql/15/bin';
const asRoot = process.getuid?.() === 0;

const dir = mkdtempSync(join(tmpdir(), 'pgr-bench-'));
const data = join(dir, 'data');
const conn = { host: dir, port: PORT, user: 'postgres', database: 'postgres' };

function run(cmd, argv, opts = {}) {
  const [c, a] = asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...argv]] : [cmd, argv];
  return execFileSync(c, a, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

function startCluster() {
  if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
    Number(execFileSync('id', ['-g', 'postgres']).toString().trim()));
  run(join(PGBIN, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
  const settings = [
    `-p ${PORT}`, `-k ${dir}`, "-c listen_addresses=''", '-c shared_preload_libraries=pg_reactive',
    '-c max_connections=200', '-c shared_buffers=256MB', '-c synchronous_commit=off',
    '-c max_worker_processes=16', ...SETS,
  ].join(' ');
  run(join(PGBIN, 'pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-w', '-c', '-o', settings, 'start']);
}

function stopCluster() {
  try { run(join(PGBIN, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']); } catch { /* gone */ }
  if (!KEEP) rmSync(dir, { recursive: true, force: true });
}

async function client() {
  const c = new pg.Client(conn);
  await c.connect();
  return c;
}

async function pgbench(script, { clients = 8, seconds = SECONDS, rate } = {}) {
  const file = join(dir, `script-${Math.random().toString(36).slice(2)}.sql`);
  writeFileSync(file, script);
  const argv = ['-n', '-h', dir, '-p', String(PORT), '-U', 'postgres', '-c', String(clients),
    '-j', String(Math.min(clients, 4)), '-T', String(seconds), '-f', file];
  if (rate) argv.push('-R', String(rate));
  // async: the LISTEN client must keep receiving while pgbench runs
  const out = await new Promise((resolve, reject) => {
    const child = spawn('pgbench', [...argv, 'postgres'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d) => { text += d; });
    child.stderr.on('data', (d) => { text += d; });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`pgbench failed: ${text}`))));
  });
  const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1]);
  const lat = Number(/latency average = ([\d.]+) ms/.exec(out)?.[1]);
  return { tps, lat };
}

const pct = (xs, p) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
const rows = [];
const report = (figure, value, baseline, target) => {
  rows.push({ figure, value, baseline, target });
  console.log(`  ${figure}: ${value}   [baseline: ${baseline}]   target ${target}`);
};

// The worker counts quiet evaluations in memory and writes them out in its housekeeping round
// (at least every 2 s): counters read right after wait_idle() would miss the last ones.
const countersFlushed = () => new Promise((resolve) => setTimeout(resolve, 2500));

async function writerOverhead(db) {
  console.log('\n# writer overhead: pgbench UPDATE, 8 clients, 0 vs 100 live queries on the table');
  await db.query(`CREATE TABLE w (id int PRIMARY KEY, owner int NOT NULL, val int NOT NULL)`);
  await db.query(`INSERT INTO w SELECT g, g % 1000, 0 FROM generate_series(1, 100000) g`);
  await db.query(`CREATE INDEX ON w (owner)`);
  await db.query(`VACUUM ANALYZE w`);
  const script = `\\set id random(1, 100000)\nUPDATE w SET val = val + 1 WHERE id = :id;\n`;
  await db.query(`SELECT pgr.define('w_owner', 'SELECT id, val FROM w WHERE owner = $1', '{int}')`);
  // alternate 0 and 100 live queries: on a shared machine one pair is mostly noise
  const base = [];
  const live = [];
  let subs = [];
  let evals = 0;
  let deltas = 0;
  let cpu = 0;
  for (let round = 0; round < ROUNDS; round++) {
    base.push((await pgbench(script, { seconds: Math.ceil(SECONDS / 2) })).tps);
    for (let i = 0; i < 100; i++) {
      const r = await db.query(`SELECT subscription_id FROM pgr.subscribe('w_owner', $1)`, [JSON.stringify([i])]);
      subs.push(r.rows[0].subscription_id);
    }
    await db.query(`SELECT pgr.wait_idle(60000)`);
    await countersFlushed();
    const q = `SELECT l.evaluations, l.deltas, s.cpu_ms FROM pgr.live_queries l, pgr.worker_stats() s WHERE l.name = 'w_owner'`;
    const before = (await db.query(q)).rows[0];
    live.push((await pgbench(script, { seconds: Math.ceil(SECONDS / 2) })).tps);
    await db.query(`SELECT pgr.wait_idle(60000)`);
    const cpuAfter = (await db.query(q)).rows[0].cpu_ms;
    await countersFlushed();
    const after = { ...(await db.query(q)).rows[0], cpu_ms: cpuAfter };
    evals += after.evaluations - before.evaluations;
    deltas += after.deltas - before.deltas;
    cpu += after.cpu_ms - before.cpu_ms;
    for (const s of subs) await db.query(`SELECT pgr.unsubscribe($1)`, [s]);
    subs = [];
    await db.query(`SELECT pgr.wait_idle(60000)`);
  }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  // each round's pair ran back to back: the median of the pair ratios is the least noisy figure
  const ratios = live.map((t, i) => t / base[i]).sort((a, b) => a - b);
  const median = ratios[Math.floor(ratios.length / 2)];
  report('writer TPS with 100 live queries', `${f1(mean(live))} tps (median pair ${median.toFixed(2)}x, pairs ${ratios.map((r) => r.toFixed(2)).join(' ')}; runs ${live.map(f1).join(', ')})`,
    `${f1(mean(base))} tps with 0 live queries (runs ${base.map(f1).join(', ')})`, '>= 0.9x');
  console.log(`    (worker meanwhile: ${evals} re-evaluations, ${deltas} deltas, ${f1(cpu)} ms CPU)`);
  for (const s of subs) await db.query(`SELECT pgr.unsubscribe($1)`, [s]);
  await db.query(`SELECT pgr.undefine('w_owner')`);
}

async function notifyLatency(db) {
  console.log('\n# commit -> NOTIFY latency, single-table live query, 500 commits/s');
  await db.query(`CREATE TABLE lat (id int PRIMARY KEY, grp int NOT NULL, ts float8 NOT NULL DEFAULT 0)`);
  await db.query(`INSERT INTO lat SELECT g, g % 100, 0 FROM generate_series(1, 10000) g`);
  await db.query(`CREATE INDEX ON lat (grp)`);
  await db.query(`SELECT pgr.define('lat_grp', 'SELECT id, ts FROM lat WHERE grp = $1', '{int}')`);
  const { rows: [sub] } = await db.query(`SELECT subscription_id, feed_id FROM pgr.subscribe('lat_grp', '[7]')`);
  await db.query(`SELECT pgr.wait_idle(10000)`);
  const listener = await client();
  const samples = [];
  let refs = 0;
  listener.on('notification', (n) => {
    const now = Date.now();
    const msg = JSON.parse(n.payload);
    if (msg.kind === 'ref') { refs++; return; }
    if (msg.kind !== 'delta' || String(msg.feed) !== String(sub.feed_id)) return;
    for (const op of msg.ops) if (op.row.ts > 0) samples.push(now - op.row.ts);
  });
  await listener.query('LISTEN pgr');
  // every commit stamps one row of the watched group with its wall-clock time just before commit
  const script = `\\set k random(0, 99)\nUPDATE lat SET ts = extract(epoch FROM clock_timestamp()) * 1000 WHERE id = 7 + 100 * :k;\n`;
  const base = await pgbench(script, { clients: 4, rate: 500 });
  await db.query(`SELECT pgr.wait_idle(10000)`);
  await new Promise((r) => setTimeout(r, 200));
  await listener.end();
  report('commit->NOTIFY p50 / p99', `${f1(pct(samples, 50))} / ${f1(pct(samples, 99))} ms over ${samples.length} commits (${refs} refs)`,
    `pgbench ${f1(base.tps)} tps at -R 500, commit latency avg ${base.lat} ms`, 'p99 <= 10 ms');
  await db.query(`SELECT pgr.unsubscribe($1)`, [sub.subscription_id]);
  await db.query(`SELECT pgr.undefine('lat_grp')`);
}

async function contexts(db) {
  console.log('\n# re-evaluations with diff across 1,000 security contexts (RLS by JWT claims)');
  await db.query(`CREATE ROLE bench_user NOLOGIN`);
  await db.query(`CREATE TABLE ctx (id int PRIMARY KEY, owner int NOT NULL, val int NOT NULL)`);
  await db.query(`INSERT INTO ctx SELECT g, g % 4000, 0 FROM generate_series(1, 100000) g`);
  await db.query(`CREATE INDEX ON ctx (owner)`);
  await db.query(`ALTER TABLE ctx ENABLE ROW LEVEL SECURITY`);
  await db.query(`CREATE POLICY own ON ctx FOR SELECT TO bench_user
                    USING (owner = (current_setting('request.jwt.claims', true)::jsonb ->> 'sub')::int)`);
  await db.query(`GRANT SELECT ON ctx TO bench_user`);
  await db.query(`VACUUM ANALYZE ctx`);
  const base = await pgbench(`\\set u random(0, 999)\nSELECT coalesce(jsonb_agg(t), '[]') FROM (SELECT id, val FROM ctx WHERE owner = :u) t;\n`,
    { clients: 1, seconds: Math.min(SECONDS, 5) });
  // the same query on both paths: OFFSET 0 keeps it off the incremental path
  for (const [name, sql, label] of [
    ['ctx_full', 'SELECT id, val FROM ctx OFFSET 0', 'full path'],
    ['ctx_inc', 'SELECT id, val FROM ctx', 'incremental path'],
  ]) {
    await db.query(`SELECT pgr.define($1, $2)`, [name, sql]);
    const subs = [];
    for (let i = 0; i < 1000; i++) {
      const r = await db.query(`SELECT subscription_id FROM pgr.subscribe($1, '[]', 'bench_user', $2)`,
        [name, JSON.stringify({ sub: String(i), role: 'authenticated' })]);
      subs.push(r.rows[0].subscription_id);
    }
    await db.query(`SELECT pgr.wait_idle(120000)`);
    const rounds = 5;
    let total = 0;
    const evaluations = async () => (await db.query(`SELECT evaluations FROM pgr.live_queries WHERE name = $1`, [name])).rows[0].evaluations;
    await countersFlushed();
    const before = await evaluations();
    const c0 = (await db.query(`SELECT cpu_ms FROM pgr.worker_stats()`)).rows[0].cpu_ms;
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      // one write touching 10 of the 1,000 contexts; every context is re-evaluated and diffed
      await db.query(`UPDATE ctx SET val = val + 1 WHERE id IN (SELECT g * 97 + ${r} FROM generate_series(1, 10) g)`);
      await db.query(`SELECT pgr.wait_idle(120000)`);
      total += performance.now() - t0;
    }
    const cpu = (await db.query(`SELECT cpu_ms FROM pgr.worker_stats()`)).rows[0].cpu_ms - c0;
    await countersFlushed();
    const evals = (await evaluations()) - before;
    report(`re-evaluations with diff per second, ${label}`,
      `${f1(evals / (total / 1000))}/s wall, ${f1(evals / (cpu / 1000))}/s per worker CPU-second (${evals} in ${f1(total)} ms)`,
      `pgbench 1 client, the same 25-row SELECT to jsonb, no RLS, no diff: ${f1(base.tps)}/s`, '>= 5,000/s');
    for (const s of subs) await db.query(`SELECT pgr.unsubscribe($1)`, [s]);
    await db.query(`SELECT pgr.undefine($1)`, [name]);
  }
}

async function bigTable(db) {
  console.log('\n# one changed row in a 1,000,000-row table');
  await db.query(`CREATE TABLE big (id int PRIMARY KEY, owner int NOT NULL, val int NOT NULL)`);
  await db.query(`INSERT INTO big SELECT g, g % 100000, 0 FROM generate_series(1, 1000000) g`);
  await db.query(`CREATE INDEX ON big (owner)`);
  await db.query(`VACUUM ANALYZE big`);
  await db.query(`SELECT pgr.define('big_owner', 'SELECT id, val FROM big WHERE owner = $1', '{int}')`);
  const { rows: [s1] } = await db.query(`SELECT subscription_id FROM pgr.subscribe('big_owner', '[42]')`);
  await db.query(`SELECT pgr.wait_idle(60000)`);
  const stats = async () => (await db.query(`SELECT cycles, busy_ms, cpu_ms FROM pgr.worker_stats()`)).rows[0];
  // one commit at a time: each is one worker cycle; busy_ms/cycles is its database time
  const measure = async (sql, n) => {
    const times = [];
    const s0 = await stats();
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await db.query(sql(i));
      await db.query(`SELECT pgr.wait_idle(60000)`);
      times.push(performance.now() - t0);
    }
    const s1 = await stats();
    const n1 = Math.max(1, Number(s1.cycles) - Number(s0.cycles));
    return { times, dbMs: (s1.busy_ms - s0.busy_ms) / n1, cpuMs: (s1.cpu_ms - s0.cpu_ms) / n1 };
  };
  const a = await measure(() => `UPDATE big SET val = val + 1 WHERE id = 100042`, 50);
  const base = await pgbench(`UPDATE big SET val = val + 1 WHERE id = 100042;\n`, { clients: 1, seconds: 3 });
  report('indexed filter (owner = $1): DB time per delta (worker cycle)', `${a.dbMs.toFixed(2)} ms wall, ${a.cpuMs.toFixed(2)} ms CPU; commit->delta logged p50/p99 ${f1(pct(a.times, 50))}/${f1(pct(a.times, 99))} ms`,
    `pgbench single-row UPDATE latency ${base.lat} ms`, 'delta <= 5 ms DB time');
  await db.query(`SELECT pgr.unsubscribe($1)`, [s1.subscription_id]);
  await db.query(`SELECT pgr.define('big_hot', 'SELECT id, val FROM big WHERE val > 1000')`);
  const { rows: [s2] } = await db.query(`SELECT subscription_id FROM pgr.subscribe('big_hot')`);
  await db.query(`SELECT pgr.wait_idle(60000)`);
  const b = await measure((i) => `UPDATE big SET val = val + 2000 WHERE id = ${500000 + i}`, 20);
  const tq = performance.now();
  await db.query(`SELECT coalesce(jsonb_agg(t), '[]') FROM (SELECT id, val FROM big WHERE val > 1000) t`);
  const seq = performance.now() - tq;
  report('unindexed filter (val > 1000), incremental: DB time per delta', `${b.dbMs.toFixed(2)} ms wall, ${b.cpuMs.toFixed(2)} ms CPU; commit->delta logged p50 ${f1(pct(b.times, 50))} ms`,
    `one full evaluation (seq scan of 1,000,000 rows): ${f1(Number(seq))} ms`, 'delta <= 5 ms DB time');
  await db.query(`SELECT pgr.unsubscribe($1)`, [s2.subscription_id]);
}

async function main() {
  startCluster();
  const db = await client();
  try {
    await db.query('CREATE EXTENSION pg_reactive');
    const v = await db.query(`SELECT version(), pgr.library_version() AS lib`);
    console.log(`pg_reactive ${v.rows[0].lib} on ${v.rows[0].version.split(' on ')[0]}; ${SECONDS}s pgbench runs; synchronous_commit=off${SETS.length ? `; ${SETS.join(" ")}` : ""}; ${cpus().length} CPUs, load average ${loadavg()[0].toFixed(1)}`);
    if (ONLY.includes('writer')) await writerOverhead(db);
    if (ONLY.includes('latency')) await notifyLatency(db);
    if (ONLY.includes('contexts')) await contexts(db);
    if (ONLY.includes('big')) await bigTable(db);
    console.log(`\nload average at the end: ${loadavg()[0].toFixed(1)}`);
    console.log('\n| figure | pg_reactive | baseline | target |\n|---|---|---|---|');
    for (const r of rows) console.log(`| ${r.figure} | ${r.value} | ${r.baseline} | ${r.target} |`);
  } finally {
    await db.end().catch(() => {});
    stopCluster();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
