// GET /settings, GET /health and GET /.well-known/jwks.json: what clients discover about this server.
import type { AuthContext } from '../context.ts'
import { json, type AuthResponse } from '../http.ts'

export const AUTH_VERSION = 'pgstack-auth/0.1.0'

export async function settings(ctx: AuthContext): Promise<AuthResponse> {
  const { config } = ctx
  return json(200, {
    external: {
      anonymous_users: config.anonymousUsers,
      email: true,
      phone: false,
      apple: false,
      azure: false,
      bitbucket: false,
      discord: false,
      facebook: false,
      figma: false,
      github: false,
      gitlab: false,
      google: false,
      keycloak: false,
      kakao: false,
      linkedin_oidc: false,
      notion: false,
      slack_oidc: false,
      spotify: false,
      twitch: false,
      twitter: false,
      workos: false,
      zoom: false,
    },
    disable_signup: config.disableSignup,
    mailer_autoconfirm: config.autoconfirm,
    phone_autoconfirm: false,
    sms_provider: '',
    saml_enabled: false,
  })
}

export async function health(): Promise<AuthResponse> {
  return json(200, { version: AUTH_VERSION, name: 'GoTrue', description: 'pgStack Auth: a GoTrue-compatible API served from PostgreSQL' })
}

export async function jwks(ctx: AuthContext): Promise<AuthResponse> {
  return json(200, ctx.keys.jwks, { 'cache-control': 'public, max-age=600' })
}
