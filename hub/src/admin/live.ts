// The live actors over HTTP (docs/admin-api.md, "Live actors"): everything at once, and one
// actor in detail. The stream itself is on /live/v1 (introspect); both read the same records.
import type { Introspection } from '../live/introspection.ts'
import { notFound } from './errors.ts'
import { json } from './http.ts'
import type { AdminRoute } from './router.ts'

export function liveRoutes(introspection: Introspection): AdminRoute[] {
  return [
    { method: 'GET', path: '/live', handler: async () => json(200, introspection.snapshot()) },
    {
      method: 'GET',
      path: '/live/actors/:id',
      handler: async ({ params }) => {
        const body = await introspection.actorDetail(params.id!)
        if (body === null) throw notFound(`no live actor ${JSON.stringify(params.id)}`)
        return json(200, body)
      },
    },
  ]
}
