// `pgstack replay <live-query>`: each feed's delta history step by step with the rows after each
// step; --follow keeps printing new deltas; --verify rebuilds the rows from the base plus every
// delta and compares them with the stored rows and a fresh SELECT (exit 1 on a difference).
import { connect, requireDatabase } from '../database.ts'
import { CliError } from '../errors.ts'
import type { Output } from '../output.ts'
import type { Project } from '../project.ts'
import { findFeeds, readHistory, type FeedFilter, type FeedInfo, type History, type Step } from '../replay/history.ts'
import { verify, type Verdict } from '../replay/verify.ts'

interface ReplayOptions {
  params?: string
  role?: string
  claims?: string
  feed?: number
  from?: number
  to?: number
  follow?: boolean
  verify?: boolean
  dbUrl?: string
}

function parseJson<T>(flag: string, text: string | undefined, check: (value: unknown) => boolean, shape: string): T | undefined {
  if (text === undefined) return undefined
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new CliError(`${flag} is not JSON: ${text}`, `pass ${shape}`, 2)
  }
  if (!check(value)) throw new CliError(`${flag} must be ${shape}`, undefined, 2)
  return value as T
}

const opsSummary = (ops: string) => {
  const counts = new Map<string, number>()
  for (const op of JSON.parse(ops) as Array<{ op: string }>) counts.set(op.op, (counts.get(op.op) ?? 0) + 1)
  return [...counts].map(([op, n]) => `${n} ${op}${n > 1 ? 's' : ''}`).join(', ')
}

export async function replay(project: Project, name: string, options: ReplayOptions, out: Output): Promise<void> {
  const filter: FeedFilter = {
    params: parseJson('--params', options.params, Array.isArray, 'a JSON array, e.g. \'[false]\''),
    claims: parseJson('--claims', options.claims, (v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'a JSON object, e.g. \'{"sub": "…"}\''),
    role: options.role,
    feed: options.feed,
  }
  const target = requireDatabase(project, options.dbUrl)
  const client = await connect(target)
  try {
    const feeds = await findFeeds(client, name, filter)
    if (!feeds.length) {
      throw new CliError(`live query ${name} has no feed${options.params || options.role || options.claims || options.feed ? ' matching those options' : ''}`, 'deltas are kept while someone is subscribed: subscribe (the app, or the SDK) and run it again')
    }
    if (options.follow && feeds.length > 1) {
      throw new CliError(`${feeds.length} feeds of ${name} match (${feeds.map((f) => f.id).join(', ')})`, 'pick one with --feed, --params, --role or --claims to follow', 2)
    }
    let failures = 0
    const results: unknown[] = []
    const collect: Output = { ...out, result: (value) => results.push(value) }
    for (const feed of feeds) {
      let history = await readHistory(client, feed)
      if (!options.verify) {
        printHistory(history, options, collect)
        continue
      }
      let verdict = await verify(client, history)
      // the worker may not have evaluated the latest commits yet: wait for it and look again
      for (let attempt = 0; !verdict.ok && attempt < 3; attempt++) {
        await client.query('SELECT pgr.wait_idle(5000)')
        history = await readHistory(client, feed)
        verdict = await verify(client, history)
      }
      printVerdict(history, verdict, collect)
      if (!verdict.ok) failures++
    }
    if (!options.follow || results.length) out.result({ query: name, feeds: results })
    if (options.follow) await follow(client, feeds[0]!, options, out)
    if (failures) throw new CliError(`${failures} of ${feeds.length} feed${feeds.length > 1 ? 's' : ''} of ${name} failed verification`)
  } finally {
    await client.end().catch(() => {})
  }
}

/** The claims a reader tells users apart by; the rest counted (--json has them all). */
function describeClaims(claims: Record<string, unknown>): string {
  const shown = Object.fromEntries(['sub', 'email', 'role'].filter((k) => k in claims).map((k) => [k, claims[k]]))
  const more = Object.keys(claims).length - Object.keys(shown).length
  return `${JSON.stringify(shown)}${more ? ` (+${more} more)` : ''}`
}

function describeFeed(feed: FeedInfo): string {
  return `feed ${feed.id} of ${feed.query} — role ${feed.role}, params ${JSON.stringify(feed.params)}, claims ${describeClaims(feed.claims)}`
}

function inRange(seq: number, options: ReplayOptions): boolean {
  return (options.from === undefined || seq >= options.from) && (options.to === undefined || seq <= options.to)
}

function printHistory(history: History, options: ReplayOptions, out: Output): void {
  const steps = history.steps.filter((s) => inRange(s.seq, options))
  out.result({
    feed: history.feed,
    base: history.base && { seq: history.base.seq, rows: JSON.parse(history.base.rows) },
    steps: steps.map((s) => ({ seq: s.seq, created_at: s.createdAt, ops: JSON.parse(s.ops), rows: JSON.parse(s.rows) })),
  })
  out.say(describeFeed(history.feed))
  if (!history.base) {
    out.say(`  no base snapshot (the feed predates them): its history cannot be replayed; stored rows at seq ${history.feed.seq}:`)
    out.say(`  ${history.stored}`)
    return
  }
  if (inRange(history.base.seq, options)) {
    out.say(`  seq ${history.base.seq} — ${history.base.seq === 0 ? 'the first rows' : 'the oldest rows the log reaches'} (${history.base.count})`)
    out.say(`    rows: ${history.base.rows}`)
  }
  for (const step of steps) printStep(step, out)
  if (!history.steps.length) out.say('  no deltas since')
}

function printStep(step: Step, out: Output): void {
  out.say(`  seq ${step.seq} — ${step.createdAt} — ${opsSummary(step.ops)}`)
  out.say(`    ops:  ${step.ops}`)
  out.say(`    rows: ${step.rows} (${step.count})`)
}

function printVerdict(history: History, verdict: Verdict, out: Output): void {
  out.result({ feed: history.feed, ok: verdict.ok, seq: history.feed.seq, deltas: history.steps.length, problems: verdict.problems, notes: verdict.notes, missing: verdict.missing, extra: verdict.extra })
  const what = history.base ? `base seq ${history.base.seq} + ${history.steps.length} deltas = seq ${history.feed.seq}` : `stored rows at seq ${history.feed.seq}`
  out.say(`${verdict.ok ? 'ok' : 'FAILED'}  ${describeFeed(history.feed)}: ${what}, ${JSON.parse(verdict.fresh).length} rows`)
  for (const problem of verdict.problems) out.say(`  ${problem}`)
  for (const row of verdict.missing) out.say(`  - missing: ${row}`)
  for (const row of verdict.extra) out.say(`  + extra:   ${row}`)
  for (const note of verdict.notes) out.say(`  note: ${note}`)
}

/** Prints each new delta of the feed as the worker logs it, until Ctrl-C. */
async function follow(client: import('pg').Client, feed: FeedInfo, options: ReplayOptions, out: Output): Promise<void> {
  let lastSeq = (await readHistory(client, feed)).feed.seq
  out.progress(`Following feed ${feed.id} from seq ${lastSeq} (Ctrl-C stops)…`)
  let busy = Promise.resolve()
  const pull = () =>
    (busy = busy.then(async () => {
      const history = await readHistory(client, feed)
      for (const step of history.steps.filter((s) => s.seq > lastSeq)) {
        if (inRange(step.seq, options)) {
          if (out.json) process.stdout.write(`${JSON.stringify({ feed: feed.id, seq: step.seq, created_at: step.createdAt, ops: JSON.parse(step.ops), rows: JSON.parse(step.rows) })}\n`)
          else printStep(step, out)
        }
        lastSeq = step.seq
      }
    }))
  client.on('notification', (message) => {
    if (message.channel === 'pgr' && new RegExp(`"feed":\\s*${feed.id}[,}]`).test(message.payload ?? '')) void pull()
  })
  await client.query('LISTEN pgr')
  await pull() // deltas logged before LISTEN took effect
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  await busy
}
