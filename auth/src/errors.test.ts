import t from 'tap'
import { AuthError, errorPayload, wantsVersioned } from './errors.ts'

t.test('errors render in the shape the client version asks for', async (t) => {
  const error = new AuthError(400, 'invalid_credentials', 'Invalid login credentials')
  t.same(errorPayload(error, true), { code: 'invalid_credentials', message: 'Invalid login credentials' })
  t.same(errorPayload(error, false), { code: 400, error_code: 'invalid_credentials', msg: 'Invalid login credentials' })
  const weak = new AuthError(422, 'weak_password', 'Password should be at least 6 characters.', ['length'])
  t.same(errorPayload(weak, true).weak_password, { reasons: ['length'] })
  t.equal(wantsVersioned({ 'x-supabase-api-version': '2024-01-01' }), true)
  t.equal(wantsVersioned({ 'x-supabase-api-version': '2023-12-31' }), false)
  t.equal(wantsVersioned({ 'x-supabase-api-version': 'garbage' }), false)
  t.equal(wantsVersioned({}), false)
})
