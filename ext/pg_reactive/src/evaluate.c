/*
 * evaluate.c — what a live query reads and what it returns.
 *
 * pgr._analyze() parses and rewrites a SELECT once at define time: the base tables
 * it reads (through views, subqueries, CTEs, inheritance), its parameter types,
 * whether it can change without a write, and a key it exposes. pgr._eval() runs it
 * with bound parameters as the current role and returns the rows as a jsonb array
 * (pgr._evaluate() with each row's json text beside it, which is what it evaluates to).
 * Neither writes anything; the caller owns role, claims and search_path.
 */
#include "pg_reactive.h"

#include "access/htup_details.h"
#include "catalog/catalog.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "parser/parser.h"
#include "tcop/tcopprot.h"
#include "utils/array.h"
#include "common/hashfn.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

PG_FUNCTION_INFO_V1(pgr_analyze);
PG_FUNCTION_INFO_V1(pgr_eval);
PG_FUNCTION_INFO_V1(pgr_evaluate);
PG_FUNCTION_INFO_V1(pgr_rows);
PG_FUNCTION_INFO_V1(pgr_enter);

typedef struct AnalyzeState
{
	List	   *relids;			/* base tables to capture (with partitions/children) */
	bool		changes_alone;	/* result can change without any write */
	char	   *why;			/* what made it so, for the error message */
} AnalyzeState;

static bool
is_time_function(Oid funcid)
{
	static const char *const names[] = {
		"now", "transaction_timestamp", "statement_timestamp", "clock_timestamp",
		"timeofday", "age", NULL
	};
	char	   *name;

	if (get_func_namespace(funcid) != PG_CATALOG_NAMESPACE)
		return false;
	name = get_func_name(funcid);
	if (name == NULL)
		return false;
	for (int i = 0; names[i]; i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

static void
add_relation(AnalyzeState *st, RangeTblEntry *rte)
{
	char		relkind = get_rel_relkind(rte->relid);

	if (get_rel_persistence(rte->relid) == RELPERSISTENCE_TEMP)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("live queries cannot read temporary table \"%s\"", get_rel_name(rte->relid)),
				 errhint("The background worker cannot see another session's temporary tables; use a regular table.")));

	/* before PG 16 an expanded view keeps OLD/NEW entries for itself: its tables come via the subquery */
	if (relkind == RELKIND_VIEW)
		return;
	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
	{
		/* materialized views, foreign tables: no triggers, so only a refresh sees changes */
		st->changes_alone = true;
		st->why = psprintf("relation \"%s\" cannot be watched for writes", get_rel_name(rte->relid));
		return;
	}
	if (IsCatalogRelationOid(rte->relid))
	{
		st->changes_alone = true;
		st->why = psprintf("system catalog \"%s\" cannot be watched for writes", get_rel_name(rte->relid));
		return;
	}
	if (rte->inh || relkind == RELKIND_PARTITIONED_TABLE)
	{
		ListCell   *lc;

		foreach(lc, find_all_inheritors(rte->relid, AccessShareLock, NULL))
			st->relids = list_append_unique_oid(st->relids, lfirst_oid(lc));
	}
	else
		st->relids = list_append_unique_oid(st->relids, rte->relid);
}

static bool
analyze_walker(Node *node, AnalyzeState *st)
{
	if (node == NULL)
		return false;
	if (IsA(node, Query))
		return query_tree_walker((Query *) node, analyze_walker, (void *) st, QTW_EXAMINE_RTES_BEFORE);
	if (IsA(node, RangeTblEntry))
	{
		RangeTblEntry *rte = (RangeTblEntry *) node;

		if (rte->rtekind == RTE_RELATION)
			add_relation(st, rte);
		return false;
	}
	if (IsA(node, FuncExpr) && is_time_function(((FuncExpr *) node)->funcid))
	{
		st->changes_alone = true;
		st->why = psprintf("function %s() depends on the clock", get_func_name(((FuncExpr *) node)->funcid));
	}
	if (IsA(node, SQLValueFunction))
	{
		SQLValueFunctionOp op = ((SQLValueFunction *) node)->op;

		if (op >= SVFOP_CURRENT_DATE && op <= SVFOP_LOCALTIMESTAMP_N)
		{
			st->changes_alone = true;
			st->why = pstrdup("CURRENT_DATE, CURRENT_TIME and LOCALTIME depend on the clock");
		}
	}
	return expression_tree_walker(node, analyze_walker, (void *) st);
}

/* The key a single-table query exposes: its primary key columns, when all are output. */
static List *
infer_key(Query *query)
{
	RangeTblRef *rtr;
	RangeTblEntry *rte;
	Bitmapset  *pk;
	Oid			constraint;
	List	   *key = NIL;
	int			attno = -1;

	if (list_length(query->jointree->fromlist) != 1 || query->setOperations || query->hasAggs ||
		query->groupClause || query->groupingSets || query->hasTargetSRFs || query->hasWindowFuncs)
		return NIL;
	if (!IsA(linitial(query->jointree->fromlist), RangeTblRef))
		return NIL;
	rtr = linitial(query->jointree->fromlist);
	rte = rt_fetch(rtr->rtindex, query->rtable);
	if (rte->rtekind != RTE_RELATION)
		return NIL;
	pk = get_primary_key_attnos(rte->relid, false, &constraint);
	if (pk == NULL)
		return NIL;

	while ((attno = bms_next_member(pk, attno)) >= 0)
	{
		AttrNumber	want = attno + FirstLowInvalidHeapAttributeNumber;
		ListCell   *lc;
		char	   *found = NULL;

		foreach(lc, query->targetList)
		{
			TargetEntry *te = lfirst(lc);
			Var		   *var = (Var *) te->expr;

			if (te->resjunk || !IsA(var, Var))
				continue;
			if (var->varno == rtr->rtindex && var->varlevelsup == 0 && var->varattno == want)
			{
				found = te->resname;
				break;
			}
		}
		if (found == NULL)
			return NIL;
		key = lappend(key, makeString(found));
	}
	return key;
}

/*
 * The output column of a single-table query that can be evaluated on changed rows
 * alone: the key is the table's one integer primary key column, and no clause makes
 * a row's presence depend on other rows (aggregates, DISTINCT, LIMIT, sublinks...).
 */
static char *
incremental_key(Query *query, List *key, List *relids)
{
	RangeTblEntry *rte;
	Oid			type;
	ListCell   *lc;

	if (list_length(key) != 1 || list_length(query->rtable) != 1 || list_length(relids) != 1)
		return NULL;
	if (query->distinctClause || query->limitCount || query->limitOffset || query->hasSubLinks ||
		query->cteList || query->havingQual || query->hasRecursive)
		return NULL;
	rte = linitial(query->rtable);
	if (rte->rtekind != RTE_RELATION || get_rel_relkind(rte->relid) != RELKIND_RELATION ||
		get_rel_relispartition(rte->relid))
		return NULL;
	foreach(lc, query->targetList)
	{
		TargetEntry *te = lfirst(lc);

		if (!te->resjunk && strcmp(te->resname, strVal(linitial(key))) == 0)
		{
			type = exprType((Node *) te->expr);
			if (type == INT2OID || type == INT4OID || type == INT8OID)
				return te->resname;
		}
	}
	return NULL;
}

/*
 * How a query's rows are ordered, for the incremental path: NULL without ORDER BY;
 * "key" / "key desc" when it orders by its integer incremental key alone with the
 * type's own < or > (PostgreSQL's order is then integer order, which pgr._patch can
 * merge by); "query" for anything else, which only an evaluation can place.
 */
static const char *
order_kind(Query *query, const char *inc)
{
	SortGroupClause *sort;
	TargetEntry *te;
	TypeCacheEntry *type;

	if (query->sortClause == NIL)
		return NULL;
	if (inc == NULL || list_length(query->sortClause) != 1)
		return "query";
	sort = linitial(query->sortClause);
	te = get_sortgroupclause_tle(sort, query->targetList);
	if (te->resjunk || te->resname == NULL || strcmp(te->resname, inc) != 0)
		return "query";
	type = lookup_type_cache(exprType((Node *) te->expr), TYPECACHE_LT_OPR | TYPECACHE_GT_OPR);
	if (sort->sortop == type->lt_opr)
		return "key";
	if (sort->sortop == type->gt_opr)
		return "key desc";
	return "query";
}

static ArrayType *
text_list_to_array(List *names)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(list_length(names), 1));
	int			n = 0;
	ListCell   *lc;

	foreach(lc, names)
		elems[n++] = CStringGetTextDatum(strVal(lfirst(lc)));
	return construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT);
}

static ArrayType *
oid_array(Oid *oids, int n, Oid elemtype)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));

	for (int i = 0; i < n; i++)
		elems[i] = ObjectIdGetDatum(oids[i]);
	return construct_array(elems, n, elemtype, sizeof(Oid), true, TYPALIGN_INT);
}

/*
 * pgr._analyze(sql text, param_types regtype[]) ->
 *   (tables oid[], param_types regtype[], changes_alone bool, why text, key text[], columns text[],
 *    incremental_key text, ordered text)
 */
Datum
pgr_analyze(PG_FUNCTION_ARGS)
{
	char	   *sql = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Oid		   *types = NULL;
	int			ntypes = 0;
	List	   *raw;
	RawStmt    *rawstmt;
	List	   *queries;
	Query	   *query;
	AnalyzeState st = {0};
	List	   *columns = NIL;
	List	   *key;
	ListCell   *lc;
	Oid		   *relids;
	int			nrel = 0;
	TupleDesc	tupdesc;
	Datum		values[8];
	bool		nulls[8] = {0};
	char	   *inc;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "pgr._analyze must return a composite type");
	tupdesc = BlessTupleDesc(tupdesc);

	raw = pg_parse_query(sql);
	if (list_length(raw) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a live query must be exactly one statement"),
				 errhint("Pass a single SELECT without a trailing second statement.")));
	rawstmt = linitial(raw);
	if (!IsA(rawstmt->stmt, SelectStmt) || ((SelectStmt *) rawstmt->stmt)->intoClause != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("a live query must be a SELECT"),
				 errhint("INSERT, UPDATE, DELETE, SELECT INTO and utility statements cannot be live queries.")));

	if (!PG_ARGISNULL(1))
	{
		ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(1);
		Datum	   *elems;
		bool	   *elnulls;

		deconstruct_array(arr, REGTYPEOID, sizeof(Oid), true, TYPALIGN_INT, &elems, &elnulls, &ntypes);
		types = palloc(sizeof(Oid) * Max(ntypes, 1));
		for (int i = 0; i < ntypes; i++)
			types[i] = elnulls[i] ? UNKNOWNOID : DatumGetObjectId(elems[i]);
		queries = pg_analyze_and_rewrite_fixedparams(rawstmt, sql, types, ntypes, NULL);
	}
	else
		queries = pg_analyze_and_rewrite_varparams(rawstmt, sql, &types, &ntypes, NULL);

	if (list_length(queries) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("a live query must rewrite to exactly one query"),
				 errhint("Rules that add statements cannot be used in live queries.")));
	query = linitial(queries);
	if (query->commandType != CMD_SELECT || query->utilityStmt != NULL || query->hasModifyingCTE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("a live query must be a SELECT"),
				 errhint("Data-modifying WITH clauses are not allowed in live queries.")));
	if (query->rowMarks != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("a live query cannot lock rows"),
				 errhint("Remove FOR UPDATE / FOR SHARE from the query.")));

	(void) analyze_walker((Node *) query, &st);
	if (contain_volatile_functions((Node *) query))
	{
		st.changes_alone = true;
		st.why = pstrdup("the query calls a volatile function");
	}

	foreach(lc, query->targetList)
	{
		TargetEntry *te = lfirst(lc);

		if (!te->resjunk)
			columns = lappend(columns, makeString(te->resname ? te->resname : "?column?"));
	}
	key = infer_key(query);

	relids = palloc(sizeof(Oid) * Max(list_length(st.relids), 1));
	foreach(lc, st.relids)
		relids[nrel++] = lfirst_oid(lc);

	values[0] = PointerGetDatum(oid_array(relids, nrel, OIDOID));
	for (int i = 0; i < ntypes; i++)
		if (types[i] == UNKNOWNOID)
			types[i] = TEXTOID;
	values[1] = PointerGetDatum(oid_array(types, ntypes, REGTYPEOID));
	values[2] = BoolGetDatum(st.changes_alone);
	if (st.why)
		values[3] = CStringGetTextDatum(st.why);
	else
		nulls[3] = true;
	if (key != NIL)
		values[4] = PointerGetDatum(text_list_to_array(key));
	else
		nulls[4] = true;
	values[5] = PointerGetDatum(text_list_to_array(columns));
	inc = st.changes_alone ? NULL : incremental_key(query, key, st.relids);
	if (inc)
		values[6] = CStringGetTextDatum(inc);
	else
		nulls[6] = true;
	{
		const char *order = order_kind(query, inc);

		if (order)
			values[7] = CStringGetTextDatum(order);
		else
			nulls[7] = true;
	}

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* A jsonb array element as the text input of its parameter type; NULL for json null. */
char *
pgr_jsonb_element_text(Jsonb *params, int i)
{
	return pgr_jsonb_value_text(getIthJsonbValueFromContainer(&params->root, i));
}

/* A jsonb value as the text ->> gives: strings unquoted, containers as JSON; NULL for json null. */
char *
pgr_jsonb_value_text(JsonbValue *v)
{
	if (v == NULL || v->type == jbvNull)
		return NULL;
	switch (v->type)
	{
		case jbvString:
			return pnstrdup(v->val.string.val, v->val.string.len);
		case jbvNumeric:
			return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
		case jbvBool:
			return pstrdup(v->val.boolean ? "true" : "false");
		case jbvBinary:
			return JsonbToCString(NULL, v->val.binary.data, v->val.binary.len);
		default:
			return NULL;
	}
}

/*
 * Prepared plans of wrapped live queries, kept for the life of the backend (the
 * worker evaluates the same queries again and again). The plan cache replans on
 * DDL, search_path and, for RLS-dependent plans, role changes, so reuse is safe.
 */
typedef struct EvalPlan
{
	uint64		hash;			/* key: hash of sql and parameter types */
	char	   *sql;			/* wrapped query, to rule out collisions */
	int			ntypes;
	Oid			types[FUNC_MAX_ARGS];
	SPIPlanPtr	plan;
} EvalPlan;

#define PGR_MAX_CACHED_PLANS 4096

static HTAB *eval_plans = NULL;

SPIPlanPtr
pgr_eval_plan_get(const char *query, int ntypes, Oid *types)
{
	uint64		hash = hash_bytes_extended((const unsigned char *) query, strlen(query), 0);
	EvalPlan   *entry;
	bool		found;
	SPIPlanPtr	plan;

	if (ntypes > FUNC_MAX_ARGS)
		return NULL;
	hash = hash_combine64(hash, hash_bytes_extended((const unsigned char *) types, sizeof(Oid) * ntypes, ntypes));

	if (eval_plans == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(uint64);
		ctl.entrysize = sizeof(EvalPlan);
		eval_plans = hash_create("pg_reactive plans", 256, &ctl, HASH_ELEM | HASH_BLOBS);
	}
	entry = hash_search(eval_plans, &hash, HASH_FIND, &found);
	if (found)
	{
		if (entry->ntypes == ntypes && strcmp(entry->sql, query) == 0 &&
			memcmp(entry->types, types, sizeof(Oid) * ntypes) == 0)
			return entry->plan;
		return NULL;			/* hash collision: run uncached */
	}

	if (hash_get_num_entries(eval_plans) >= PGR_MAX_CACHED_PLANS)
	{
		HASH_SEQ_STATUS seq;
		EvalPlan   *e;

		hash_seq_init(&seq, eval_plans);
		while ((e = hash_seq_search(&seq)) != NULL)
		{
			SPI_freeplan(e->plan);
			pfree(e->sql);
			hash_search(eval_plans, &e->hash, HASH_REMOVE, NULL);
		}
	}

	plan = SPI_prepare(query, ntypes, types);
	if (plan == NULL)
		elog(ERROR, "pg_reactive: could not prepare live query: %s", SPI_result_code_string(SPI_result));
	SPI_keepplan(plan);
	entry = hash_search(eval_plans, &hash, HASH_ENTER, &found);
	entry->sql = MemoryContextStrdup(TopMemoryContext, query);
	entry->ntypes = ntypes;
	memcpy(entry->types, types, sizeof(Oid) * ntypes);
	entry->plan = plan;
	return plan;
}

/*
 * Run a live query with its parameters (a jsonb array, one element per $n) as the current
 * role with the current settings, restricted to the rows whose restrict_key is in
 * restrict_to when restrict_key is not NULL (the incremental path). Returns each row's json
 * text in the query's order (to_json, as PostgREST renders a row: columns in the query's
 * order, json columns as written, floats as float8out writes them), allocated in the
 * caller's context.
 */
ArrayType *
pgr_eval_texts(const char *query_sql, ArrayType *param_types, Jsonb *params,
			   const char *restrict_key, Datum restrict_to)
{
	MemoryContext outer = CurrentMemoryContext;
	char	   *sql = pstrdup(query_sql);
	Datum	   *typelems;
	bool	   *typnulls;
	int			ntypes;
	Oid		   *types;
	Datum	   *values;
	char	   *nulls;
	int			len;
	char	   *query;
	bool		isnull;
	int			ret;
	ArrayType  *texts;

	/* a trailing semicolon would end the wrapping subquery early */
	len = strlen(sql);
	while (len > 0 && (sql[len - 1] == ';' || isspace((unsigned char) sql[len - 1])))
		sql[--len] = '\0';

	deconstruct_array(param_types, REGTYPEOID, sizeof(Oid), true, TYPALIGN_INT, &typelems, &typnulls, &ntypes);
	if (!JB_ROOT_IS_ARRAY(params) || (int) JB_ROOT_COUNT(params) != ntypes)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("live query expects %d parameters, got %s", ntypes,
						JB_ROOT_IS_ARRAY(params) ? psprintf("%u", JB_ROOT_COUNT(params)) : "a non-array"),
				 errhint("Pass the parameters as a jsonb array, one element per $n.")));

	types = palloc(sizeof(Oid) * (ntypes + 1));
	values = palloc(sizeof(Datum) * (ntypes + 1));
	nulls = palloc(ntypes + 1);
	for (int i = 0; i < ntypes; i++)
	{
		char	   *text = pgr_jsonb_element_text(params, i);
		Oid			typinput;
		Oid			typioparam;

		types[i] = DatumGetObjectId(typelems[i]);
		if (text == NULL)
		{
			values[i] = (Datum) 0;
			nulls[i] = 'n';
			continue;
		}
		getTypeInputInfo(types[i], &typinput, &typioparam);
		values[i] = OidInputFunctionCall(typinput, text, typioparam, -1);
		nulls[i] = ' ';
	}

	if (restrict_key != NULL)
	{
		query = psprintf("SELECT " PGR_TEXTS " FROM (%s\n) pgr_q WHERE pgr_q.%s = ANY ($%d)",
						 sql, quote_identifier(restrict_key), ntypes + 1);
		types[ntypes] = INT8ARRAYOID;
		values[ntypes] = restrict_to;
		nulls[ntypes] = ' ';
		ntypes++;
	}
	else
		query = psprintf("SELECT " PGR_TEXTS " FROM (%s\n) pgr_q", sql);

	SPI_connect();
	{
		SPIPlanPtr	plan = pgr_eval_plan_get(query, ntypes, types);

		if (plan != NULL)
			ret = SPI_execute_plan(plan, values, nulls, false, 0);
		else
			ret = SPI_execute_with_args(query, ntypes, types, values, nulls, false, 0);
	}
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "pg_reactive: live query evaluation returned no result");
	{
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		MemoryContext old = MemoryContextSwitchTo(outer);

		texts = DatumGetArrayTypePCopy(d);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	return texts;
}

/*
 * The rows whose json texts these are, as one jsonb array: to_jsonb's values (json parsed
 * to jsonb gives what to_jsonb gives), in the same order. One parse of "[t1,t2,…]".
 */
Jsonb *
pgr_texts_to_rows(ArrayType *texts)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	StringInfoData buf;

	deconstruct_array(texts, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '[');
	for (int i = 0; i < n; i++)
	{
		text	   *t;

		if (nulls[i])
			elog(ERROR, "pg_reactive: a row's json text is null");
		t = DatumGetTextPP(elems[i]);
		if (i > 0)
			appendStringInfoChar(&buf, ',');
		appendBinaryStringInfo(&buf, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
	}
	appendStringInfoChar(&buf, ']');
	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}

/*
 * pgr._eval(sql text, param_types regtype[], params jsonb
 *           [, restrict_key text, restrict_to int8[]]) -> jsonb array of rows,
 * run as the current role with the current settings. With a restriction, only
 * the rows whose restrict_key is in restrict_to (the incremental path).
 */
Datum
pgr_eval(PG_FUNCTION_ARGS)
{
	bool		restricted = PG_NARGS() >= 5 && !PG_ARGISNULL(3) && !PG_ARGISNULL(4);

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	PG_RETURN_JSONB_P(pgr_texts_to_rows(pgr_eval_texts(text_to_cstring(PG_GETARG_TEXT_PP(0)),
													   PG_GETARG_ARRAYTYPE_P(1), PG_GETARG_JSONB_P(2),
													   restricted ? text_to_cstring(PG_GETARG_TEXT_PP(3)) : NULL,
													   restricted ? PG_GETARG_DATUM(4) : (Datum) 0)));
}

/*
 * pgr._evaluate(sql text, param_types regtype[], params jsonb, OUT rows jsonb, OUT texts text[]):
 * the rows as pgr._eval() gives them and each row's json text, for a feed's first rows.
 */
Datum
pgr_evaluate(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	ArrayType  *texts;
	Datum		values[2];
	bool		nulls[2] = {false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "pgr._evaluate must return a composite type");
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	texts = pgr_eval_texts(text_to_cstring(PG_GETARG_TEXT_PP(0)), PG_GETARG_ARRAYTYPE_P(1), PG_GETARG_JSONB_P(2),
						   NULL, (Datum) 0);
	values[0] = JsonbPGetDatum(pgr_texts_to_rows(texts));
	values[1] = PointerGetDatum(texts);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}

/* pgr._rows(texts text[]) -> jsonb: the jsonb array of the rows whose json texts these are. */
Datum
pgr_rows(PG_FUNCTION_ARGS)
{
	PG_RETURN_JSONB_P(pgr_texts_to_rows(PG_GETARG_ARRAYTYPE_P(0)));
}

/*
 * pgr._enter(role name, claims text, search_path text) — take on a feed's security
 * context for the rest of the (sub)transaction, as three set_config(..., true) calls
 * would, in one call; NULL leaves a setting alone. role 'none' returns to the session
 * user. Permission checks are those of SET ROLE.
 */
Datum
pgr_enter(PG_FUNCTION_ARGS)
{
	if (!PG_ARGISNULL(2))
		(void) set_config_option("search_path", text_to_cstring(PG_GETARG_TEXT_PP(2)),
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0, false);
	if (!PG_ARGISNULL(1))
		(void) set_config_option("request.jwt.claims", text_to_cstring(PG_GETARG_TEXT_PP(1)),
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0, false);
	if (!PG_ARGISNULL(0))
		(void) set_config_option("role", NameStr(*PG_GETARG_NAME(0)),
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0, false);
	PG_RETURN_VOID();
}

