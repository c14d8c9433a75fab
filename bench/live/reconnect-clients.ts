// A load process of the reconnect bench (reconnect.ts): SDK clients on `ws`, each following the
// shared and its user's live query, reporting when each is live, every socket it opens and how
// its subscriptions came back (snapshot or resume).
import { WebSocket } from 'ws'
import {
  createLiveClient,
  websocketTransport,
  type LiveQuery,
  type WebSocketConstructor,
} from '@pgstack/sdk/pgstack'

interface Config {
  url: string
  clients: Array<{ user: string; token: string }>
}
type Request =
  | { type: 'status' }
  | { type: 'since'; at: number }
  | { type: 'check'; shared: string; perUser: Record<string, string> }

const config = JSON.parse(process.argv[2]!) as Config
const dials: number[] = []
/** When a subscription came back by a snapshot or by a resume (replayed deltas). */
const snapshots: number[] = []
const resumes: number[] = []
class CountingWebSocket extends WebSocket {
  constructor(url: string) {
    super(url)
    dials.push(Date.now())
    this.on('message', (data) => {
      const text = String(data)
      if (text.startsWith('{"type":"snapshot"')) snapshots.push(Date.now())
      else if (text.startsWith('{"type":"resumed"')) resumes.push(Date.now())
    })
  }
}
const transport = websocketTransport({
  WebSocket: CountingWebSocket as unknown as WebSocketConstructor,
})
/** Rows as JSON, keys in the order they came (the SELECT's column order), as reconnect.ts writes them. */
const canon = (rows: readonly unknown[]) => JSON.stringify(rows)

interface Client {
  user: string
  shared: LiveQuery<unknown>
  mine: LiveQuery<unknown>
  /** When both queries last became live (0 while either is not). */
  liveAt: number
}
const clients: Client[] = config.clients.map(({ user, token }) => {
  const live = createLiveClient({ url: config.url, getToken: async () => token, transport })
  const client: Client = {
    user,
    shared: live.live('open_todos'),
    mine: live.live('my_todos'),
    liveAt: 0,
  }
  const watch = () => {
    const both = client.shared.state === 'live' && client.mine.state === 'live'
    if (!both) client.liveAt = 0
    else if (client.liveAt === 0) client.liveAt = Date.now()
  }
  client.shared.subscribe(watch)
  client.mine.subscribe(watch)
  return client
})

process.on('message', (request: Request) => {
  if (request.type === 'status') {
    process.send!({ live: clients.filter((c) => c.liveAt > 0).length })
  } else if (request.type === 'since') {
    process.send!({
      liveAt: clients.map((c) => c.liveAt),
      dials: dials.filter((at) => at >= request.at),
      snapshots: snapshots.filter((at) => at >= request.at).length,
      resumes: resumes.filter((at) => at >= request.at).length,
    })
  } else {
    const wrong = clients.filter(
      (c) =>
        canon(c.shared.rows) !== request.shared || canon(c.mine.rows) !== request.perUser[c.user],
    ).length
    process.send!({ wrong })
  }
})
process.send!({ ready: true })
