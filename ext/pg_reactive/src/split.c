/*
 * split.c — the incremental path's new rows, from the stored rows and the fresh rows of
 * the changed keys.
 *
 * pgr._patch(rows, texts, key, keyset, fresh, fresh_texts, ordered): for a query without ORDER BY (whose
 * order PostgreSQL leaves open) each changed key's fresh row takes its old place (or the
 * row goes) and new keys go last; for a query ordered by its integer key alone, the fresh
 * rows are merged in by key, which is PostgreSQL's own order for integers. (Any other
 * ORDER BY is evaluated in full once a changed key reaches the feed: only PostgreSQL knows
 * where such a row sorts.) keyset is a jsonb object whose keys are the changed keys as
 * text, as pgr._process builds it. One pass over the stored rows; each row's json text
 * (texts, fresh_texts) goes along with it.
 */
#include "pg_reactive.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

PG_FUNCTION_INFO_V1(pgr_split);
PG_FUNCTION_INFO_V1(pgr_patch);

/* The text of a scalar jsonb value as ->> gives it; NULL for json null and containers. */
static char *
scalar_text(JsonbValue *v, int *len)
{
	char	   *s;

	switch (v->type)
	{
		case jbvString:
			*len = v->val.string.len;
			return v->val.string.val;
		case jbvNumeric:
			s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
			*len = strlen(s);
			return s;
		case jbvBool:
			s = v->val.boolean ? "true" : "false";
			*len = strlen(s);
			return s;
		default:
			return NULL;
	}
}

/*
 * pgr._split(rows, key, keyset) -> (changed, kept): 0.1's incremental step, which lost the
 * order of ordered queries. 0.2 no longer calls it; it stays because 0.1's script, which a
 * new install runs first, declares it.
 */
Datum
pgr_split(PG_FUNCTION_ARGS)
{
	Jsonb	   *rows = PG_GETARG_JSONB_P(0);
	text	   *key = PG_GETARG_TEXT_PP(1);
	Jsonb	   *keyset = PG_GETARG_JSONB_P(2);
	JsonbParseState *changed_state = NULL;
	JsonbParseState *kept_state = NULL;
	JsonbValue *changed;
	JsonbValue *kept;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken token;
	TupleDesc	tupdesc;
	Datum		values[2];
	bool		nulls[2] = {false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "pgr._split must return a composite type");
	if (!JB_ROOT_IS_ARRAY(rows) || JB_ROOT_IS_SCALAR(rows) || !JB_ROOT_IS_OBJECT(keyset))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("pgr._split expects an array of rows and an object of keys")));

	(void) pushJsonbValue(&changed_state, WJB_BEGIN_ARRAY, NULL);
	(void) pushJsonbValue(&kept_state, WJB_BEGIN_ARRAY, NULL);
	it = JsonbIteratorInit(&rows->root);
	while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		bool		hit = false;

		if (token != WJB_ELEM)
			continue;
		if (v.type == jbvBinary && JsonContainerIsObject(v.val.binary.data))
		{
			JsonbValue *field = getKeyJsonValueFromContainer(v.val.binary.data, VARDATA_ANY(key),
															 VARSIZE_ANY_EXHDR(key), NULL);
			int			len;
			char	   *s = field ? scalar_text(field, &len) : NULL;

			hit = s != NULL && getKeyJsonValueFromContainer(&keyset->root, s, len, NULL) != NULL;
		}
		(void) pushJsonbValue(hit ? &changed_state : &kept_state, WJB_ELEM, &v);
	}
	changed = pushJsonbValue(&changed_state, WJB_END_ARRAY, NULL);
	kept = pushJsonbValue(&kept_state, WJB_END_ARRAY, NULL);
	values[0] = JsonbPGetDatum(JsonbValueToJsonb(changed));
	values[1] = JsonbPGetDatum(JsonbValueToJsonb(kept));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}

typedef struct FreshRow
{
	char	   *key;
	int			len;
	JsonbValue	row;
	int			at;				/* its place in fresh (and fresh_texts) */
	bool		used;
	int64		value;			/* merging: the key as an integer */
} FreshRow;

static int
value_asc(const void *a, const void *b)
{
	int64		x = (*(FreshRow *const *) a)->value;
	int64		y = (*(FreshRow *const *) b)->value;

	return x < y ? -1 : x > y ? 1 : 0;
}

static int
value_desc(const void *a, const void *b)
{
	return value_asc(b, a);
}

static int
fresh_cmp(const void *a, const void *b)
{
	const FreshRow *x = *(FreshRow *const *) a;
	const FreshRow *y = *(FreshRow *const *) b;

	if (x->len != y->len)
		return x->len - y->len;
	return memcmp(x->key, y->key, x->len);
}

/* The key field of a row object as ->> gives it, or NULL. */
static char *
row_key(JsonbValue *v, text *key, int *len)
{
	JsonbValue *field;

	if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
		return NULL;
	field = getKeyJsonValueFromContainer(v->val.binary.data, VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key), NULL);
	return field ? scalar_text(field, len) : NULL;
}

/* The integer key of a row (the incremental key is an int2/int4/int8 primary key). */
static int64
int_key(JsonbValue *v, text *key)
{
	int			len;
	char	   *s = row_key(v, key, &len);

	if (s == NULL)
		elog(ERROR, "pg_reactive: a stored row lacks its incremental key");
	return pg_strtoint64(pnstrdup(s, len));
}

/* The patched list being built: its rows, and their texts while both inputs have them. */
typedef struct Patched
{
	JsonbParseState *state;
	Datum	   *texts;			/* NULL: no texts (rows stored before 0.2) */
	int			n;
} Patched;

static void
put(Patched *out, JsonbValue *row, Datum *texts, int at)
{
	(void) pushJsonbValue(&out->state, WJB_ELEM, row);
	if (out->texts)
		out->texts[out->n] = texts[at];
	out->n++;
}

/* The elements of a text[], or NULL when it is NULL or does not have n of them. */
static Datum *
texts_of(FunctionCallInfo fcinfo, int argno, int n)
{
	Datum	   *elems;
	int			count;

	if (PG_ARGISNULL(argno))
		return NULL;
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(argno), TEXTOID, -1, false, TYPALIGN_INT, &elems, NULL, &count);
	return count == n ? elems : NULL;
}

/*
 * pgr._patch(rows jsonb, texts text[], key text, keyset jsonb, fresh jsonb, fresh_texts text[],
 *            ordered text, OUT rows jsonb, OUT texts text[])
 *
 * ordered NULL: no ORDER BY, the changed keys' fresh rows take their old places and new
 * keys go last. 'key' / 'key desc': the query orders by its integer key alone, so the
 * stored rows are in that order and the fresh rows are merged in by key. Each row's json
 * text goes where its row goes (texts NULL when either side has none).
 */
Datum
pgr_patch(PG_FUNCTION_ARGS)
{
	Jsonb	   *rows;
	text	   *key;
	Jsonb	   *keyset;
	Jsonb	   *fresh;
	Datum	   *texts;
	Datum	   *fresh_texts;
	int			sign = PG_ARGISNULL(6) ? 0 : strcmp(text_to_cstring(PG_GETARG_TEXT_PP(6)), "key desc") == 0 ? -1 : 1;
	int			nfresh = 0;
	FreshRow   *found;
	FreshRow  **byKey;
	FreshRow  **merge;
	Patched		out = {0};
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken token;
	JsonbValue *result;
	int			next = 0;		/* merging: the next fresh row in merge */
	int			at;
	TupleDesc	tupdesc;
	Datum		values[2];
	bool		nulls[2] = {false, false};

	PGR_CHECK_DECLARATION(PG_NARGS() == 7);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "pgr._patch must return a composite type");
	if (PG_ARGISNULL(0) || PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
		PG_RETURN_NULL();
	rows = PG_GETARG_JSONB_P(0);
	key = PG_GETARG_TEXT_PP(2);
	keyset = PG_GETARG_JSONB_P(3);
	fresh = PG_GETARG_JSONB_P(4);
	if (!JB_ROOT_IS_ARRAY(rows) || JB_ROOT_IS_SCALAR(rows) || !JB_ROOT_IS_ARRAY(fresh) ||
		JB_ROOT_IS_SCALAR(fresh) || !JB_ROOT_IS_OBJECT(keyset))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("pgr._patch expects arrays of rows and an object of keys")));
	texts = texts_of(fcinfo, 1, JB_ROOT_COUNT(rows));
	fresh_texts = texts_of(fcinfo, 5, JB_ROOT_COUNT(fresh));
	if (texts && fresh_texts)
		out.texts = palloc(sizeof(Datum) * Max((int) (JB_ROOT_COUNT(rows) + JB_ROOT_COUNT(fresh)), 1));
	found = palloc(sizeof(FreshRow) * Max((int) JB_ROOT_COUNT(fresh), 1));	/* query order */
	byKey = palloc(sizeof(FreshRow *) * Max((int) JB_ROOT_COUNT(fresh), 1));
	merge = palloc(sizeof(FreshRow *) * Max((int) JB_ROOT_COUNT(fresh), 1));	/* key order */

	it = JsonbIteratorInit(&fresh->root);
	at = 0;
	while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		int			len;
		char	   *s;

		if (token != WJB_ELEM)
			continue;
		at++;
		if ((s = row_key(&v, key, &len)) == NULL)
			continue;
		found[nfresh] = (FreshRow) {s, len, v, at - 1, false, sign != 0 ? int_key(&v, key) : 0};
		byKey[nfresh] = merge[nfresh] = &found[nfresh];
		nfresh++;
	}
	qsort(byKey, nfresh, sizeof(FreshRow *), fresh_cmp);
	if (sign != 0)
		qsort(merge, nfresh, sizeof(FreshRow *), sign > 0 ? value_asc : value_desc);

	(void) pushJsonbValue(&out.state, WJB_BEGIN_ARRAY, NULL);
	it = JsonbIteratorInit(&rows->root);
	at = 0;
	while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		FreshRow	probe = {0};
		FreshRow   *want = &probe;
		FreshRow  **hit;

		if (token != WJB_ELEM)
			continue;
		at++;
		probe.key = row_key(&v, key, &probe.len);
		if (probe.key != NULL && getKeyJsonValueFromContainer(&keyset->root, probe.key, probe.len, NULL) != NULL)
		{
			if (sign != 0)
				continue;		/* merged in below with the fresh rows */
			/* a changed key: its fresh row takes its place, or it is gone */
			hit = bsearch(&want, byKey, nfresh, sizeof(FreshRow *), fresh_cmp);
			if (hit != NULL && !(*hit)->used)
			{
				(*hit)->used = true;
				put(&out, &(*hit)->row, fresh_texts, (*hit)->at);
			}
			continue;
		}
		if (sign != 0)
		{
			int64		here = int_key(&v, key);

			while (next < nfresh && (sign > 0 ? merge[next]->value < here : merge[next]->value > here))
			{
				put(&out, &merge[next]->row, fresh_texts, merge[next]->at);
				next++;
			}
		}
		put(&out, &v, texts, at - 1);
	}
	if (sign != 0)
		for (; next < nfresh; next++)
			put(&out, &merge[next]->row, fresh_texts, merge[next]->at);
	else
		/* new keys, in the order the query returned them */
		for (int i = 0; i < nfresh; i++)
			if (!found[i].used)
				put(&out, &found[i].row, fresh_texts, found[i].at);
	result = pushJsonbValue(&out.state, WJB_END_ARRAY, NULL);
	values[0] = JsonbPGetDatum(JsonbValueToJsonb(result));
	if (out.texts)
		values[1] = PointerGetDatum(construct_array(out.texts, out.n, TEXTOID, -1, false, TYPALIGN_INT));
	else
		nulls[1] = true;
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}
