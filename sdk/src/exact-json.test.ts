import t from 'tap'
import { parseExactJson } from './exact-json.ts'

t.test('numbers a double cannot hold come back as their exact text; the rest as JSON.parse gives them', async (t) => {
  const text = '{"id": 9007199254740993, "n": 12345678901234567890.5, "small": 0.10000000000000000001, "ok": 1.5, "count": 3, "s": "9", "doc": {"a": 12345678901234567891}}'
  t.same(parseExactJson(text), { id: '9007199254740993', n: '12345678901234567890.5', small: '0.10000000000000000001', ok: 1.5, count: 3, s: '9', doc: { a: '12345678901234567891' } })
  t.not((JSON.parse(text) as { id: number }).id.toString(), '9007199254740993', 'plain JSON.parse rounds it')
})
