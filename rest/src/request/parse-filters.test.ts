import t from 'tap'
import { parseCondition, parseFilterKey, parseList, parseLogic, parseOrder } from './parse-filters.ts'

const f = (name: string) => ({ name, path: [] })

t.test('conditions', async (t) => {
  const cases: [string, unknown][] = [
    ['eq.1', { operator: 'eq', negated: false, value: '1' }],
    ['not.eq.1', { operator: 'eq', negated: true, value: '1' }],
    ['eq.a.b', { operator: 'eq', value: 'a.b' }],
    ['in.(1,2,"a,b")', { operator: 'in', value: ['1', '2', 'a,b'] }],
    ['in.()', { operator: 'in', value: [] }],
    ['is.NULL', { operator: 'is', value: 'null' }],
    ['is.not_null', { operator: 'is', value: 'not_null' }],
    ['fts(english).cat', { operator: 'fts', language: 'english', value: 'cat' }],
    ['eq(any).{1,2}', { operator: 'eq', quantifier: 'any', value: '{1,2}' }],
    ['like(all).{a*,b*}', { operator: 'like', quantifier: 'all', value: '{a*,b*}' }],
    ['cs.{1,2}', { operator: 'cs', value: '{1,2}' }],
    ['adj.[1,5)', { operator: 'adj', value: '[1,5)' }],
    ['eq.', { operator: 'eq', value: '' }],
  ]
  for (const [input, expected] of cases) t.has(parseCondition(f('c'), input), expected as object, input)
  for (const bad of ['eq', 'foo.1', 'is.maybe', 'in.1,2', 'fts(x', 'in(any).(1)', 'eq(some).1', '']) {
    t.throws(() => parseCondition(f('c'), bad), { code: 'PGRST100' }, bad)
  }
})

t.test('lists, keys, logic trees and order', async (t) => {
  t.same(parseList('(a,"b)c",d)'), ['a', 'b)c', 'd'])
  t.same(parseFilterKey('books.authors.name'), { path: ['books', 'authors'], field: f('name') })
  t.same(parseFilterKey('data->>x'), { path: [], field: { name: 'data', path: [{ arrow: '->>', key: 'x' }] } })
  const tree = parseLogic('or', false, '(a.eq.1,and(b.gt.2,c.not.is.null),d.in.(1,2),e.eq."x,y")')
  t.match(tree, {
    kind: 'logic', operator: 'or', negated: false,
    children: [
      { kind: 'condition', field: f('a'), operator: 'eq', value: '1' },
      { kind: 'logic', operator: 'and', children: [{ operator: 'gt' }, { operator: 'is', negated: true }] },
      { operator: 'in', value: ['1', '2'] },
      { operator: 'eq', value: 'x,y' },
    ],
  })
  t.match(parseLogic('and', true, '(not.or(a.eq.1,b.eq.2))'), { negated: true, children: [{ kind: 'logic', operator: 'or', negated: true }] })
  for (const bad of ['a.eq.1', '()', '(a.eq.1', '(a)', '(a.zz.1)']) {
    t.throws(() => parseLogic('or', false, bad), { code: 'PGRST100' }, bad)
  }
  t.same(parseOrder('a.desc.nullslast,b,c->>d.asc'), [
    { field: f('a'), direction: 'desc', nulls: 'last' },
    { field: f('b') },
    { field: { name: 'c', path: [{ arrow: '->>', key: 'd' }] }, direction: 'asc' },
  ])
  t.same(parseOrder('author(name).desc'), [{ relation: 'author', field: f('name'), direction: 'desc' }])
  for (const bad of ['a.up', 'a.asc.desc', '', 'a(b']) {
    t.throws(() => parseOrder(bad), { code: 'PGRST100' }, bad)
  }
})
