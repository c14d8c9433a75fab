import t from 'tap'
import { canonicalJson } from './canonical.ts'
import { parseClientMessage } from './messages.ts'
import { exactJson } from './params.ts'

t.test('a subscribe keeps every digit of its params; other numbers are read as JSON.parse reads them', async (t) => {
  const text = '{"type":"subscribe","id":"s","query":"q","params":[9007199254740993,12345678901234567890.5,0.1000000000000000000001,1.5,"x",{"a":[9007199254740993]}],"resume":{"feed":3,"seq":7}}'
  const parsed = parseClientMessage(text)
  if (!parsed.ok || parsed.message.type !== 'subscribe' || parsed.message.target.kind !== 'named') throw new Error('not a named subscribe')
  const { target, resume } = parsed.message
  t.equal(exactJson(target.params), '[9007199254740993,12345678901234567890.5,0.1000000000000000000001,1.5,"x",{"a":[9007199254740993]}]', 'the params as the client wrote them')
  t.same(resume, { feed: 3, seq: 7 })
  t.equal(target.params[3], 1.5, 'a number a double holds stays a number')
  t.equal(JSON.stringify(target.params[0]), '"9007199254740993"', 'shown (introspection) as its digits')
  const other = parseClientMessage(text.replace('9007199254740993,', '9007199254740992,'))
  if (!other.ok || other.message.type !== 'subscribe') throw new Error('not a subscribe')
  t.not(canonicalJson(other.message.target), canonicalJson(parsed.message.target), 'two bigints one apart are two feeds')
  const positional = parseClientMessage('{"type":"subscribe","id":"s","query":"q","params":{"2":9007199254740993,"1":1}}')
  t.ok(positional.ok && positional.message.type === 'subscribe' && positional.message.target.kind === 'named' && exactJson(positional.message.target.params) === '[1,9007199254740993]', 'an object keyed 1..n too')
})

t.test('a subscribe that a lossless reading refuses (a key given twice) is answered, not thrown', async (t) => {
  const parsed = parseClientMessage('{"type":"subscribe","id":"s","query":"q","params":[1],"params":[2]}')
  t.match(parsed, { ok: false, id: 's', error: { code: 'PGSL001' } })
})
