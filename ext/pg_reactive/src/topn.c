/*
 * topn.c — top-N feeds that a change cannot enter are not evaluated.
 *
 * The stored result of a single-table ORDER BY … LIMIT n query holds its first n
 * rows in the query's order (the full path stores them as the query returns them).
 * A changed row that is not among them and whose new version sorts strictly after
 * the last of them cannot enter: the n rows still come first. When every changed
 * row of a cycle is such a row, the feed is skipped. A changed row that was in the
 * result (it may leave or move), one that sorts before or level with the last row,
 * or a result with fewer than n rows: evaluation as before. Order is PostgreSQL's:
 * the ORDER BY's own btree comparison, collation and NULLS placement.
 *
 * Never writes; only the worker calls pgr._topn_skip(), with the cycle's changed keys.
 *
 * Which queries qualify and how they sort: topn_spec.c.
 */
#include "topn.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

PG_FUNCTION_INFO_V1(pgr_topn_skip);

static JsonbValue *
field_of(JsonbValue *row, const char *name)
{
	if (row == NULL || row->type != jbvBinary || !JsonContainerIsObject(row->val.binary.data))
		return NULL;
	return getKeyJsonValueFromContainer(row->val.binary.data, name, strlen(name), NULL);
}

static int
cmp_int64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return x < y ? -1 : x > y ? 1 : 0;
}

/*
 * Read this cycle's new versions of the changed rows (key, ORDER BY columns, the
 * route column), and keep the changed keys sorted, for every feed of the query.
 */
static void
fetch_rows(TopN *spec, Datum keys, Datum *key_elems, int nkeys, AttrNumber route_attnum)
{
	StringInfoData sql;
	Oid			argtype = INT8ARRAYOID;
	MemoryContext old;
	uint64		n;

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT %s", quote_identifier(get_attname(spec->relid, spec->key_attnum, false)));
	for (int i = 0; i < spec->nsort; i++)
		appendStringInfo(&sql, ", %s", quote_identifier(get_attname(spec->relid, spec->sort[i].attnum, false)));
	if (route_attnum > 0)
		appendStringInfo(&sql, ", %s", quote_identifier(get_attname(spec->relid, route_attnum, false)));
	appendStringInfo(&sql, " FROM ONLY %s WHERE %s = ANY ($1)",
					 quote_qualified_identifier(get_namespace_name(get_rel_namespace(spec->relid)),
												get_rel_name(spec->relid)),
					 quote_identifier(get_attname(spec->relid, spec->key_attnum, false)));

	SPI_connect();
	if (SPI_execute_with_args(sql.data, 1, &argtype, &keys, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "pg_reactive: could not read changed rows");
	n = SPI_processed;
	old = MemoryContextSwitchTo(spec->cxt);
	if (spec->keys)
		pfree(spec->keys);
	spec->keys = palloc(sizeof(int64) * Max(nkeys, 1));
	for (int i = 0; i < nkeys; i++)
		spec->keys[i] = DatumGetInt64(key_elems[i]);
	qsort(spec->keys, nkeys, sizeof(int64), cmp_int64);
	spec->nkeys = nkeys;
	if (spec->row_key)
	{
		pfree(spec->row_key);
		pfree(spec->row_values);
		pfree(spec->row_nulls);
		pfree(spec->row_has_hash);
		pfree(spec->row_hash);
	}
	spec->nrows = n;
	spec->row_key = palloc(sizeof(int64) * Max(n, 1));
	spec->row_values = palloc(sizeof(Datum) * Max(n * spec->nsort, 1));
	spec->row_nulls = palloc(sizeof(bool) * Max(n * spec->nsort, 1));
	spec->row_has_hash = palloc0(sizeof(bool) * Max(n, 1));
	spec->row_hash = palloc0(sizeof(uint32) * Max(n, 1));
	spec->route_attnum = route_attnum;
	if (route_attnum > 0)
	{
		Oid			type = get_atttype(spec->relid, route_attnum);
		TypeCacheEntry *tc = lookup_type_cache(type, TYPECACHE_HASH_PROC_FINFO);
		Oid			typmodcoll;
		int32		typmod;

		get_atttypetypmodcoll(spec->relid, route_attnum, &type, &typmod, &typmodcoll);
		spec->route_collation = typmodcoll;
		if (OidIsValid(tc->hash_proc_finfo.fn_oid))
			fmgr_info_copy(&spec->route_hash, &tc->hash_proc_finfo, spec->cxt);
		else
			spec->route_attnum = 0;
	}
	for (uint64 r = 0; r < n; r++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Datum		key = SPI_getbinval(tuple, desc, 1, &isnull);
		Oid			keytype = SPI_gettypeid(desc, 1);

		spec->row_key[r] = keytype == INT2OID ? DatumGetInt16(key) :
			keytype == INT4OID ? DatumGetInt32(key) : DatumGetInt64(key);
		for (int i = 0; i < spec->nsort; i++)
		{
			Datum		d = SPI_getbinval(tuple, desc, i + 2, &isnull);
			int16		typlen;
			bool		typbyval;

			get_typlenbyval(spec->sort[i].type, &typlen, &typbyval);
			spec->row_nulls[r * spec->nsort + i] = isnull;
			spec->row_values[r * spec->nsort + i] = isnull ? (Datum) 0 : datumCopy(d, typbyval, typlen);
		}
		if (spec->route_attnum > 0)
		{
			Datum		d = SPI_getbinval(tuple, desc, spec->nsort + 2, &isnull);

			if (!isnull)
			{
				spec->row_has_hash[r] = true;
				spec->row_hash[r] = DatumGetUInt32(FunctionCall1Coll(&spec->route_hash, spec->route_collation, d));
			}
		}
	}
	MemoryContextSwitchTo(old);
	SPI_finish();
	spec->rows_cycle = pgr_cycle_number;
}

/* <0, 0, >0: where changed row r sorts against the values of the last row. */
static int
compare_to_last(TopN *spec, int r, Datum *last, bool *last_null)
{
	for (int i = 0; i < spec->nsort; i++)
	{
		SortItem   *item = &spec->sort[i];
		bool		a_null = spec->row_nulls[r * spec->nsort + i];
		int			c;

		if (a_null && last_null[i])
			continue;
		if (a_null)
			return item->nulls_first ? -1 : 1;
		if (last_null[i])
			return item->nulls_first ? 1 : -1;
		c = DatumGetInt32(FunctionCall2Coll(&item->cmp, item->collation, spec->row_values[r * spec->nsort + i], last[i]));
		if (item->reverse)
			c = -c;
		if (c != 0)
			return c;
	}
	return 0;
}

/*
 * pgr._topn_skip(query_id int8, sql text, param_types regtype[], search_path text, relid oid,
 *                keys int8[], prev jsonb, route_attnum int2, route_hash int4) -> boolean
 * True when no change among keys (the cycle's changed keys of relid, all of them)
 * can alter the feed's top-N result prev: evaluating it would find the same rows.
 */
Datum
pgr_topn_skip(PG_FUNCTION_ARGS)
{
	TopN	   *spec;
	ArrayType  *keys;
	int			nkeys;
	Datum	   *key_elems;
	Jsonb	   *prev;
	int			count;
	Datum	   *last;
	bool	   *last_null;
	JsonbValue *last_row = NULL;
	AttrNumber	route_attnum = PG_ARGISNULL(7) ? 0 : PG_GETARG_INT16(7);
	bool		sees_none = route_attnum > 0 && PG_ARGISNULL(8);
	uint32		route_hash = PG_ARGISNULL(8) ? 0 : (uint32) PG_GETARG_INT32(8);

	if (!pgr_routing || PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3) ||
		PG_ARGISNULL(4) || PG_ARGISNULL(5) || PG_ARGISNULL(6))
		PG_RETURN_BOOL(false);
	spec = pgr_topn_spec_of(PG_GETARG_INT64(0), PG_GETARG_TEXT_PP(1), PG_GETARG_ARRAYTYPE_P(2), PG_GETARG_TEXT_PP(3));
	if (!spec->ok || spec->relid != PG_GETARG_OID(4))
		PG_RETURN_BOOL(false);
	keys = PG_GETARG_ARRAYTYPE_P(5);
	deconstruct_array(keys, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &key_elems, NULL, &nkeys);
	if (nkeys == 0)
		PG_RETURN_BOOL(true);	/* the table is dirty but no row of it changed (a subscribe) */
	prev = PG_GETARG_JSONB_P(6);
	if (!JB_ROOT_IS_ARRAY(prev) || JB_ROOT_IS_SCALAR(prev))
		PG_RETURN_BOOL(false);
	count = JB_ROOT_COUNT(prev);
	if (count < spec->limit)
		PG_RETURN_BOOL(false);	/* not full: any new row may enter */

	/* every feed of the query gets the same keys in a cycle: read their rows once */
	if (spec->rows_cycle != pgr_cycle_number || pgr_cycle_number == 0)
		fetch_rows(spec, PointerGetDatum(keys), key_elems, nkeys, route_attnum);

	/* a changed row that is in the result may leave or move */
	for (int i = 0; i < count; i++)
	{
		JsonbValue *row = getIthJsonbValueFromContainer(&prev->root, i);
		JsonbValue *k = field_of(row, spec->key_name);
		char	   *s = k ? pgr_jsonb_value_text(k) : NULL;
		int64		key;

		if (s == NULL)
			PG_RETURN_BOOL(false);
		key = DatumGetInt64(DirectFunctionCall1(int8in, CStringGetDatum(s)));
		if (bsearch(&key, spec->keys, spec->nkeys, sizeof(int64), cmp_int64) != NULL)
			PG_RETURN_BOOL(false);
		if (i == count - 1)
			last_row = row;
	}

	last = palloc(sizeof(Datum) * spec->nsort);
	last_null = palloc(sizeof(bool) * spec->nsort);
	for (int i = 0; i < spec->nsort; i++)
	{
		JsonbValue *v = field_of(last_row, spec->sort[i].name);
		char	   *s;

		if (v == NULL)
			PG_RETURN_BOOL(false);
		s = pgr_jsonb_value_text(v);
		last_null[i] = s == NULL;
		if (s == NULL && v->type != jbvNull)
			PG_RETURN_BOOL(false);
		last[i] = s ? OidInputFunctionCall(spec->sort[i].typinput, s, spec->sort[i].typioparam, -1) : (Datum) 0;
	}

	for (int r = 0; r < spec->nrows; r++)
	{
		/* a row that does not carry the feed's route value is not the feed's */
		if (route_attnum > 0 && spec->route_attnum == route_attnum &&
			(sees_none || !spec->row_has_hash[r] || spec->row_hash[r] != route_hash))
			continue;
		if (compare_to_last(spec, r, last, last_null) <= 0)
			PG_RETURN_BOOL(false);
	}
	PG_RETURN_BOOL(true);
}
