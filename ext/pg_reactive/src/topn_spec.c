/*
 * topn_spec.c — which live queries are top-N queries the skip (topn.c) understands, and how they
 * sort: a single table, a constant LIMIT without OFFSET, the table's integer primary key and every
 * ORDER BY column among the output columns, of types whose to_jsonb text reads back, compared with
 * the ORDER BY's own btree comparison, collation and NULLS placement.
 *
 * A spec is built from the query as parsed with its search_path, in a subtransaction, once per
 * catalog generation; pgr._topn() tells what the skip does for a query, or why not.
 */
#include "topn.h"

#include "access/nbtree.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

PG_FUNCTION_INFO_V1(pgr_topn);

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
TopN *
pgr_topn_spec_of(int64 query_id, text *sql, ArrayType *param_types, text *search_path)
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
