// The Studio's inspector under load, measured in Chromium: 1,000 live actors on the hub (1,000
// subscriptions over 100 feeds), 20 writes/s, the inspector open (list, charts, one actor watched)
// for 30 s. Reports how busy Chromium's main thread was (CDP Performance.getMetrics TaskDuration
// over wall time), every long task (PerformanceObserver 'longtask', wall time) and, from a trace,
// the main thread's tasks by their own CPU time (on a busy 2-core machine a 10 ms task can take
// 70 ms of wall time), and the store's per-frame apply time — beside the target: under 25%
// busy and no long task over 50 ms. Loopback only; a throwaway cluster.
// Run: node --conditions=@pgstack/source --import tsx bench/studio/run.ts
// Env: SECONDS (default 30), ACTORS (default 1000), RATE (writes/s, default 20), DEBUG=1 (print
// each long task's and each slow apply's start time, to line them up).
import { availableParallelism, loadavg } from 'node:os'
import { launchBrowser } from '@pgstack/infra/browser'
import { ensureStudioBuilt } from '@pgstack/studio'
import { startActorWorkload } from '../lib/actor-workload.ts'

const SECONDS = Number(process.env.SECONDS ?? 30)
const ACTORS = Number(process.env.ACTORS ?? 1000)
const RATE = Number(process.env.RATE ?? 20)
const GROUPS = 100
const ROWS = 1000
const TARGET = 'the issue: main thread under 25% busy, no long task over 50 ms (1,000 actors, 20 writes/s, 30 s)'

interface TraceEvent {
  name: string
  ph: string
  pid: number
  tid: number
  dur?: number
  tdur?: number
  args?: { name?: string }
}

/** The renderer main thread's top-level tasks from a Chromium trace: wall and CPU milliseconds. */
function mainThreadTasks(trace: { traceEvents: TraceEvent[] }): Array<{ wallMs: number; cpuMs: number }> {
  const main = trace.traceEvents.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
  if (!main) return []
  return trace.traceEvents
    .filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && e.name === 'RunTask')
    .map((e) => ({ wallMs: (e.dur ?? 0) / 1000, cpuMs: (e.tdur ?? e.dur ?? 0) / 1000 }))
}

await ensureStudioBuilt({ log: (line) => console.error(line) })
const workload = await startActorWorkload({ name: 'studio', actors: ACTORS, rate: RATE, groups: GROUPS, rows: ROWS, hubLog: (line) => console.error(`hub: ${line}`) })
const { cleanups, serviceKey, ask } = workload
try {
  const browser = await launchBrowser()
  cleanups.push(() => browser.close())
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  await page.goto(`${workload.hubUrl}/studio/`)
  await page.getByLabel('Service key').fill(serviceKey)
  await page.getByRole('button', { name: 'Sign in' }).click()
  // every actor listed: the stat shows the count
  await page.locator('.stat', { hasText: 'Actors' }).locator('.value').filter({ hasText: ACTORS.toLocaleString('en-US') }).waitFor({ timeout: 60_000 })
  // watch one actor: its detail (timeline, deltas, rows) updates too
  await page.locator('.vgrid-row').nth(3).click()
  await page.getByRole('tab', { name: /Deltas/ }).click()
  await page.evaluate(() => {
    const w = window as unknown as { longTasks: number[]; longTaskAt: number[] }
    w.longTasks = []
    w.longTaskAt = []
    performance.clearMeasures('studio:inspector-apply') // the window's frames only, not the first full message
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        w.longTasks.push(entry.duration)
        w.longTaskAt.push(entry.startTime)
      }
    }).observe({ type: 'longtask' })
  })
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Performance.enable')
  const metrics = async () => Object.fromEntries(((await cdp.send('Performance.getMetrics')).metrics as Array<{ name: string; value: number }>).map((m) => [m.name, m.value]))
  // A trace of the renderer's main thread: every task's wall time and its thread CPU time, so a
  // task that was long only because the machine's other processes had the CPU is told apart.
  await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] })
  const countBefore = (await ask({ type: 'count' })).count as { writes: number; deltas: number }
  const before = await metrics()
  // Frames painted over one second, to show the page kept animating. A string: tsx names the
  // functions it compiles (__name), which the page does not have.
  const frameCount = () =>
    page.evaluate<number>(`new Promise((resolve) => {
      let frames = 0
      const start = performance.now()
      const tick = () => (performance.now() - start < 1000 ? (frames++, requestAnimationFrame(tick)) : resolve(frames))
      requestAnimationFrame(tick)
    })`)
  const startedAt = Date.now()
  await new Promise((r) => setTimeout(r, SECONDS * 1000 - 1000))
  const fps = await frameCount()
  const after = await metrics()
  const wall = after.Timestamp! - before.Timestamp!
  const busy = (after.TaskDuration! - before.TaskDuration!) / wall
  const script = (after.ScriptDuration! - before.ScriptDuration!) / wall
  const layout = (after.LayoutDuration! + after.RecalcStyleDuration! - before.LayoutDuration! - before.RecalcStyleDuration!) / wall
  const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks)
  // The store's own measure of applying each frame's stream messages (reconcile + render).
  const applies = (await page.evaluate(() => performance.getEntriesByName('studio:inspector-apply').map((e) => e.duration))).sort((a, b) => a - b)
  if (process.env.DEBUG) console.error(await page.evaluate(() => {
    const w = window as unknown as { longTasks: number[]; longTaskAt: number[] }
    return JSON.stringify({ longTasks: w.longTaskAt.map((at, i) => [Math.round(at), Math.round(w.longTasks[i]!)]), applies: performance.getEntriesByName('studio:inspector-apply').filter((e) => e.duration > 10).map((e) => [Math.round(e.startTime), Math.round(e.duration)]) })
  }))
  const applyAt = (q: number) => applies[Math.min(applies.length - 1, Math.floor(q * applies.length))] ?? 0
  const shown = await page.locator('.stat', { hasText: 'Actors' }).locator('.value').textContent()
  const countAfter = (await ask({ type: 'count' })).count as { writes: number; deltas: number }
  const tasks = mainThreadTasks(JSON.parse((await browser.stopTracing()).toString('utf8')) as { traceEvents: TraceEvent[] })
  const cpuLong = tasks.filter((task) => task.cpuMs > 50)
  const seconds = (Date.now() - startedAt) / 1000
  await ask({ type: 'stop' })
  const result = { writes: countAfter.writes - countBefore.writes, deltas: countAfter.deltas - countBefore.deltas }
  const over50 = longTasks.filter((d) => d > 50)
  console.log(
    `studio inspector | ${shown} actors listed, ${GROUPS} feeds, ${(result.writes / seconds).toFixed(1)} writes/s, ${(result.deltas / seconds).toFixed(0)} delta deliveries/s to the subscribers | ` +
      `Chromium main thread ${(busy * 100).toFixed(1)}% busy over ${wall.toFixed(1)} s (script ${(script * 100).toFixed(1)}%, style+layout ${(layout * 100).toFixed(1)}%) | ` +
      `long tasks: ${longTasks.length} (${over50.length} over 50 ms of wall time, longest ${longTasks.length ? Math.max(...longTasks).toFixed(0) : 0} ms; ${cpuLong.length} over 50 ms of the thread's CPU time, longest ${Math.max(0, ...tasks.map((t) => t.cpuMs)).toFixed(0)} ms CPU in ${tasks.length} tasks traced) | ${fps} frames in the last second | ` +
      `stream applied in ${applies.length} frames: p50 ${applyAt(0.5).toFixed(1)} ms, p99 ${applyAt(0.99).toFixed(1)} ms, max ${(applies[applies.length - 1] ?? 0).toFixed(1)} ms | ` +
      `load avg ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`,
  )
  console.log(`  target: ${TARGET}`)
} finally {
  await workload.close()
}
