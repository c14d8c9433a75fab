// The auth settings and the keys (docs/admin-api.md, "Auth settings" and "Keys"): read and change
// the stored settings (applied at once by RuntimeSettings), send an SMTP test, show the API keys,
// rotate the JWT secret with a grace period.
import type { Auth } from '@pgstack/auth'
import type { RuntimeSettings } from '../settings/runtime-settings.ts'
import { adminError, invalid } from './errors.ts'
import { integerField, json, readJson, stringField } from './http.ts'
import type { AdminRoute } from './router.ts'

const DAY = 86_400

export function settingsRoutes(deps: { settings: RuntimeSettings; auth: Auth }): AdminRoute[] {
  const { settings, auth } = deps
  const keysView = async () => {
    const { anonKey, serviceKey } = await settings.apiKeys()
    const { current, previous } = settings.keys
    const publicKey = settings.verifierKeys().publicKey
    return {
      anon_key: anonKey,
      service_key: serviceKey,
      jwt_secret: current.secret,
      current: { id: current.id, fingerprint: current.fingerprint, source: current.source, created_at: current.createdAt },
      previous: previous.map((p) => ({ id: p.id, fingerprint: p.fingerprint, expires_at: p.expiresAt })),
      asymmetric: publicKey ? { alg: publicKey.alg } : null,
    }
  }
  return [
    { method: 'GET', path: '/auth/settings', handler: async () => json(200, settings.auth.view()) },
    {
      method: 'PATCH',
      path: '/auth/settings',
      handler: async ({ request, caller }) => {
        const body = readJson(request)
        if (Object.keys(body).length === 0) throw invalid('the body names no setting')
        await settings.auth.update(body, caller.user?.email ?? caller.user?.id ?? 'service_role')
        await settings.reload('auth_settings')
        return json(200, settings.auth.view())
      },
    },
    {
      method: 'POST',
      path: '/auth/settings/smtp-test',
      handler: async ({ request }) => {
        const to = stringField(readJson(request), 'to', true)
        if (!/^[^\s@]+@[^\s@]+$/.test(to)) throw invalid('"to" must be an email address')
        if (!settings.authConfig().smtpUrl) throw invalid('no SMTP server is configured', 'Set smtp_url first.')
        try {
          return json(200, { sent: true, response: await auth.sendTestMail(to) })
        } catch (error) {
          throw adminError('smtpFailed', 'the SMTP server did not take the test mail', (error as Error).message)
        }
      },
    },
    { method: 'GET', path: '/keys', handler: async () => json(200, await keysView()) },
    {
      method: 'POST',
      path: '/keys/rotate',
      handler: async ({ request }) => {
        const grace = integerField(readJson(request), 'grace_seconds', 0, 30 * DAY) ?? DAY
        await settings.rotate(grace)
        return json(200, await keysView())
      },
    },
  ]
}
