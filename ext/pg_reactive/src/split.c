/*
 * split.c — pgr._split(rows jsonb, key text, keyset jsonb, OUT changed jsonb, OUT kept jsonb)
 *
 * The incremental path patches a feed's stored rows: the rows whose key changed are
 * diffed against their fresh rows, the others are kept as they are. Splitting a stored
 * result in plpgsql (jsonb_array_elements and two filtered aggregates) cost more than
 * the diff itself; here it is one pass over the array. keyset is a jsonb object whose
 * keys are the changed keys as text, as pgr._process builds it.
 */
#include "pg_reactive.h"

#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

PG_FUNCTION_INFO_V1(pgr_split);

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
