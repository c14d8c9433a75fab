/*
 * route_feed.c — each feed's routes: the hash of its value for every routed table it
 * reads (pgr._routes), the fingerprint that tells when they moved (pgr._route_sig), and
 * the catalog changes the worker watches for that (pgr._routes_stale).
 *
 * Reads the catalog and evaluates route values as the feed's claims; writes nothing —
 * pgr._reroute stores what pgr._routes returns.
 */
#include "pg_reactive.h"

#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "nodes/params.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

PG_FUNCTION_INFO_V1(pgr_routes);
PG_FUNCTION_INFO_V1(pgr_route_sig);
PG_FUNCTION_INFO_V1(pgr_routes_stale);

/* A jsonb parameter array as a ParamListInfo of the declared types. */
static ParamListInfo
params_of(Jsonb *params, int ntypes, Oid *types)
{
	ParamListInfo pli = makeParamList(ntypes);

	for (int i = 0; i < ntypes; i++)
	{
		char	   *text = pgr_jsonb_element_text(params, i);
		ParamExternData *p = &pli->params[i];

		p->ptype = types[i];
		p->pflags = PARAM_FLAG_CONST;
		p->isnull = text == NULL;
		if (text)
		{
			Oid			typinput;
			Oid			typioparam;

			getTypeInputInfo(types[i], &typinput, &typioparam);
			p->value = OidInputFunctionCall(typinput, text, typioparam, -1);
		}
		else
			p->value = (Datum) 0;
	}
	return pli;
}

/*
 * The hash of a route's value for one feed's parameters and claims. Returns false
 * for NULL (the feed sees no row of the table) — raises what evaluating raises.
 */
static bool
route_hash(PgrTableRoute *route, ParamListInfo params, const char *claims, uint32 *hash)
{
	EState	   *estate = CreateExecutorState();
	int			level = NewGUCNestLevel();
	ExprState  *state;
	Datum		d;
	bool		isnull;

	estate->es_param_list_info = params;
	(void) set_config_option("request.jwt.claims", claims, PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	state = ExecPrepareExpr((Expr *) copyObject(route->value), estate);
	d = ExecEvalExprSwitchContext(state, GetPerTupleExprContext(estate), &isnull);
	if (!isnull)
		*hash = DatumGetUInt32(OidFunctionCall1Coll(route->hashfn, route->collation, d));
	AtEOXact_GUC(true, level);
	FreeExecutorState(estate);
	return !isnull;
}

typedef struct Hashing
{
	PgrTableRoute *route;
	ParamListInfo params;
	const char *claims;
	uint32		hash;
	bool		found;
} Hashing;

static void
run_hashing(void *arg)
{
	Hashing    *h = arg;

	h->found = route_hash(h->route, h->params, h->claims, &h->hash);
}

/* route_hash() in a subtransaction: 1, 0 for NULL, -1 when it raised (a claim that is not a number: unrouted). */
static int
try_route_hash(PgrTableRoute *route, ParamListInfo params, const char *claims, uint32 *hash)
{
	Hashing		h = {route, params, claims, 0, false};

	if (pgr_run_in_subxact(run_hashing, &h, CurrentMemoryContext) != NULL)
		return -1;
	*hash = h.hash;
	return h.found ? 1 : 0;
}

/*
 * pgr._routes(feed_ids int8[]) RETURNS TABLE (feed_id int8, relid oid, attnum int2, hash int4, sig text)
 * One row per feed and table it reads: the column that routes the table's changes
 * to the feed and the hash of the feed's value (NULL: it sees no row), or attnum 0
 * when every change reaches it. sig fingerprints the query's routes for the role.
 */
Datum
pgr_routes(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum		arg = PG_GETARG_DATUM(0);
	Oid			argtype = INT8ARRAYOID;
	MemoryContext keep;
	MemoryContext scratch;
	uint64		n;
	int64		group_query = -1;
	char	   *group_role = NULL;
	PgrTableRoute *routes = NULL;
	char	   *sig = NULL;
	char	   *why = NULL;
	PgrQueryDef	q = {0};

	InitMaterializedSRF(fcinfo, 0);
	keep = CurrentMemoryContext;
	scratch = AllocSetContextCreate(CurrentMemoryContext, "pg_reactive routes", ALLOCSET_DEFAULT_SIZES);
	SPI_connect();
	if (SPI_execute_with_args("SELECT f.id, f.query_id, f.role::text, f.params, f.claims::text,"
							  "       q.sql, q.param_types, q.search_path, q.tables"
							  "  FROM pgr.feed f JOIN pgr.live_query q ON q.id = f.query_id"
							  " WHERE f.id = ANY ($1) ORDER BY f.query_id, f.role, f.id",
							  1, &argtype, &arg, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "pg_reactive: could not read feeds to route");
	n = SPI_processed;
	for (uint64 r = 0; r < n; r++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int64		feed_id = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull));
		int64		query_id = DatumGetInt64(SPI_getbinval(tuple, desc, 2, &isnull));
		char	   *role = SPI_getvalue(tuple, desc, 3);
		Jsonb	   *params = DatumGetJsonbP(SPI_getbinval(tuple, desc, 4, &isnull));
		char	   *claims = SPI_getvalue(tuple, desc, 5);
		ParamListInfo pli = NULL;
		MemoryContext old = MemoryContextSwitchTo(scratch);

		/* feeds come grouped by (query, role): analyse once per group */
		if (query_id != group_query || group_role == NULL || strcmp(role, group_role) != 0)
		{
			Oid			roleid = get_role_oid(role, true);

			MemoryContextSwitchTo(keep);
			pgr_query_def_read(&q, tuple, desc, 6);
			group_query = query_id;
			group_role = pstrdup(role);
			why = NULL;
			routes = OidIsValid(roleid) ? pgr_routes_try_analyze(&q, roleid, &why) : NULL;
			sig = routes ? pgr_routes_signature(routes, q.ntables) : "none";
			MemoryContextSwitchTo(scratch);
		}
		for (int i = 0; i < q.ntables; i++)
		{
			Datum		values[5];
			bool		nulls[5] = {false, false, false, false, false};
			int16		attnum = routes ? routes[i].attnum : 0;
			uint32		hash = 0;

			if (attnum > 0)
			{
				int			got;

				if (pli == NULL)
					pli = params_of(params, q.ntypes, q.types);
				got = try_route_hash(&routes[i], pli, claims, &hash);
				if (got < 0)
					attnum = 0;
				else if (got == 0)
					nulls[3] = true;	/* NULL never equals: no row of the table reaches it */
			}
			else
				nulls[3] = true;
			values[0] = Int64GetDatum(feed_id);
			values[1] = ObjectIdGetDatum(q.tables[i]);
			values[2] = Int16GetDatum(attnum);
			values[3] = Int32GetDatum((int32) hash);
			values[4] = CStringGetTextDatum(sig);
			MemoryContextSwitchTo(keep);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			MemoryContextSwitchTo(scratch);
		}
		MemoryContextSwitchTo(old);
		MemoryContextReset(scratch);
	}
	SPI_finish();
	MemoryContextDelete(scratch);
	return (Datum) 0;
}

/* pgr._route_sig(query_id int8, role name) -> text: the current fingerprint of a query's routes for a role. */
Datum
pgr_route_sig(PG_FUNCTION_ARGS)
{
	Datum		arg = PG_GETARG_DATUM(0);
	Oid			argtype = INT8OID;
	Oid			roleid = get_role_oid(NameStr(*PG_GETARG_NAME(1)), true);
	PgrQueryDef	q;
	PgrTableRoute *routes;
	char	   *why = NULL;
	char	   *sig = "none";
	MemoryContext outer = CurrentMemoryContext;

	SPI_connect();
	if (SPI_execute_with_args("SELECT q.sql, q.param_types, q.search_path, q.tables FROM pgr.live_query q WHERE q.id = $1",
							  1, &argtype, &arg, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "pg_reactive: could not read a live query");
	if (SPI_processed == 1 && OidIsValid(roleid))
	{
		MemoryContext old = MemoryContextSwitchTo(outer);

		pgr_query_def_read(&q, SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		routes = pgr_routes_try_analyze(&q, roleid, &why);
		if (routes)
			sig = pgr_routes_signature(routes, q.ntables);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	PG_RETURN_TEXT_P(cstring_to_text(sig));
}

/* ------------------------------------------------------------------ staleness */

/*
 * Routes depend on policies (relcache), functions inlined into a value (pg_proc)
 * and role attributes and memberships (who bypasses RLS). The worker watches those
 * caches; any change makes it check every query's fingerprint at its next cycle.
 * DDL on a captured table also marks that table's feeds for re-routing directly.
 */
uint64		pgr_catalog_generation = 1;
static uint64 checked_generation = 0;

static void
on_relcache_change(Datum arg, Oid relid)
{
	pgr_catalog_generation++;
}

static void
on_syscache_change(Datum arg, int cacheid, uint32 hashvalue)
{
	pgr_catalog_generation++;
}

void
pgr_route_watch_catalog(void)
{
	CacheRegisterRelcacheCallback(on_relcache_change, (Datum) 0);
	CacheRegisterSyscacheCallback(PROCOID, on_syscache_change, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHOID, on_syscache_change, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, on_syscache_change, (Datum) 0);
}

/* pgr._routes_stale() -> boolean: whether a catalog change since the last call may have moved routes. */
Datum
pgr_routes_stale(PG_FUNCTION_ARGS)
{
	bool		stale = checked_generation != pgr_catalog_generation;

	checked_generation = pgr_catalog_generation;
	PG_RETURN_BOOL(stale);
}
