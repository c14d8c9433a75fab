/*
 * diff.c — the ops that turn a feed's previous rows into its new rows, in order.
 *
 * Both lists are the query's rows in the order PostgreSQL returned them. pgr.diff()
 * emits deletes, then inserts and updates each with the index it lands at when the
 * ops are applied one after another, so a consumer that splices ends with exactly
 * the new list: PostgreSQL's order (types, collations, NULLS FIRST/LAST, ties as it
 * broke them), never one rebuilt elsewhere. A row whose content is unchanged but
 * whose place changed (a sort column not in the output, a tie broken differently)
 * moves with an update. Each row is named by its key: PostgreSQL's JSON text of the
 * key columns, or for keyless results a SHA-256 of the row's JSON text; the n-th
 * duplicate gets a "#n" suffix, so the names in one list are distinct by construction.
 * Nothing here parses or rewrites a row. Given each row's json text (to_json, beside the
 * jsonb: see PgrRows), rows are compared by it and sent as it — the columns in the query's
 * order, as PostgREST sends a row; otherwise (pgr.diff on jsonb alone) as jsonb text.
 */
#include "pg_reactive.h"

#include "common/base64.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

PG_FUNCTION_INFO_V1(pgr_diff);
PG_FUNCTION_INFO_V1(pgr_diff_text);
PG_FUNCTION_INFO_V1(pgr_apply);
PG_FUNCTION_INFO_V1(pgr_entries);
PG_FUNCTION_INFO_V1(pgr_identical);

/* One row of a list: its jsonb value, its JSON text once needed, and its name. */
typedef struct Entry
{
	JsonbValue	row;			/* a jbvBinary element of the array */
	char	   *text;			/* jsonb text of the row; NULL until needed */
	int			textlen;
	char	   *id;				/* the key the protocol names it by */
	text	   *json;			/* the row's json text (to_json), when the caller has it */
} Entry;

typedef struct KeyColumns
{
	int			n;				/* 0: keyless, rows are named by their content */
	char	  **names;
	int		   *lens;
} KeyColumns;

static KeyColumns
key_columns(FunctionCallInfo fcinfo, int argno)
{
	KeyColumns	k = {0};
	Datum	   *elems;
	bool	   *nulls;

	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
		return k;
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(argno), TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &k.n);
	k.names = palloc(sizeof(char *) * Max(k.n, 1));
	k.lens = palloc(sizeof(int) * Max(k.n, 1));
	for (int i = 0; i < k.n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("key column names must not be null")));
		k.names[i] = TextDatumGetCString(elems[i]);
		k.lens[i] = strlen(k.names[i]);
	}
	return k;
}

static const char *
row_text(Entry *e)
{
	if (e->text == NULL)
	{
		e->text = JsonbToCString(NULL, e->row.val.binary.data, e->row.val.binary.len);
		e->textlen = strlen(e->text);
	}
	return e->text;
}

/* A value as jsonb prints it inside a container. */
static void
append_value(StringInfo buf, JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			appendStringInfoString(buf, "null");
			break;
		case jbvString:
			escape_json(buf, pnstrdup(v->val.string.val, v->val.string.len));
			break;
		case jbvNumeric:
			appendStringInfoString(buf, DatumGetCString(DirectFunctionCall1(numeric_out,
																			NumericGetDatum(v->val.numeric))));
			break;
		case jbvBool:
			appendStringInfoString(buf, v->val.boolean ? "true" : "false");
			break;
		case jbvBinary:
			(void) JsonbToCString(buf, v->val.binary.data, v->val.binary.len);
			break;
		default:
			elog(ERROR, "pg_reactive: unexpected jsonb value type %d", (int) v->type);
	}
}

/* The name a row has before duplicates are told apart. */
static char *
base_id(Entry *e, const KeyColumns *key)
{
	StringInfoData buf;

	initStringInfo(&buf);
	if (key->n > 0)
	{
		/* jsonb_build_array(key values)::text: exact digits, so distinct keys never meet */
		appendStringInfoChar(&buf, '[');
		for (int i = 0; i < key->n; i++)
		{
			JsonbValue *v = NULL;

			if (JsonContainerIsObject(e->row.val.binary.data))
				v = getKeyJsonValueFromContainer(e->row.val.binary.data, key->names[i], key->lens[i], NULL);
			if (i > 0)
				appendStringInfoString(&buf, ", ");
			if (v == NULL)
				appendStringInfoString(&buf, "null");
			else
				append_value(&buf, v);
		}
		appendStringInfoChar(&buf, ']');
	}
	else
	{
		pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);
		uint8		digest[PG_SHA256_DIGEST_LENGTH];
		char		encoded[64];
		int			len;

		row_text(e);
		if (ctx == NULL || pg_cryptohash_init(ctx) < 0 ||
			pg_cryptohash_update(ctx, (const uint8 *) e->text, e->textlen) < 0 ||
			pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
			elog(ERROR, "pg_reactive: could not compute SHA-256 of a row");
		pg_cryptohash_free(ctx);
		len = pg_b64_encode((const char *) digest, sizeof(digest), encoded, sizeof(encoded));
		if (len < 0)
			elog(ERROR, "pg_reactive: could not encode a row digest");
		appendBinaryStringInfo(&buf, encoded, len);
	}
	return buf.data;
}

typedef struct Named
{
	const char *id;
	int			side;			/* 0: previous list, 1: new list */
	int			at;
} Named;

static int
named_cmp(const void *a, const void *b)
{
	const Named *x = a;
	const Named *y = b;
	int			c = strcmp(x->id, y->id);

	if (c != 0)
		return c;
	if (x->side != y->side)
		return x->side - y->side;
	return x->at - y->at;
}

/*
 * The rows of a jsonb array, each named; duplicates of a name get "#2", "#3"… in list order.
 * texts, when not NULL, are the rows' json texts, one per row.
 */
static Entry *
read_entries(Jsonb *rows, const KeyColumns *key, ArrayType *texts, int *count)
{
	int			n;
	Entry	   *entries;
	Named	   *order;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken token;
	int			i = 0;

	if (!JB_ROOT_IS_ARRAY(rows) || JB_ROOT_IS_SCALAR(rows))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rows must be a jsonb array")));
	n = JB_ROOT_COUNT(rows);
	entries = palloc0(sizeof(Entry) * Max(n, 1));
	it = JsonbIteratorInit(&rows->root);
	while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (token != WJB_ELEM)
			continue;
		if (v.type != jbvBinary)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("rows must be a jsonb array of objects")));
		entries[i++].row = v;
	}
	*count = i;
	if (texts != NULL)
	{
		Datum	   *elems;
		bool	   *nulls;
		int			n;

		deconstruct_array(texts, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
		if (n != i)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%d rows but %d row texts", i, n)));
		for (int j = 0; j < i; j++)
			entries[j].json = nulls[j] ? NULL : DatumGetTextPP(elems[j]);
	}

	order = palloc(sizeof(Named) * Max(i, 1));
	for (int j = 0; j < i; j++)
	{
		entries[j].id = base_id(&entries[j], key);
		order[j] = (Named) {entries[j].id, 0, j};
	}
	qsort(order, i, sizeof(Named), named_cmp);
	for (int j = 1, dup = 1; j < i; j++)
	{
		if (strcmp(order[j].id, order[j - 1].id) != 0)
		{
			dup = 1;
			continue;
		}
		dup++;
		entries[order[j].at].id = psprintf("%s#%d", order[j].id, dup);
	}
	return entries;
}

static bool
same_row(Entry *a, Entry *b)
{
	JsonbContainer *x = a->row.val.binary.data;
	JsonbContainer *y = b->row.val.binary.data;

	/* the text a consumer gets: -0 and 0, or a json column's spacing, tell rows apart */
	if (a->json && b->json)
		return VARSIZE_ANY_EXHDR(a->json) == VARSIZE_ANY_EXHDR(b->json) &&
			memcmp(VARDATA_ANY(a->json), VARDATA_ANY(b->json), VARSIZE_ANY_EXHDR(a->json)) == 0;
	/*
	 * one side stored before 0.2 (jsonb text alone): equal only when its consumers already
	 * have the json text, so that a row whose columns jsonb reordered is sent again
	 */
	if (a->json || b->json)
	{
		Entry	   *j = a->json ? a : b;
		Entry	   *o = a->json ? b : a;

		row_text(o);
		return VARSIZE_ANY_EXHDR(j->json) == o->textlen &&
			memcmp(VARDATA_ANY(j->json), o->text, o->textlen) == 0;
	}

	/* equal bytes are equal text; unequal bytes may be alignment padding: compare the text */
	if (a->row.val.binary.len == b->row.val.binary.len && memcmp(x, y, a->row.val.binary.len) == 0)
		return true;
	row_text(a);
	row_text(b);
	return a->textlen == b->textlen && memcmp(a->text, b->text, a->textlen) == 0;
}

/* Fenwick tree over universe positions: how many live rows precede a position. */
static void
bit_add(int *bit, int size, int pos, int delta)
{
	for (pos++; pos <= size; pos += pos & -pos)
		bit[pos] += delta;
}

static int
bit_before(int *bit, int pos)
{
	int			sum = 0;

	for (; pos > 0; pos -= pos & -pos)
		sum += bit[pos];
	return sum;
}

/* One op of a diff: a delete (index -1) or an insert or update of e at index. */
typedef struct Op
{
	const char *op;
	Entry	   *e;
	int			index;
} Op;

static void
push_string(JsonbParseState **state, JsonbIteratorToken token, const char *s)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) s;
	v.val.string.len = strlen(s);
	(void) pushJsonbValue(state, token, &v);
}

/* The ops as a jsonb array (pgr.diff). */
static Jsonb *
ops_jsonb(Op *ops, int n)
{
	JsonbParseState *state = NULL;
	JsonbValue	v;

	(void) pushJsonbValue(&state, WJB_BEGIN_ARRAY, NULL);
	for (int i = 0; i < n; i++)
	{
		(void) pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
		push_string(&state, WJB_KEY, "op");
		push_string(&state, WJB_VALUE, ops[i].op);
		push_string(&state, WJB_KEY, "key");
		push_string(&state, WJB_VALUE, ops[i].e->id);
		if (ops[i].index >= 0)
		{
			push_string(&state, WJB_KEY, "index");
			v.type = jbvNumeric;
			v.val.numeric = int64_to_numeric(ops[i].index);
			(void) pushJsonbValue(&state, WJB_VALUE, &v);
			push_string(&state, WJB_KEY, "row");
			(void) pushJsonbValue(&state, WJB_VALUE, &ops[i].e->row);
		}
		(void) pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	}
	return JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_ARRAY, NULL));
}

/* A row as a consumer gets it: its json text when there is one, else its jsonb text. */
static void
append_row(StringInfo buf, Entry *e)
{
	if (e->json)
		appendBinaryStringInfo(buf, VARDATA_ANY(e->json), VARSIZE_ANY_EXHDR(e->json));
	else if (e->text)
		appendBinaryStringInfo(buf, e->text, e->textlen);
	else
		(void) JsonbToCString(buf, e->row.val.binary.data, e->row.val.binary.len);
}

/* The ops as json text, each row as append_row writes it (pgr._diff). */
static text *
ops_text(Op *ops, int n)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '[');
	for (int i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoChar(&buf, ',');
		appendStringInfo(&buf, "{\"op\":\"%s\",\"key\":", ops[i].op);
		escape_json(&buf, ops[i].e->id);
		if (ops[i].index >= 0)
		{
			appendStringInfo(&buf, ",\"index\":%d,\"row\":", ops[i].index);
			append_row(&buf, ops[i].e);
		}
		appendStringInfoChar(&buf, '}');
	}
	appendStringInfoChar(&buf, ']');
	return cstring_to_text_with_len(buf.data, buf.len);
}

/*
 * The ops that turn p into c, applied in order: deletes first, then an insert or update per
 * row that is new, changed or out of place, ascending by its place in c. The rows that keep
 * their relative order and content (a longest increasing run) are not touched. Each index
 * counts the rows present after that op's own removal. Returns the number of ops.
 */
static int
diff_ops(Entry *p, int np, Entry *c, int nc, Op *ops)
{
	int		   *pmatch = palloc(sizeof(int) * Max(np, 1));	/* index in c, or -1 */
	int		   *cmatch = palloc(sizeof(int) * Max(nc, 1));	/* index in p, or -1 */
	int		   *rank = palloc(sizeof(int) * Max(np, 1));	/* place among the kept rows of p */
	bool	   *anchor = palloc0(sizeof(bool) * Max(nc, 1));
	Named	   *all = palloc(sizeof(Named) * Max(np + nc, 1));
	int			kept = 0;
	int			nops = 0;

	for (int i = 0; i < np; i++)
	{
		pmatch[i] = -1;
		all[i] = (Named) {p[i].id, 0, i};
	}
	for (int j = 0; j < nc; j++)
	{
		cmatch[j] = -1;
		all[np + j] = (Named) {c[j].id, 1, j};
	}
	qsort(all, np + nc, sizeof(Named), named_cmp);
	for (int k = 1; k < np + nc; k++)
		if (all[k - 1].side == 0 && all[k].side == 1 && strcmp(all[k - 1].id, all[k].id) == 0)
		{
			pmatch[all[k - 1].at] = all[k].at;
			cmatch[all[k].at] = all[k - 1].at;
		}

	for (int i = 0; i < np; i++)
	{
		if (pmatch[i] < 0)
			ops[nops++] = (Op) {"delete", &p[i], -1};
		else
			rank[i] = kept++;
	}

	/* anchors: a longest run of unchanged rows whose order c keeps (patience sorting) */
	{
		int		   *tail = palloc(sizeof(int) * Max(nc, 1));	/* c index ending a run of length k+1 */
		int		   *link = palloc(sizeof(int) * Max(nc, 1));
		int			len = 0;

		for (int j = 0; j < nc; j++)
		{
			int			lo = 0,
						hi = len,
						r;

			if (cmatch[j] < 0 || !same_row(&p[cmatch[j]], &c[j]))
				continue;
			r = rank[cmatch[j]];
			while (lo < hi)
			{
				int			mid = (lo + hi) / 2;

				if (rank[cmatch[tail[mid]]] < r)
					lo = mid + 1;
				else
					hi = mid;
			}
			link[j] = lo > 0 ? tail[lo - 1] : -1;
			tail[lo] = j;
			if (lo == len)
				len++;
		}
		for (int j = len > 0 ? tail[len - 1] : -1; j >= 0; j = link[j])
			anchor[j] = true;
	}

	/*
	 * Where each moved row lands: picture every row that is ever in the list — the kept rows
	 * of p in their order, and each new place inserted right after the place of the row
	 * that precedes it in c — then count the rows present before a place.
	 */
	{
		int			size = kept + nc;
		int		   *next = palloc(sizeof(int) * (size + 1));	/* slot size: the head */
		int		   *node = palloc(sizeof(int) * Max(nc, 1));
		int		   *pos = palloc(sizeof(int) * Max(size, 1));
		int		   *bit = palloc0(sizeof(int) * (size + 1));
		int			fresh = kept;
		int			at = 0;

		for (int s = 0; s < kept; s++)
			next[s] = s + 1 < kept ? s + 1 : -1;
		next[size] = kept > 0 ? 0 : -1;
		for (int j = 0; j < nc; j++)
		{
			int			after;

			if (anchor[j])
			{
				node[j] = rank[cmatch[j]];
				continue;
			}
			after = j == 0 ? size : node[j - 1];
			node[j] = fresh++;
			next[node[j]] = next[after];
			next[after] = node[j];
		}
		for (int s = next[size]; s >= 0; s = next[s])
			pos[s] = at++;
		for (int s = 0; s < kept; s++)
			bit_add(bit, size, pos[s], 1);
		for (int j = 0; j < nc; j++)
		{
			if (anchor[j])
				continue;
			if (cmatch[j] >= 0)
				bit_add(bit, size, pos[rank[cmatch[j]]], -1);
			bit_add(bit, size, pos[node[j]], 1);
			ops[nops++] = (Op) {cmatch[j] >= 0 ? "update" : "insert", &c[j], bit_before(bit, pos[node[j]])};
		}
	}
	return nops;
}

/*
 * pgr.diff(prev jsonb, cur jsonb, key text[] DEFAULT NULL) -> jsonb
 *
 * The ops (see diff_ops) as a jsonb array, rows as jsonb.
 */
Datum
pgr_diff(PG_FUNCTION_ARGS)
{
	KeyColumns	key = key_columns(fcinfo, 2);
	int			np,
				nc;
	Entry	   *p = read_entries(PG_GETARG_JSONB_P(0), &key, NULL, &np);
	Entry	   *c = read_entries(PG_GETARG_JSONB_P(1), &key, NULL, &nc);
	Op		   *ops = palloc(sizeof(Op) * Max(np + nc, 1));

	PG_RETURN_JSONB_P(ops_jsonb(ops, diff_ops(p, np, c, nc, ops)));
}

/*
 * pgr._diff(prev jsonb, cur jsonb, key text[], prev_texts text[], cur_texts text[]) -> json
 *
 * The ops as json text, each row as its json text (cur_texts); rows are compared by their
 * texts when both lists have them. What the worker logs and sends.
 */
Datum
pgr_diff_text(PG_FUNCTION_ARGS)
{
	KeyColumns	key = key_columns(fcinfo, 2);
	int			np,
				nc;
	Entry	   *p = read_entries(PG_GETARG_JSONB_P(0), &key, PG_ARGISNULL(3) ? NULL : PG_GETARG_ARRAYTYPE_P(3), &np);
	Entry	   *c = read_entries(PG_GETARG_JSONB_P(1), &key, PG_ARGISNULL(4) ? NULL : PG_GETARG_ARRAYTYPE_P(4), &nc);
	Op		   *ops = palloc(sizeof(Op) * Max(np + nc, 1));

	PG_RETURN_TEXT_P(ops_text(ops, diff_ops(p, np, c, nc, ops)));
}

/*
 * pgr.apply(rows jsonb, ops jsonb, key text[] DEFAULT NULL) -> jsonb
 *
 * A consumer's side of pgr.diff, for tests and replay: each op removes the row named
 * by its key, then an insert or update puts its row at its index.
 */
Datum
pgr_apply(PG_FUNCTION_ARGS)
{
	Jsonb	   *rows = PG_GETARG_JSONB_P(0);
	Jsonb	   *ops = PG_GETARG_JSONB_P(1);
	KeyColumns	key = key_columns(fcinfo, 2);
	int			n;
	Entry	   *list = read_entries(rows, &key, NULL, &n);
	int			cap = n + Max((int) JB_ROOT_COUNT(ops), 1);
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken token;
	JsonbParseState *state = NULL;
	JsonbValue *result;

	list = repalloc(list, sizeof(Entry) * cap);
	if (!JB_ROOT_IS_ARRAY(ops) || JB_ROOT_IS_SCALAR(ops))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ops must be a jsonb array")));
	it = JsonbIteratorInit(&ops->root);
	while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		JsonbContainer *op;
		JsonbValue *kind,
				   *name,
				   *index,
				   *row;
		char	   *id;
		int			at;

		if (token != WJB_ELEM)
			continue;
		if (v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data))
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("an op must be an object")));
		op = v.val.binary.data;
		kind = getKeyJsonValueFromContainer(op, "op", 2, NULL);
		name = getKeyJsonValueFromContainer(op, "key", 3, NULL);
		if (kind == NULL || kind->type != jbvString || name == NULL || name->type != jbvString)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("an op needs \"op\" and \"key\" strings")));
		id = pnstrdup(name->val.string.val, name->val.string.len);
		for (at = 0; at < n; at++)
			if (strcmp(list[at].id, id) == 0)
				break;
		if (at < n)
		{
			memmove(&list[at], &list[at + 1], sizeof(Entry) * (n - at - 1));
			n--;
		}
		if (kind->val.string.len == 6 && strncmp(kind->val.string.val, "delete", 6) == 0)
			continue;
		index = getKeyJsonValueFromContainer(op, "index", 5, NULL);
		row = getKeyJsonValueFromContainer(op, "row", 3, NULL);
		if (index == NULL || index->type != jbvNumeric || row == NULL || row->type != jbvBinary)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("an insert or update needs an \"index\" and a \"row\" object")));
		at = DatumGetInt32(DirectFunctionCall1(numeric_int4, NumericGetDatum(index->val.numeric)));
		at = Max(0, Min(at, n));
		if (n >= cap)
		{
			cap *= 2;
			list = repalloc(list, sizeof(Entry) * cap);
		}
		memmove(&list[at + 1], &list[at], sizeof(Entry) * (n - at));
		list[at] = (Entry) {*row, NULL, 0, id, NULL};
		n++;
	}
	(void) pushJsonbValue(&state, WJB_BEGIN_ARRAY, NULL);
	for (int i = 0; i < n; i++)
		(void) pushJsonbValue(&state, WJB_ELEM, &list[i].row);
	result = pushJsonbValue(&state, WJB_END_ARRAY, NULL);
	PG_RETURN_JSONB_P(JsonbValueToJsonb(result));
}

/*
 * pgr.entries(rows jsonb, key text[] DEFAULT NULL, texts text[] DEFAULT NULL) -> text
 *
 * The rows as a consumer's snapshot: [{"key": <name>, "row": <row>}, …] in their
 * order, each named as pgr.diff names it, each row its json text when texts are given
 * (else its jsonb text). Text, so the rows reach the consumer as PostgreSQL printed them.
 */
Datum
pgr_entries(PG_FUNCTION_ARGS)
{
	KeyColumns	key = key_columns(fcinfo, 1);
	int			n;
	Entry	   *list = read_entries(PG_GETARG_JSONB_P(0), &key,
									PG_NARGS() > 2 && !PG_ARGISNULL(2) ? PG_GETARG_ARRAYTYPE_P(2) : NULL, &n);
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '[');
	for (int i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoChar(&buf, ',');
		appendStringInfoString(&buf, "{\"key\":");
		escape_json(&buf, list[i].id);
		appendStringInfoString(&buf, ",\"row\":");
		append_row(&buf, &list[i]);
		appendStringInfoChar(&buf, '}');
	}
	appendStringInfoChar(&buf, ']');
	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf.data, buf.len));
}

/*
 * pgr._identical(a jsonb, b jsonb) -> boolean: the same bytes. Stricter than jsonb's =,
 * which holds 1.5 and 1.50 equal: a feed whose numeric changed scale has changed.
 */
Datum
pgr_identical(PG_FUNCTION_ARGS)
{
	Jsonb	   *a = PG_GETARG_JSONB_P(0);
	Jsonb	   *b = PG_GETARG_JSONB_P(1);

	PG_RETURN_BOOL(VARSIZE(a) == VARSIZE(b) && memcmp(VARDATA(a), VARDATA(b), VARSIZE(a) - VARHDRSZ) == 0);
}
