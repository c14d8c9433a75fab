// The probe in a Node child process on Node's built-in WebSocket (Node 20 needs
// --experimental-websocket): the config comes as argv[2], events go out as JSON lines.
import type { WebSocketConstructor } from '@pgstack/sdk/pgstack'
import { runProbe, type ProbeConfig } from './live-probe.ts'

const Native = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket
if (!Native) {
  console.error('no global WebSocket: run with --experimental-websocket on Node 20')
  process.exit(2)
}
runProbe(JSON.parse(process.argv[2]!) as ProbeConfig, Native, (event) => {
  process.stdout.write(`${JSON.stringify(event)}\n`)
})
