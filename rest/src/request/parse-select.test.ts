import t from 'tap'
import { parseSelect } from './parse-select.ts'

t.test('select grammar', async (t) => {
  const cases: [string, unknown][] = [
    ['', [{ kind: 'star' }]],
    ['*', [{ kind: 'star' }]],
    ['id,name', [{ kind: 'column', field: { name: 'id', path: [] } }, { kind: 'column', field: { name: 'name', path: [] } }]],
    [' id , name ', [{ kind: 'column', field: { name: 'id', path: [] } }, { kind: 'column', field: { name: 'name', path: [] } }]],
    ['n:name', [{ kind: 'column', alias: 'n', field: { name: 'name', path: [] } }]],
    ['year::text', [{ kind: 'column', cast: 'text', field: { name: 'year', path: [] } }]],
    ['p::double precision[]', [{ kind: 'column', cast: 'double precision[]', field: { name: 'p', path: [] } }]],
    ['data->a->>b', [{ kind: 'column', field: { name: 'data', path: [{ arrow: '->', key: 'a' }, { arrow: '->>', key: 'b' }] } }]],
    ['x:data->0', [{ kind: 'column', alias: 'x', field: { name: 'data', path: [{ arrow: '->', key: '0' }] } }]],
    ['"my col"', [{ kind: 'column', field: { name: 'my col', path: [] } }]],
    ['books(*)', [{ kind: 'embed', name: 'books', spread: false, select: [{ kind: 'star' }] }]],
    ['books()', [{ kind: 'embed', name: 'books', spread: false, select: [] }]],
    ['a:authors!author_id!inner(name)', [{ kind: 'embed', name: 'authors', alias: 'a', hint: 'author_id', join: 'inner', spread: false, select: [{ kind: 'column', field: { name: 'name', path: [] } }] }]],
    ['...authors!left(name)', [{ kind: 'embed', name: 'authors', join: 'left', spread: true, select: [{ kind: 'column', field: { name: 'name', path: [] } }] }]],
    ['id,b(c(d))', [{ kind: 'column', field: { name: 'id', path: [] } }, { kind: 'embed', name: 'b', spread: false, select: [{ kind: 'embed', name: 'c', spread: false, select: [{ kind: 'column', field: { name: 'd', path: [] } }] }] }]],
  ]
  for (const [input, expected] of cases) t.same(parseSelect(input), expected, JSON.stringify(input))
})

t.test('select errors are PGRST100; aggregates parse', async (t) => {
  for (const bad of ['id,', 'a(', 'a(b', ',', 'a::"x', 'a!', '...id', 'a:b:c', 'a)', 'x::int;drop', 'x::int AS y FROM pg_authid', 'x::text)--']) {
    t.throws(() => parseSelect(bad), { code: 'PGRST100', status: 400 }, bad)
  }
  t.same(parseSelect('count()'), [{ kind: 'column', field: { name: '', path: [] }, aggregate: { fn: 'count' } }])
  t.same(parseSelect('n:count()::text'), [{ kind: 'column', field: { name: '', path: [] }, alias: 'n', aggregate: { fn: 'count', cast: 'text' } }])
  t.same(parseSelect('t:data->>x::int.sum()::text,g'), [
    { kind: 'column', field: { name: 'data', path: [{ arrow: '->>', key: 'x' }] }, alias: 't', cast: 'int', aggregate: { fn: 'sum', cast: 'text' } },
    { kind: 'column', field: { name: 'g', path: [] } },
  ])
  t.throws(() => parseSelect('id.median()'), { code: 'PGRST100' })
})
