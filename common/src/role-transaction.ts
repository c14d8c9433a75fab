// One transaction as one database role, the way every server package talks to PostgreSQL when it
// acts as a role of its own (auth as supabase_auth_admin, the admin API as pgstack_admin or
// service_role): the pool's login role holds no rights, SET LOCAL ROLE ends with the transaction,
// and a connection that could not roll back is discarded instead of going back to the pool.
import type pg from 'pg'

const ROLE = /^[a-z_][a-z0-9_]*$/

export async function inRoleTransaction<T>(pool: pg.Pool, role: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  if (!ROLE.test(role)) throw new Error(`not a role name: ${JSON.stringify(role)}`)
  const client = await pool.connect()
  let broken: Error | undefined
  try {
    await client.query(`BEGIN; SET LOCAL ROLE ${role}`)
    const result = await work(client)
    await client.query('COMMIT')
    return result
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      broken = rollbackError
    })
    throw error
  } finally {
    client.release(broken)
  }
}
