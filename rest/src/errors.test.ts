import t from 'tap'
import { ApiError, postgrestBody } from '@pgstack/common'
import { errors, statusForSqlState, toRestError } from './errors.ts'

t.test("PostgREST's SQLSTATE → HTTP table", async (t) => {
  const table: [string, number, boolean?][] = [
    ['08006', 503], ['09000', 500], ['0L000', 403], ['0P000', 403], ['23503', 409], ['23505', 409], ['23502', 400],
    ['25006', 405], ['25001', 500], ['28000', 403], ['2D000', 500], ['38000', 500], ['39000', 500], ['3B000', 500],
    ['40001', 500], ['53400', 500], ['53100', 503], ['54000', 500], ['55000', 500], ['57014', 500], ['57P01', 503],
    ['58000', 500], ['F0000', 500], ['HV000', 500], ['P0001', 400], ['P0002', 500], ['XX000', 500], ['42883', 404],
    ['42P01', 404], ['42P17', 500], ['42501', 401, false], ['42501', 403, true], ['PT402', 402], ['PTxyz', 500],
    ['22P02', 400], ['42703', 400],
  ]
  for (const [code, status, authed] of table) t.equal(statusForSqlState(code, '', authed ?? false), status, code)
  t.equal(statusForSqlState('22023', 'role "x" does not exist', true), 401)
})

t.test('errors render as {code, details, hint, message}', async (t) => {
  t.same(postgrestBody(errors.singular(2)), { code: 'PGRST116', details: 'The result contains 2 rows', hint: null, message: 'JSON object requested, multiple (or no) rows returned' })
  const pgError = Object.assign(new Error('duplicate key value violates unique constraint "x"'), { code: '23505', detail: 'Key (id)=(1) already exists.', severity: 'ERROR' })
  t.same(postgrestBody(toRestError(pgError, false)), { code: '23505', details: 'Key (id)=(1) already exists.', hint: null, message: 'duplicate key value violates unique constraint "x"' })
  t.equal(toRestError(new TypeError('boom'), false).status, 500, 'unknown errors are a 500 without internals')
  t.notMatch(JSON.stringify(postgrestBody(toRestError(new TypeError('boom'), false))), /boom/)
  t.equal(toRestError(new TypeError('boom'), false).code, 'PGRSTX00', "PostgREST's one internal code")
  const raised = Object.assign(new Error('{"code":"123","message":"Payment Required"}'), { code: 'PGRST', detail: '{"status":402,"headers":{"X-A":"b"}}' })
  const r = toRestError(raised, false)
  t.ok(r instanceof ApiError)
  t.same([r.status, r.code, r.message, r.headers], [402, '123', 'Payment Required', { 'X-A': 'b' }])
  t.equal(toRestError(Object.assign(new Error('x'), { code: 'PGRST', detail: 'nope' }), false).code, 'PGRST121')
})
