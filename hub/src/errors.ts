// The hub's own HTTP errors (unknown path, body too large), in PostgREST's shape like everything
// the hub serves outside /auth/v1. Codes PostgREST defines keep its meaning; ours use our own
// prefix (PGSH: the hub's HTTP layer; the live protocol's are PGSL) and never PGRST's range.
import { ApiError } from '@pgstack/common'

export const notFound = (path: string) =>
  new ApiError(404, 'PGRST125', 'Invalid path specified in request URL', `No route serves ${path}`)

export const payloadTooLarge = (limit: number) =>
  new ApiError(413, 'PGSH001', `Request body is larger than the limit of ${limit} bytes`, null, 'Send a smaller body, or raise PGSTACK_MAX_BODY_BYTES.')
