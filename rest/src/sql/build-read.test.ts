import t from 'tap'
import { planNode } from '../plan/plan-read.ts'
import { testCache } from '../plan/test-cache.ts'
import type { NodeParams } from '../request/types.ts'
import { parseRequest } from '../request/parse-request.ts'
import { tableKey } from '../schema-cache.ts'
import { buildFilter } from './build-filters.ts'
import { buildSelect } from './build-read.ts'
import { Aliases, Params, quoteIdent } from './fragments.ts'

const cache = testCache()

function sql(path: string, query: string): { text: string; values: unknown[] } {
  const req = parseRequest({ method: 'GET', routePath: path, query, headers: {}, body: Buffer.alloc(0) }, ['public'])
  const tbl = cache.tables.get(tableKey('public', path.slice(1)))!
  const node = planNode(cache, tbl, req.select, req.nodes as Map<string, NodeParams>, [], new Set())
  const params = new Params()
  const text = buildSelect(node, 'T', 'T', { params, aliases: new Aliases() })
  return { text, values: params.values }
}

t.test('identifiers are quoted, values bound', async (t) => {
  t.equal(quoteIdent('a"b'), '"a""b"')
  const weird = sql('/we"ird', `select=${encodeURIComponent('"i\\"d"')}&${encodeURIComponent('"i\\"d"')}=eq.${encodeURIComponent("1' OR 1=1 --")}`)
  t.equal(weird.text, 'SELECT T."i""d" AS "i""d" FROM T WHERE T."i""d" = $1')
  t.same(weird.values, ["1' OR 1=1 --"])
  const filtered = sql('/books', 'select=id,title&id=in.(1,2)&title=like.*x*&order=id.desc.nullslast&limit=5&offset=2')
  t.equal(filtered.text, 'SELECT T."id" AS "id", T."title" AS "title" FROM T WHERE T."id" = ANY($1) AND T."title" LIKE $2 ORDER BY T."id" DESC NULLS LAST LIMIT $3 OFFSET $4')
  t.same(filtered.values, [['1', '2'], '%x%', 5, 2])
})

t.test('embeds become lateral joins', async (t) => {
  const m2o = sql('/books', 'select=id,author:authors!author_id(name)')
  t.match(m2o.text, /LEFT JOIN LATERAL \(SELECT row_to_json\(pgrst_x\) AS pgrst_body, 1 AS pgrst_found, pgrst_x\.\* FROM \(SELECT "authors_1"\."name" AS "name" FROM "public"\."authors" AS "authors_1" WHERE "authors_1"\."id" = T\."author_id"\) AS pgrst_x\) AS "pgrst_embed_3" ON TRUE/)
  t.match(m2o.text, /"pgrst_embed_3"\.pgrst_body AS "author"/)
  const m2m = sql('/books', 'select=id,genres(name)&genres.order=name')
  t.match(m2m.text, /JOIN "public"\."book_genres" AS "pgrst_junction_2" ON "pgrst_junction_2"\."genre_id" = "genres_1"\."id" WHERE "pgrst_junction_2"\."book_id" = T\."id" ORDER BY "genres_1"\."name"/)
  t.match(m2m.text, /COALESCE\("pgrst_embed_3"\.pgrst_body, '\[\]'\) AS "genres"/)
  const inner = sql('/authors', 'select=id,books!author_id!inner(id)')
  t.match(inner.text, /WHERE "pgrst_embed_3"\.pgrst_body IS NOT NULL$/)
  const spread = sql('/books', 'select=id,...authors!author_id(n:name)')
  t.match(spread.text, /"pgrst_embed_3"\."n" AS "n"/)
})

t.test('filter operators', async (t) => {
  const f = (operator: string, value: string | string[], extra: object = {}) => {
    const params = new Params()
    const text = buildFilter({ kind: 'condition', column: 'c', path: [], negated: false, operator: operator as 'eq', value, ...extra }, 'T', params, { marker: () => 'M', exists: () => 'E' })
    return [text, params.values]
  }
  t.same(f('neq', '1'), ['T."c" <> $1', ['1']])
  t.same(f('ilike', 'a*'), ['T."c" ILIKE $1', ['a%']])
  t.same(f('is', 'not_null'), ['T."c" IS NOT NULL', []])
  t.same(f('isdistinct', 'x'), ['T."c" IS DISTINCT FROM $1', ['x']])
  t.same(f('fts', 'cat', { language: 'english' }), ['T."c" @@ to_tsquery($1::regconfig, $2)', ['english', 'cat']])
  t.same(f('wfts', 'cat'), ['T."c" @@ websearch_to_tsquery($1)', ['cat']])
  t.same(f('eq', '{1,2}', { quantifier: 'any' }), ['T."c" = ANY($1)', ['{1,2}']])
  t.same(f('adj', '[1,2)', { negated: true }), ['NOT (T."c" -|- $1)', ['[1,2)']])
  const params = new Params()
  t.equal(buildFilter({ kind: 'logic', operator: 'or', negated: true, children: [{ kind: 'embed-null', embed: 0, isNull: true }] }, 'T', params, { marker: () => 'M', exists: () => 'E' }), 'NOT (M IS NULL)')
})
