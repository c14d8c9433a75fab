// An in-memory LiveTransport for testing the live query objects and the React/Solid bindings
// without a hub: the test plays the server by pushing snapshots, changes and failures.
import type {
  LiveSink,
  LiveTarget,
  LiveTransport,
  LiveTransportFactory,
} from '@pgstack/sdk/pgstack'

export interface FakeSubscription {
  target: LiveTarget
  sink: LiveSink
  active: boolean
}

export interface FakeHub {
  factory: LiveTransportFactory
  /** Every transport (socket) opened, with the URL and the token read at connect. */
  connections: Array<{
    url: string
    token: string | null
    tokens: Array<string | null>
    closed: boolean
  }>
  subscriptions: FakeSubscription[]
  active(): FakeSubscription[]
}

export function createFakeHub(): FakeHub {
  const hub: FakeHub = {
    connections: [],
    subscriptions: [],
    active: () => hub.subscriptions.filter((s) => s.active),
    factory: (options) => {
      const connection = {
        url: options.url,
        token: null as string | null,
        tokens: [] as Array<string | null>,
        closed: false,
      }
      hub.connections.push(connection)
      void options.getToken().then((token) => (connection.token = token))
      const mine: FakeSubscription[] = []
      const transport: LiveTransport = {
        subscribe(target, sink) {
          const subscription = { target, sink, active: true }
          mine.push(subscription)
          hub.subscriptions.push(subscription)
          return () => {
            subscription.active = false
          }
        },
        setToken(token) {
          connection.tokens.push(token)
        },
        close() {
          connection.closed = true
          for (const s of mine) s.active = false
        },
      }
      return transport
    },
  }
  return hub
}
