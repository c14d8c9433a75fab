import t from 'tap'
import { matchRoute, type Route } from './routes.ts'

const handler = async () => ({ status: 200 })
const routes: Route[] = [
  { prefix: '/rest/v1', handler },
  { prefix: '/rest/v1/rpc', handler },
  { prefix: '/health', handler },
]

t.test('longest prefix wins and routePath is what follows it', async (t) => {
  t.equal(matchRoute(routes, '/rest/v1/rpc/f')?.route.prefix, '/rest/v1/rpc')
  t.equal(matchRoute(routes, '/rest/v1/rpc/f')?.routePath, '/f')
  t.equal(matchRoute(routes, '/rest/v1/todos')?.routePath, '/todos')
  t.equal(matchRoute(routes, '/rest/v1')?.routePath, '')
})

t.test('a prefix matches only at a segment boundary', async (t) => {
  t.equal(matchRoute(routes, '/healthz'), undefined)
  t.equal(matchRoute(routes, '/rest/v10/x'), undefined)
  t.equal(matchRoute(routes, '/'), undefined)
})
