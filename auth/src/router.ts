// Method + path → endpoint, and the one place where errors become responses: ApiError in
// GoTrue's shape, anything else logged and answered as a bare 500.
import type { AuthContext } from './context.ts'
import { ApiError } from '@pgstack/common'
import { internal, notFound, unprocessable } from './errors.ts'
import { json, noContent, renderError, type AuthRequest, type AuthResponse } from './http.ts'
import { createUserAdmin, deleteUserAdmin, getUserAdmin, listUsers, updateUserAdmin } from './endpoints/admin-users.ts'
import { generateLink, invite } from './endpoints/admin-links.ts'
import { logout } from './endpoints/logout.ts'
import { health, jwks, settings } from './endpoints/meta.ts'
import { otp } from './endpoints/otp.ts'
import { reauthenticate } from './endpoints/reauthenticate.ts'
import { recover } from './endpoints/recover.ts'
import { resend } from './endpoints/resend.ts'
import { signup } from './endpoints/signup.ts'
import { token } from './endpoints/token.ts'
import { getUser, updateUser } from './endpoints/user.ts'
import { verifyGet, verifyPost } from './endpoints/verify.ts'

type Endpoint = (ctx: AuthContext, request: AuthRequest, param: string) => Promise<AuthResponse>

const ROUTES: Record<string, Partial<Record<string, Endpoint>>> = {
  '/signup': { POST: signup },
  '/token': { POST: token },
  '/user': { GET: getUser, PUT: updateUser },
  '/logout': { POST: logout },
  '/recover': { POST: recover },
  '/reauthenticate': { GET: reauthenticate },
  '/verify': { GET: verifyGet, POST: verifyPost },
  '/otp': { POST: otp },
  '/magiclink': { POST: otp },
  '/resend': { POST: resend },
  '/settings': { GET: settings },
  '/health': { GET: health },
  '/.well-known/jwks.json': { GET: jwks },
  '/admin/users': { GET: listUsers, POST: createUserAdmin },
  '/admin/users/:id': { GET: getUserAdmin, PUT: updateUserAdmin, DELETE: deleteUserAdmin },
  '/admin/generate_link': { POST: generateLink },
  '/invite': { POST: invite },
}

function match(path: string): { methods: Partial<Record<string, Endpoint>>; param: string } | undefined {
  const normalized = path.replace(/\/+$/, '') || '/'
  const exact = ROUTES[normalized]
  if (exact) return { methods: exact, param: '' }
  const user = /^\/admin\/users\/([^/]+)$/.exec(normalized)
  if (user) return { methods: ROUTES['/admin/users/:id']!, param: decodeURIComponent(user[1]!) }
  return undefined
}

interface PgError {
  code?: string
  constraint?: string
}

export function createRouter(ctx: AuthContext): (request: AuthRequest) => Promise<AuthResponse> {
  return async (request) => {
    if (request.method === 'OPTIONS') return noContent()
    try {
      const route = match(request.routePath)
      if (!route) throw notFound('not_found', 'Not Found')
      const endpoint = route.methods[request.method === 'HEAD' ? 'GET' : request.method]
      if (!endpoint) return json(405, { code: 405, msg: 'Method Not Allowed' }, { allow: Object.keys(route.methods).join(', ') })
      return await endpoint(ctx, request, route.param)
    } catch (error) {
      if (error instanceof ApiError) return renderError(error, request)
      const pgError = error as PgError
      if (pgError.code === '23505' && pgError.constraint === 'users_email_partial_key') {
        return renderError(unprocessable('email_exists', 'A user with this email address has already been registered'), request)
      }
      ctx.log(`auth: ${request.method} ${request.path} failed: ${(error as Error).stack ?? String(error)}`)
      return renderError(internal(), request)
    }
  }
}
