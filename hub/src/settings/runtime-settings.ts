// The one owner of what may change while the hub runs: the auth settings stored by the admin API
// and the JWT secrets of a rotation. It loads both at start, hands the verifier its keys and auth
// its configuration, and applies a change at once — made here, or by another hub of the same
// database (NOTIFY pgstack, payload the table's name).
import type pg from 'pg'
import type { TokenVerifier } from '@pgstack/common'
import type { Auth, AuthConfig } from '@pgstack/auth'
import { asRole } from '../admin/db.ts'
import type { Config } from '../config.ts'
import { tokenKeys } from '../jwt-keys.ts'
import { signApiKeys, type ApiKeys } from '../keys.ts'
import { AuthSettings } from './auth-settings.ts'
import { loadKeys, rotate, type KeyState } from './jwt-secrets.ts'

export const SETTINGS_CHANNEL = 'pgstack'

export class RuntimeSettings {
  readonly auth: AuthSettings
  private keyState!: KeyState
  private target: Auth | null = null
  private verifier: TokenVerifier | null = null
  private keysEpoch = 0
  private chain: Promise<void> = Promise.resolve()

  constructor(
    private readonly pool: pg.Pool,
    private readonly config: Config,
    private readonly log: (line: string) => void,
    /** Issue time of the API keys signed with the environment's secret (`dev` keeps its own). */
    private readonly envKeysIssuedAt?: number,
  ) {
    this.auth = new AuthSettings(pool, config.authEnv, log)
  }

  async load(): Promise<void> {
    await this.auth.load()
    this.keyState = await loadKeys(this.pool, this.config.jwtSecret)
    if (this.envKeysIssuedAt === undefined) {
      // stable for the database, whichever hub signs: when it was first migrated
      const { rows } = await asRole(this.pool, 'pgstack_admin', (db) =>
        db.query<{ at: number }>('SELECT extract(epoch FROM min(applied_at))::int AS at FROM pgstack.migrations'),
      )
      this.keysEpoch = rows[0]?.at ?? Math.floor(Date.now() / 1000)
    }
  }

  get keys(): KeyState {
    return this.keyState
  }

  /** What the verifier accepts: the current secret, the previous ones until their deadline, auth's public key. */
  verifierKeys() {
    const { current, previous } = this.keyState
    return {
      ...tokenKeys(current.secret, this.config.auth.jwtPrivateKey),
      previousSecrets: previous.map((p) => ({ secret: p.secret, until: p.expiresAt })),
    }
  }

  authConfig(): AuthConfig {
    return this.auth.effective(this.keyState.current.secret)
  }

  /** From now on, changes go to this verifier and this auth. */
  attach(verifier: TokenVerifier, auth: Auth): void {
    this.target = auth
    this.verifier = verifier
  }

  /** Reloads what changed and applies it; changes are applied one at a time, in order. */
  reload(what: 'auth_settings' | 'jwt_secrets' | 'all'): Promise<void> {
    const run = this.chain.then(async () => {
      if (what !== 'jwt_secrets') await this.auth.load()
      if (what !== 'auth_settings') this.keyState = await loadKeys(this.pool, this.config.jwtSecret)
      await this.apply()
    })
    // a failed reload must not stop the next one
    this.chain = run.catch((error: Error) => this.log(`settings: reloading ${what} failed: ${error.message}`))
    return run
  }

  private async apply(): Promise<void> {
    // the verifier first: tokens signed with the new secret must pass before auth issues them
    this.verifier?.setKeys(this.verifierKeys())
    await this.target?.reconfigure(this.authConfig())
  }

  /** POST /admin/v1/keys/rotate: a new current secret; the old one passes for `graceSeconds`. */
  async rotate(graceSeconds: number): Promise<void> {
    await rotate(this.pool, this.config.jwtSecret, graceSeconds)
    await this.reload('jwt_secrets')
  }

  /** The anon and service keys signed with the current secret. */
  apiKeys(): Promise<ApiKeys> {
    const { current } = this.keyState
    const issuedAt = current.source === 'env' ? (this.envKeysIssuedAt ?? this.keysEpoch) : Math.floor(current.createdAt!.getTime() / 1000)
    return signApiKeys(current.secret, issuedAt)
  }
}
