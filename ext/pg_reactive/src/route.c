/*
 * route.c — which feeds a changed row can reach: routing by claim and by parameter.
 *
 * A feed of a live query sees the rows of a table t only through the query and
 * t's row level security policies. When one of them requires, as a conjunct,
 * t.c = E, where E is built from the query's parameters and JWT claims alone
 * (owner = $1, user_id = auth.uid(), tenant = (auth.jwt()->>'org')::uuid), a
 * change to t can alter the feed's result only if the old or the new version
 * of the row carries E's value in c. The capture trigger hashes c of both
 * versions; the worker keeps each feed's hash of E (pgr.feed_route) and
 * re-evaluates only the feeds whose hash a change carried: an index lookup,
 * not a scan of feeds. Anything not proven so is routed to every feed of the
 * table, as before. Hashes are those of the column type's hash operator family,
 * so a collision only costs an evaluation, never a missed change.
 *
 * Analysis parses and rewrites the query as the feed's role (RLS is applied by
 * the rewriter as rte->securityQuals); it never executes it.
 */
#include "pg_reactive.h"

#include "access/hash.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "tcop/tcopprot.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/ruleutils.h"
#include "utils/typcache.h"

PG_FUNCTION_INFO_V1(pgr_route_analyze);

/* One base table's place in a (rewritten) query tree. */
typedef struct Occurrence
{
	Query	   *query;			/* the query whose range table holds it */
	Index		rtindex;
	RangeTblEntry *rte;
} Occurrence;

static bool
collect_relations(Node *node, List **found)
{
	if (node == NULL)
		return false;
	if (IsA(node, Query))
	{
		Query	   *query = (Query *) node;
		Index		rti = 0;
		ListCell   *lc;

		foreach(lc, query->rtable)
		{
			RangeTblEntry *rte = lfirst(lc);

			rti++;
			if (rte->rtekind == RTE_RELATION)
			{
				Occurrence *o = palloc(sizeof(Occurrence));

				o->query = query;
				o->rtindex = rti;
				o->rte = rte;
				*found = lappend(*found, o);
			}
		}
		/* subqueries, CTEs, sublinks, and the RTEs' security quals */
		return query_tree_walker(query, collect_relations, (void *) found, 0);
	}
	return expression_tree_walker(node, collect_relations, (void *) found);
}

/* The top-level AND-ed conjuncts of a qual or a list of quals. */
static List *
conjuncts_of(Node *qual, List *out)
{
	ListCell   *lc;

	if (qual == NULL)
		return out;
	if (IsA(qual, List))
	{
		foreach(lc, (List *) qual)
			out = conjuncts_of(lfirst(lc), out);
		return out;
	}
	if (is_andclause(qual))
	{
		foreach(lc, ((BoolExpr *) qual)->args)
			out = conjuncts_of(lfirst(lc), out);
		return out;
	}
	return lappend(out, qual);
}

static bool
not_immutable(Oid funcid, void *context)
{
	return func_volatile(funcid) != PROVOLATILE_IMMUTABLE;
}

/* current_setting('request.jwt.claim…'[, missing_ok]): the one non-immutable call allowed. */
static bool
is_claim_setting(FuncExpr *f)
{
	Const	   *name;
	char	   *s;

	if (f->funcid != F_CURRENT_SETTING_TEXT && f->funcid != F_CURRENT_SETTING_TEXT_BOOL)
		return false;
	if (!IsA(linitial(f->args), Const))
		return false;
	name = linitial(f->args);
	if (name->constisnull || name->consttype != TEXTOID)
		return false;
	if (list_length(f->args) == 2 && !IsA(lsecond(f->args), Const))
		return false;
	s = TextDatumGetCString(name->constvalue);
	return strncmp(s, "request.jwt.claim", strlen("request.jwt.claim")) == 0;
}

/*
 * True when node is NOT a value of parameters and claims alone: it must not read a
 * column, a table (sublinks) or anything that changes within a feed's life (every
 * function immutable, but for reading the claims).
 */
static bool
value_refused(Node *node, int *nparams)
{
	if (node == NULL)
		return false;
	switch (nodeTag(node))
	{
		case T_Const:
		case T_List:
		case T_CaseTestExpr:
		case T_CoerceToDomainValue:
			break;
		case T_Param:
			{
				Param	   *p = (Param *) node;

				if (p->paramkind != PARAM_EXTERN || p->paramid < 1 || p->paramid > *nparams)
					return true;
				break;
			}
		case T_FuncExpr:
			if (((FuncExpr *) node)->funcretset)
				return true;
			if (is_claim_setting((FuncExpr *) node))
				return false;
			/* FALLTHROUGH */
		case T_OpExpr:
		case T_DistinctExpr:
		case T_NullIfExpr:
		case T_ScalarArrayOpExpr:
		case T_CoerceViaIO:
		case T_ArrayCoerceExpr:
			if (check_functions_in_node(node, not_immutable, NULL))
				return true;
			break;
		case T_RelabelType:
		case T_BoolExpr:
		case T_CaseExpr:
		case T_CaseWhen:
		case T_CoalesceExpr:
		case T_MinMaxExpr:
		case T_NullTest:
		case T_BooleanTest:
		case T_CoerceToDomain:
		case T_CollateExpr:
		case T_ArrayExpr:
		case T_RowExpr:
		case T_FieldSelect:
		case T_SubscriptingRef:
			break;
		default:
			return true;		/* columns, sublinks, aggregates, CURRENT_USER... */
	}
	return expression_tree_walker(node, value_refused, (void *) nparams);
}

static Node *
strip_relabel(Node *node)
{
	while (node && IsA(node, RelabelType))
		node = (Node *) ((RelabelType *) node)->arg;
	return node;
}

static bool
deterministic(Oid collation)
{
	return !OidIsValid(collation) || get_collation_isdeterministic(collation);
}

/*
 * Is clause "column = value" on the relation at rtindex, with a value of parameters
 * and claims that hashes as the column does? Fills route when it is.
 */
static bool
match_equality(Node *clause, Index rtindex, int nparams, PgrTableRoute *route)
{
	OpExpr	   *op;
	Node	   *l;
	Node	   *r;
	Var		   *var;
	Node	   *value;
	TypeCacheEntry *tc;
	Oid			hashfn;

	if (!IsA(clause, OpExpr))
		return false;
	op = (OpExpr *) clause;
	if (list_length(op->args) != 2 || op->opresulttype != BOOLOID)
		return false;
	l = strip_relabel(linitial(op->args));
	r = strip_relabel(lsecond(op->args));
	if (IsA(l, Var) && ((Var *) l)->varno == rtindex && ((Var *) l)->varlevelsup == 0 && ((Var *) l)->varattno > 0)
	{
		var = (Var *) l;
		value = lsecond(op->args);
	}
	else if (IsA(r, Var) && ((Var *) r)->varno == rtindex && ((Var *) r)->varlevelsup == 0 && ((Var *) r)->varattno > 0)
	{
		var = (Var *) r;
		value = linitial(op->args);
	}
	else
		return false;

	/* the operator must be the equality of the column type's hash family: the writer hashes with it */
	tc = lookup_type_cache(var->vartype, TYPECACHE_HASH_OPFAMILY | TYPECACHE_HASH_PROC);
	if (!OidIsValid(tc->hash_opf) || !OidIsValid(tc->hash_proc) || !op_in_opfamily(op->opno, tc->hash_opf))
		return false;
	/* byte equality: a non-deterministic collation hashes what it deems equal differently */
	if (!deterministic(op->inputcollid) || !deterministic(var->varcollid))
		return false;
	/* SQL functions such as auth.uid() are inlined, so their bodies are judged */
	value = eval_const_expressions(NULL, copyObject(value));
	if (value_refused(value, &nparams))
		return false;
	hashfn = get_opfamily_proc(tc->hash_opf, exprType(value), exprType(value), HASHSTANDARD_PROC);
	if (!OidIsValid(hashfn))
		return false;
	route->attnum = var->varattno;
	route->value = value;
	route->hashfn = hashfn;
	route->collation = op->inputcollid;
	return true;
}

/* The route of one table, found among the occurrences of the query tree. */
static void
route_table(PgrTableRoute *route, List *occurrences, int nparams, const char *role)
{
	Occurrence *occ = NULL;
	int			count = 0;
	ListCell   *lc;
	List	   *clauses;

	route->attnum = 0;
	foreach(lc, occurrences)
	{
		Occurrence *o = lfirst(lc);

		if (o->rte->relid == route->relid)
		{
			occ = o;
			count++;
		}
	}
	if (count == 0)
	{
		route->why = "read through its parent table, not named in the query";
		return;
	}
	if (count > 1)
	{
		route->why = "read more than once in the query";
		return;
	}
	if (get_rel_relkind(route->relid) == RELKIND_PARTITIONED_TABLE ||
		(occ->rte->inh && has_subclass(route->relid)))
	{
		route->why = "partitioned or inherited: its rows live in other tables";
		return;
	}

	/*
	 * The conjuncts of the WHERE of the query that reads the table restrict every
	 * row it contributes, whatever the joins; so do its security quals (RLS).
	 */
	clauses = conjuncts_of(occ->query->jointree ? occ->query->jointree->quals : NULL, NIL);
	clauses = conjuncts_of((Node *) occ->rte->securityQuals, clauses);
	foreach(lc, clauses)
	{
		if (match_equality(lfirst(lc), occ->rtindex, nparams, route))
		{
			route->why = psprintf("%s = %s", quote_identifier(get_attname(route->relid, route->attnum, false)),
								  deparse_expression(route->value, NIL, false, false));
			return;
		}
	}
	if (occ->rte->securityQuals == NIL)
		route->why = psprintf("no column compared for equality with a parameter, and no row level security applies to role %s",
							  quote_identifier(role));
	else
		route->why = "no column compared for equality with a parameter or a JWT claim, in the query or its policies";
}

/*
 * Parse and rewrite sql as role, with search_path, and find each table's route.
 * Raises what parsing raises; the caller decides whether that is fatal.
 */
static PgrTableRoute *
analyze_routes(const char *sql, int ntypes, Oid *types, const char *search_path, Oid roleid,
			   int ntables, Oid *tables)
{
	PgrTableRoute *routes = palloc0(sizeof(PgrTableRoute) * Max(ntables, 1));
	int			level = NewGUCNestLevel();
	Oid			save_userid;
	int			save_sec;
	List	   *raw;
	List	   *queries = NIL;
	List	   *occurrences = NIL;
	char	   *role = GetUserNameFromId(roleid, false);

	(void) set_config_option("search_path", search_path, PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	GetUserIdAndSecContext(&save_userid, &save_sec);
	/* RLS is applied by the rewriter for the current user: be the feed's role for it */
	SetUserIdAndSecContext(roleid, save_sec | SECURITY_LOCAL_USERID_CHANGE);
	PG_TRY();
	{
		raw = pg_parse_query(sql);
		if (list_length(raw) == 1)
			queries = pg_analyze_and_rewrite_fixedparams(linitial(raw), sql, types, ntypes, NULL);
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(save_userid, save_sec);
	}
	PG_END_TRY();
	AtEOXact_GUC(true, level);

	if (list_length(queries) == 1)
		(void) collect_relations(linitial(queries), &occurrences);
	for (int i = 0; i < ntables; i++)
	{
		routes[i].relid = tables[i];
		if (list_length(queries) != 1)
			routes[i].why = "not a single query";
		else
			route_table(&routes[i], occurrences, ntypes, role);
	}
	return routes;
}

/* A fingerprint of a query's routes: when it changes, its feeds' hashes are stale. */
char *
pgr_routes_signature(PgrTableRoute *routes, int ntables)
{
	StringInfoData buf;
	uint64		h;

	initStringInfo(&buf);
	for (int i = 0; i < ntables; i++)
		appendStringInfo(&buf, "%u:%d:%u:%u:%s;", routes[i].relid, routes[i].attnum, routes[i].hashfn,
						 routes[i].collation, routes[i].attnum > 0 ? nodeToString(routes[i].value) : "");
	h = hash_bytes_extended((const unsigned char *) buf.data, buf.len, 0);
	return psprintf("%016llx", (unsigned long long) h);
}

/* The elements of an oid-like array (oid[], regtype[]). */
static Oid *
oids_of(Datum array, Oid elemtype, int *n)
{
	Datum	   *elems;
	Oid		   *oids;

	deconstruct_array(DatumGetArrayTypeP(array), elemtype, sizeof(Oid), true, TYPALIGN_INT, &elems, NULL, n);
	oids = palloc(sizeof(Oid) * Max(*n, 1));
	for (int i = 0; i < *n; i++)
		oids[i] = DatumGetObjectId(elems[i]);
	return oids;
}

typedef struct Analysis
{
	PgrQueryDef *q;
	Oid			roleid;
	PgrTableRoute *routes;
} Analysis;

static void
run_analysis(void *arg)
{
	Analysis   *a = arg;

	a->routes = analyze_routes(a->q->sql, a->q->ntypes, a->q->types, a->q->search_path, a->roleid,
							   a->q->ntables, a->q->tables);
}

/*
 * The analysis in a subtransaction: a query that no longer parses (a dropped
 * column) is routed to every feed, and its error reaches the feeds through
 * their evaluation, not here. Returns NULL on error, with *why set.
 */
PgrTableRoute *
pgr_routes_try_analyze(PgrQueryDef *q, Oid roleid, char **why)
{
	Analysis	a = {q, roleid, NULL};
	ErrorData  *error = pgr_run_in_subxact(run_analysis, &a, CurrentMemoryContext);

	if (error == NULL)
		return a.routes;
	*why = psprintf("the query cannot be analysed: %s", error->message);
	return NULL;
}

/*
 * pgr._route_analyze(sql text, param_types regtype[], search_path text, role name, tables oid[])
 *   RETURNS TABLE (relid oid, attnum int2, route text)
 * For each table: the column that routes its changes (0: none) and the condition,
 * or why there is none. For pgr.explain() and for the capture triggers' columns.
 */
Datum
pgr_route_analyze(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	PgrQueryDef	q;
	Oid			roleid;
	PgrTableRoute *routes;
	char	   *why = NULL;

	InitMaterializedSRF(fcinfo, 0);
	q.sql = text_to_cstring(PG_GETARG_TEXT_PP(0));
	q.types = oids_of(PG_GETARG_DATUM(1), REGTYPEOID, &q.ntypes);
	q.search_path = text_to_cstring(PG_GETARG_TEXT_PP(2));
	roleid = get_role_oid(NameStr(*PG_GETARG_NAME(3)), false);
	q.tables = oids_of(PG_GETARG_DATUM(4), OIDOID, &q.ntables);

	routes = pgr_routes_try_analyze(&q, roleid, &why);
	for (int i = 0; i < q.ntables; i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = ObjectIdGetDatum(q.tables[i]);
		values[1] = Int16GetDatum(routes ? routes[i].attnum : 0);
		values[2] = CStringGetTextDatum(routes ? routes[i].why : why);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* A live query's (sql, param_types, search_path, tables) from columns first.. of an SPI row. */
void
pgr_query_def_read(PgrQueryDef *q, HeapTuple tuple, TupleDesc desc, int first)
{
	bool		isnull;

	q->sql = SPI_getvalue(tuple, desc, first);
	q->types = oids_of(SPI_getbinval(tuple, desc, first + 1, &isnull), REGTYPEOID, &q->ntypes);
	q->search_path = SPI_getvalue(tuple, desc, first + 2);
	q->tables = oids_of(SPI_getbinval(tuple, desc, first + 3, &isnull), OIDOID, &q->ntables);
}
