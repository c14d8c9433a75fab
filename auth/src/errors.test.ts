import t from 'tap'
import { ApiError } from '@pgstack/common'
import { errorPayload, weakPassword, wantsVersioned } from './errors.ts'

t.test('errors render in the shape the client version asks for', async (t) => {
  const error = new ApiError(400, 'invalid_credentials', 'Invalid login credentials')
  const v2024 = { 'x-supabase-api-version': '2024-01-01' }
  t.same(errorPayload(error, v2024), { code: 'invalid_credentials', message: 'Invalid login credentials' })
  t.same(errorPayload(error, {}), { code: 400, error_code: 'invalid_credentials', msg: 'Invalid login credentials' })
  const weak = weakPassword('Password should be at least 6 characters.', ['length'])
  t.same(errorPayload(weak, v2024).weak_password, { reasons: ['length'] })
  t.same(errorPayload(weak, {}).weak_password, { reasons: ['length'] })
  t.equal(wantsVersioned({ 'x-supabase-api-version': '2024-01-01' }), true)
  t.equal(wantsVersioned({ 'x-supabase-api-version': '2023-12-31' }), false)
  t.equal(wantsVersioned({ 'x-supabase-api-version': 'garbage' }), false)
  t.equal(wantsVersioned({}), false)
})
