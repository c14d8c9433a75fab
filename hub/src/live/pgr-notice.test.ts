import t from 'tap'
import { parsePgrNotice } from './pgr-notice.ts'

t.test('a delta keeps its ops as PostgreSQL wrote them: the rows are never parsed', async (t) => {
  const ops = '[{"op": "update", "key": "[9007199254740993]", "row": {"n": 12345678901234567890.50, "id": 9007199254740993}, "index": 0}]'
  t.same(parsePgrNotice(`{"v":2,"kind":"delta","feed":12,"seq":7,"size":3,"ops":${ops}}`), { kind: 'delta', feed: 12, seq: 7, size: 3, ops })
})

t.test('references and errors are read from their header and fields', async (t) => {
  t.same(parsePgrNotice('{"v":2,"kind":"ref","feed":12,"seq":8,"size":2500,"count":2500}'), { kind: 'ref', feed: 12, seq: 8, size: 2500 })
  t.same(parsePgrNotice('{"v":2,"kind":"error","feed":12,"seq":8,"code":"22012","message":"division by zero"}'), {
    kind: 'error', feed: 12, seq: 8, code: '22012', message: 'division by zero',
  })
})

t.test('a payload of another version or shape is refused, not guessed at', async (t) => {
  for (const payload of [
    '{"v" : 1, "kind" : "delta", "feed" : 1, "seq" : 1, "ops" : []}',
    '{"v":2,"kind":"delta","feed":12,"seq":7,"ops":[]}',
    '{"v":2,"kind":"delta","feed":12,"seq":7,"size":1,"ops":[]',
    '{"v":2,"kind":"error","feed":12,"seq":8,"code":22012}',
    'not json',
  ]) {
    t.equal(parsePgrNotice(payload), null, payload)
  }
})
