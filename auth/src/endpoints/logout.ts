// POST /logout?scope=global|local|others: ends this session, all of the user's sessions, or all
// but this one. Refresh tokens go with their sessions (ON DELETE CASCADE); 204 as GoTrue.
import { audit } from '../audit.ts'
import type { AuthContext } from '../context.ts'
import { inTransaction } from '../db.ts'
import { badRequest, forbidden } from '../errors.ts'
import { isUuid } from '../users.ts'
import { authenticate } from '../guard.ts'
import { clientIp, noContent, queryParams, type AuthRequest, type AuthResponse } from '../http.ts'

export async function logout(ctx: AuthContext, request: AuthRequest): Promise<AuthResponse> {
  const scope = queryParams(request).get('scope') ?? 'global'
  if (scope !== 'global' && scope !== 'local' && scope !== 'others') {
    throw badRequest('validation_failed', `Unsupported logout scope ${JSON.stringify(scope)}`)
  }
  const claims = await authenticate(ctx, request)
  if (!claims.sub || !isUuid(claims.sub)) throw forbidden('bad_jwt', 'invalid claim: missing sub claim')
  const sessionId = typeof claims.session_id === 'string' && isUuid(claims.session_id) ? claims.session_id : null
  const ip = clientIp(request, ctx.config.trustForwardedFor)
  await inTransaction(ctx.pool, async (db) => {
    if (scope === 'global' || !sessionId) {
      await db.query('DELETE FROM auth.sessions WHERE user_id = $1::uuid', [claims.sub])
    } else if (scope === 'local') {
      await db.query('DELETE FROM auth.sessions WHERE id = $1::uuid AND user_id = $2::uuid', [sessionId, claims.sub])
    } else {
      await db.query('DELETE FROM auth.sessions WHERE user_id = $1::uuid AND id <> $2::uuid', [claims.sub, sessionId])
    }
    await audit(db, ip, { id: claims.sub!, username: claims.email || claims.phone || '' }, 'logout', { scope })
  })
  return noContent()
}
