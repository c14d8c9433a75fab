// The probe in a browser page on the browser's WebSocket: bundled by probes.ts, started by
// `startProbe(config)`, reporting through the page's `report` binding.
import type { WebSocketConstructor } from '@pgstack/sdk/pgstack'
import { runProbe, type ProbeConfig, type ProbeEvent } from './live-probe.ts'

const page = globalThis as unknown as {
  WebSocket: WebSocketConstructor
  report(event: ProbeEvent): void
  startProbe(config: ProbeConfig): void
}
page.startProbe = (config) => {
  runProbe(config, page.WebSocket, (event) => page.report(event))
}
