// What the live introspection costs the hub: 1,000 live actors (1,000 subscriptions over 100
// feeds, from a separate process) and 20 writes/s, the hub's CPU measured in phases with and
// without a service-role socket reading the introspection stream (and watching one actor), plus
// the stream's message sizes. The baseline is the same hub in the same run with nobody reading.
// Loopback only; a throwaway cluster.
// Run: node --conditions=@pgstack/source --import tsx bench/admin/introspection.ts
// Env: PHASE_SECONDS (default 10), ACTORS (default 1000), RATE (writes/s, default 20).
import { loadavg } from 'node:os'
import WebSocket from 'ws'
import { startActorWorkload } from '../lib/actor-workload.ts'

const PHASE_SECONDS = Number(process.env.PHASE_SECONDS ?? 10)
const ACTORS = Number(process.env.ACTORS ?? 1000)
const RATE = Number(process.env.RATE ?? 20)
const GROUPS = 100
const ROWS = 1000

const workload = await startActorWorkload({ name: 'introspection', actors: ACTORS, rate: RATE, groups: GROUPS, rows: ROWS })
const { cleanups, serviceKey } = workload
try {
  // the reader: a service-role socket that counts what the stream sends
  const reader = { messages: 0, bytes: 0, fullBytes: 0, fullMs: 0, diffs: [] as number[], actor: '' }
  const ws = new WebSocket(`${workload.hubUrl.replace(/^http/, 'ws')}/live/v1?apikey=${serviceKey}`)
  cleanups.push(async () => ws.close())
  await new Promise((resolve) => ws.once('open', resolve))
  let askedAt = 0
  ws.on('message', (data: Buffer) => {
    const text = data.toString()
    reader.messages++
    reader.bytes += data.length
    if (text.startsWith('{"type":"introspection","at":') && text.includes('"full":true')) {
      reader.fullBytes = data.length
      reader.fullMs = performance.now() - askedAt
      reader.actor = (JSON.parse(text) as { actors: Array<{ id: string }> }).actors[0]?.id ?? ''
    } else if (text.startsWith('{"type":"introspection"')) reader.diffs.push(data.length)
  })

  const phase = async (name: string, reading: 'off' | 'stream' | 'watch') => {
    if (reading !== 'off') {
      askedAt = performance.now()
      ws.send(JSON.stringify({ type: 'introspect' }))
      await new Promise((resolve) => setTimeout(resolve, 500))
      if (reading === 'watch') ws.send(JSON.stringify({ type: 'introspect.watch', actor: reader.actor }))
    }
    const before = { cpu: process.cpuUsage(), at: performance.now(), messages: reader.messages, bytes: reader.bytes }
    await new Promise((resolve) => setTimeout(resolve, PHASE_SECONDS * 1000))
    const cpu = process.cpuUsage(before.cpu)
    const seconds = (performance.now() - before.at) / 1000
    if (reading !== 'off') ws.send(JSON.stringify({ type: 'introspect', stop: true }))
    await new Promise((resolve) => setTimeout(resolve, 500))
    return { name, cpuMsPerSecond: (cpu.user + cpu.system) / 1000 / seconds, messagesPerSecond: (reader.messages - before.messages) / seconds, kbPerSecond: (reader.bytes - before.bytes) / 1024 / seconds }
  }

  const results = []
  for (let round = 0; round < 2; round++) {
    results.push(await phase('nobody reading', 'off'))
    results.push(await phase('stream read', 'stream'))
    results.push(await phase('stream + one actor watched', 'watch'))
  }
  const load1 = loadavg()[0]!.toFixed(2)
  console.log(`Introspection cost on the hub — ${ACTORS} actors over ${GROUPS} feeds, ${RATE} writes/s, ${PHASE_SECONDS} s phases, load average ${load1}`)
  console.log('baseline: the same hub, same run, nobody reading the stream (hub CPU includes serving the 1,000 subscriptions)')
  for (const r of results) {
    console.log(`  ${r.name.padEnd(28)} hub CPU ${r.cpuMsPerSecond.toFixed(1).padStart(6)} ms/s   stream ${r.messagesPerSecond.toFixed(1).padStart(5)} msg/s ${r.kbPerSecond.toFixed(1).padStart(6)} KiB/s`)
  }
  const diffs = [...reader.diffs].sort((a, b) => a - b)
  console.log(`  full message: ${(reader.fullBytes / 1024).toFixed(1)} KiB, ${reader.fullMs.toFixed(1)} ms from introspect to received`)
  console.log(`  diff messages: median ${((diffs[Math.floor(diffs.length / 2)] ?? 0) / 1024).toFixed(1)} KiB, max ${((diffs[diffs.length - 1] ?? 0) / 1024).toFixed(1)} KiB`)
  await workload.ask({ type: 'stop' })
} finally {
  await workload.close()
}
