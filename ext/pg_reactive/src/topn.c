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
 */
#include "pg_reactive.h"

#include "access/nbtree.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "tcop/tcopprot.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

PG_FUNCTION_INFO_V1(pgr_topn);
PG_FUNCTION_INFO_V1(pgr_topn_skip);

typedef struct SortItem
{
	AttrNumber	attnum;
	char	   *name;			/* output column: the stored rows carry it */
	Oid			type;
	Oid			collation;
	bool		reverse;		/* DESC */
	bool		nulls_first;
	FmgrInfo	cmp;
	Oid			typinput;
	Oid			typioparam;
} SortItem;

/* What makes a live query a top-N query, and this cycle's new versions of its changed rows. */
typedef struct TopN
{
	int64		query_id;		/* hash key */
	uint64		generation;		/* catalog generation it was built in */
	bool		ok;
	char	   *why;			/* what it skips, or why it cannot */
	Oid			relid;
	AttrNumber	key_attnum;		/* the table's integer primary key, an output column */
	char	   *key_name;
	int64		limit;
	int			nsort;
	SortItem   *sort;
	MemoryContext cxt;			/* the spec and the rows */
	/* the cycle's rows */
	uint64		rows_cycle;		/* 0: none */
	AttrNumber	route_attnum;	/* the route column fetched with them, 0: none */
	FmgrInfo	route_hash;
	Oid			route_collation;
	int			nkeys;
	int64	   *keys;			/* the changed keys, sorted */
	int			nrows;
	int64	   *row_key;
	Datum	   *row_values;		/* nrows × nsort */
	bool	   *row_nulls;
	bool	   *row_has_hash;
	uint32	   *row_hash;
} TopN;

static HTAB *specs = NULL;

/* Types whose to_jsonb text reads back to the same value with their input function. */
static bool
round_trips(Oid type)
{
	switch (type)
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case NUMERICOID:
		case FLOAT4OID:
		case FLOAT8OID:
		case TEXTOID:
		case VARCHAROID:
		case BOOLOID:
		case DATEOID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
		case UUIDOID:
			return true;
		default:
			return false;
	}
}

/* The output column of a plain Var of the one relation, or NULL. */
static TargetEntry *
output_of(Query *query, AttrNumber attnum)
{
	ListCell   *lc;

	foreach(lc, query->targetList)
	{
		TargetEntry *te = lfirst(lc);
		Var		   *var = (Var *) te->expr;

		if (!te->resjunk && te->resname && IsA(var, Var) && var->varno == 1 && var->varlevelsup == 0 &&
			var->varattno == attnum)
			return te;
	}
	return NULL;
}

/* Fill spec from the analysed query; sets ok, or why not. */
static void
analyze_topn(TopN *spec, Query *query)
{
	RangeTblEntry *rte;
	Bitmapset  *pk;
	Oid			constraint;
	Const	   *limit;
	ListCell   *lc;
	int			i = 0;
	TargetEntry *key;

	spec->ok = false;
	if (query->limitCount == NULL || query->sortClause == NIL)
	{
		spec->why = "no ORDER BY … LIMIT";
		return;
	}
	if (list_length(query->rtable) != 1 || query->hasSubLinks || query->cteList || query->setOperations ||
		query->hasAggs || query->groupClause || query->groupingSets || query->havingQual ||
		query->distinctClause || query->hasWindowFuncs || query->hasTargetSRFs ||
		query->limitOption != LIMIT_OPTION_COUNT)
	{
		spec->why = "not a plain ORDER BY … LIMIT over one table (a join, aggregate, DISTINCT, window or subquery)";
		return;
	}
	rte = linitial(query->rtable);
	if (rte->rtekind != RTE_RELATION || get_rel_relkind(rte->relid) != RELKIND_RELATION ||
		(rte->inh && has_subclass(rte->relid)))
	{
		spec->why = "not a plain table";
		return;
	}
	/* LIMIT 25 is int8(25) until folded */
	limit = (Const *) eval_const_expressions(NULL, query->limitCount);
	if (query->limitOffset)
		query->limitOffset = eval_const_expressions(NULL, query->limitOffset);
	if (!IsA(limit, Const) || limit->constisnull || limit->consttype != INT8OID || DatumGetInt64(limit->constvalue) <= 0 ||
		(query->limitOffset != NULL &&
		 !(IsA(query->limitOffset, Const) && !((Const *) query->limitOffset)->constisnull &&
		   DatumGetInt64(((Const *) query->limitOffset)->constvalue) == 0)))
	{
		spec->why = "LIMIT is not a positive constant, or there is an OFFSET";
		return;
	}
	pk = get_primary_key_attnos(rte->relid, false, &constraint);
	if (bms_num_members(pk) != 1)
	{
		spec->why = "the table has no one-column primary key";
		return;
	}
	spec->key_attnum = bms_next_member(pk, -1) + FirstLowInvalidHeapAttributeNumber;
	key = output_of(query, spec->key_attnum);
	if (key == NULL || !(exprType((Node *) key->expr) == INT2OID || exprType((Node *) key->expr) == INT4OID ||
						 exprType((Node *) key->expr) == INT8OID))
	{
		spec->why = "the integer primary key is not an output column";
		return;
	}
	spec->key_name = pstrdup(key->resname);
	spec->relid = rte->relid;
	spec->limit = DatumGetInt64(limit->constvalue);
	spec->nsort = list_length(query->sortClause);
	spec->sort = palloc0(sizeof(SortItem) * spec->nsort);
	foreach(lc, query->sortClause)
	{
		SortGroupClause *sgc = lfirst(lc);
		TargetEntry *te = get_sortgroupclause_tle(sgc, query->targetList);
		Var		   *var = (Var *) te->expr;
		SortItem   *item = &spec->sort[i++];
		Oid			opfamily;
		Oid			opcintype;
		int16		strategy;

		if (te->resjunk || !IsA(var, Var) || var->varno != 1 || var->varlevelsup != 0 || var->varattno <= 0 ||
			output_of(query, var->varattno) != te)
		{
			spec->why = "an ORDER BY item is not an output column of the table";
			return;
		}
		if (!round_trips(var->vartype) ||
			!get_ordering_op_properties(sgc->sortop, &opfamily, &opcintype, &strategy))
		{
			spec->why = psprintf("ORDER BY %s: its type is not compared here", te->resname);
			return;
		}
		item->attnum = var->varattno;
		item->name = pstrdup(te->resname);
		item->type = var->vartype;
		item->collation = var->varcollid;
		item->reverse = strategy == BTGreaterStrategyNumber;
		item->nulls_first = sgc->nulls_first;
		fmgr_info_cxt(get_opfamily_proc(opfamily, opcintype, opcintype, BTORDER_PROC), &item->cmp, spec->cxt);
		getTypeInputInfo(var->vartype, &item->typinput, &item->typioparam);
	}
	spec->ok = true;
	{
		StringInfoData buf;

		initStringInfo(&buf);
		appendStringInfo(&buf, "a change that sorts after the last of the %lld rows (ORDER BY", (long long) spec->limit);
		for (i = 0; i < spec->nsort; i++)
			appendStringInfo(&buf, "%s %s%s%s", i ? "," : "", quote_identifier(spec->sort[i].name),
							 spec->sort[i].reverse ? " DESC" : "",
							 spec->sort[i].nulls_first != spec->sort[i].reverse ? (spec->sort[i].nulls_first ? " NULLS FIRST" : " NULLS LAST") : "");
		appendStringInfoString(&buf, ") and was not among them is skipped");
		spec->why = buf.data;
	}
}

typedef struct SpecBuild
{
	TopN	   *spec;
	const char *sql;
	int			ntypes;
	Oid		   *types;
	const char *search_path;
} SpecBuild;

static void
run_spec_build(void *arg)
{
	SpecBuild  *a = arg;
	int			level = NewGUCNestLevel();
	List	   *raw;
	List	   *queries = NIL;
	MemoryContext old = MemoryContextSwitchTo(a->spec->cxt);

	(void) set_config_option("search_path", a->search_path, PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	raw = pg_parse_query(a->sql);
	if (list_length(raw) == 1)
		queries = pg_analyze_and_rewrite_fixedparams(linitial(raw), a->sql, a->types, a->ntypes, NULL);
	AtEOXact_GUC(true, level);
	if (list_length(queries) == 1)
		analyze_topn(a->spec, linitial(queries));
	else
		a->spec->why = "not a single query";
	MemoryContextSwitchTo(old);
}

/* Parse sql with search_path (in a subtransaction: a query that no longer parses is just not top-N). */
static void
build_spec(TopN *spec, const char *sql, int ntypes, Oid *types, const char *search_path)
{
	SpecBuild	a = {spec, sql, ntypes, types, search_path};

	if (pgr_run_in_subxact(run_spec_build, &a, CurrentMemoryContext) != NULL)
	{
		spec->ok = false;
		spec->why = "the query cannot be analysed";
	}
}

static Oid *
types_of(ArrayType *arr, int *n)
{
	Datum	   *elems;
	Oid		   *types;

	deconstruct_array(arr, REGTYPEOID, sizeof(Oid), true, TYPALIGN_INT, &elems, NULL, n);
	types = palloc(sizeof(Oid) * Max(*n, 1));
	for (int i = 0; i < *n; i++)
		types[i] = DatumGetObjectId(elems[i]);
	return types;
}

/* The spec of a live query, built once per catalog generation. */
static TopN *
spec_of(int64 query_id, text *sql, ArrayType *param_types, text *search_path)
{
	TopN	   *spec;
	bool		found;

	if (specs == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(int64);
		ctl.entrysize = sizeof(TopN);
		specs = hash_create("pg_reactive top-N", 64, &ctl, HASH_ELEM | HASH_BLOBS);
	}
	spec = hash_search(specs, &query_id, HASH_ENTER, &found);
	if (found && spec->generation == pgr_catalog_generation)
		return spec;
	if (found)
		MemoryContextDelete(spec->cxt);
	memset(((char *) spec) + sizeof(int64), 0, sizeof(TopN) - sizeof(int64));
	spec->generation = pgr_catalog_generation;
	spec->cxt = AllocSetContextCreate(TopMemoryContext, "pg_reactive top-N query", ALLOCSET_SMALL_SIZES);
	{
		int			ntypes;
		Oid		   *types = types_of(param_types, &ntypes);

		build_spec(spec, text_to_cstring(sql), ntypes, types, text_to_cstring(search_path));
	}
	return spec;
}

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
	spec = spec_of(PG_GETARG_INT64(0), PG_GETARG_TEXT_PP(1), PG_GETARG_ARRAYTYPE_P(2), PG_GETARG_TEXT_PP(3));
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

/* pgr._topn(sql text, param_types regtype[], search_path text) -> text: what the top-N skip does for a query, or why not. */
Datum
pgr_topn(PG_FUNCTION_ARGS)
{
	TopN		spec = {0};
	int			ntypes;
	Oid		   *types = types_of(PG_GETARG_ARRAYTYPE_P(1), &ntypes);

	spec.cxt = CurrentMemoryContext;
	build_spec(&spec, text_to_cstring(PG_GETARG_TEXT_PP(0)), ntypes, types, text_to_cstring(PG_GETARG_TEXT_PP(2)));
	PG_RETURN_TEXT_P(cstring_to_text(psprintf("%s%s", spec.ok ? "" : "no: ", spec.why)));
}
