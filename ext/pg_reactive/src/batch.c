/*
 * batch.c — evaluating many feeds of one live query in one call.
 *
 * pgr._eval_batch() takes every feed of a live query that a worker cycle must
 * evaluate, ordered by security context (role, claims). Feeds that share a
 * context and differ only in parameters are multiplexed, as Hasura does: their
 * parameter sets are joined in as rows of one statement, so 100 feeds cost one
 * execution, not 100. Contexts are taken on in C, without a plpgsql round trip
 * per feed. Each context's run is a subtransaction: an error (a policy that
 * raises for one subscriber's claims) is retried feed by feed and reaches the
 * feeds that fail alone.
 *
 * Parameters are bound as arrays of their declared types and joined in without a
 * cast, so each row's subquery plans exactly as a single feed does: under RLS a
 * cast such as int4(text) is not leakproof, and it kept the planner off an index
 * that could stop at a LIMIT.
 */
#include "pg_reactive.h"

#include <ctype.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/scanner.h"
#include "parser/gram.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(pgr_eval_batch);
PG_FUNCTION_INFO_V1(pgr_multiplexed);

/* What one feed's evaluation gave: its rows' json texts, or the error it raised. */
typedef struct FeedOutcome
{
	ArrayType  *texts;
	char	   *code;
	char	   *message;
} FeedOutcome;

/* The arguments of one call, deconstructed. */
typedef struct Batch
{
	const char *sql;			/* the live query, trailing semicolons removed */
	int			ntypes;
	Oid		   *types;
	Oid		   *array_types;	/* array type of each parameter type; NULL: bind text[] and cast */
	Datum		type_array;		/* the same, as the regtype[] pgr_eval_texts() takes */
	const char *restrict_key;	/* NULL: full evaluation */
	Datum		restrict_to;	/* int8[] of changed keys */
	int			nfeeds;
	Datum	   *feed_ids;
	Datum	   *roles;
	Datum	   *claims;
	Jsonb	  **params;
	FeedOutcome *out;
	char	   *group_sql;		/* the multiplexed statement, built at its first use */
	MemoryContext keep;			/* where outcomes live: outlasts every subtransaction */
} Batch;

/*
 * The live query with each $n replaced by the n-th column of the parameter row
 * pgr_v: as it is when the columns have the parameters' types (typed), else cast
 * from text. The core scanner finds the parameters, so a "$1" inside a string
 * literal or a dollar-quoted body is left alone.
 */
static char *
multiplexed_sql(const char *sql, int ntypes, Oid *types, bool typed)
{
	core_yy_extra_type extra;
	core_yyscan_t scanner;
	core_YYSTYPE lval;
	YYLTYPE		loc;
	StringInfoData buf;
	int			copied = 0;

	initStringInfo(&buf);
	scanner = scanner_init(sql, &extra, &ScanKeywords, ScanKeywordTokens);
	for (;;)
	{
		int			token = core_yylex(&lval, &loc, scanner);
		int			end;

		if (token == 0)
			break;
		if (token != PARAM)
			continue;
		if (lval.ival < 1 || lval.ival > ntypes)
		{
			scanner_finish(scanner);
			return NULL;
		}
		end = loc + 1;
		while (isdigit((unsigned char) sql[end]))
			end++;
		appendBinaryStringInfo(&buf, sql + copied, loc - copied);
		/* parenthesised, so that "$1.field" and "$1[2]" keep their meaning */
		if (typed)
			appendStringInfo(&buf, "(pgr_v.p%d)", lval.ival);
		else
			appendStringInfo(&buf, "(pgr_v.p%d::%s)", lval.ival,
							 format_type_extended(types[lval.ival - 1], -1, FORMAT_TYPE_FORCE_QUALIFY));
		copied = end;
	}
	scanner_finish(scanner);
	appendStringInfoString(&buf, sql + copied);
	return buf.data;
}

/* The statement that evaluates a group of feeds sharing a context, one parameter row each. */
static char *
group_statement(int ntypes, const char *restrict_key, const char *body)
{
	StringInfoData buf;
	StringInfoData cols;

	initStringInfo(&cols);
	initStringInfo(&buf);
	appendStringInfoString(&cols, "unnest(");
	for (int i = 0; i < ntypes; i++)
		appendStringInfo(&cols, "%s$%d", i ? ", " : "", i + 1);
	appendStringInfoString(&cols, ") WITH ORDINALITY AS pgr_v(");
	for (int i = 0; i < ntypes; i++)
		appendStringInfo(&cols, "p%d, ", i + 1);
	appendStringInfoString(&cols, "i)");

	if (restrict_key)
		/* changed rows alone: a join lets the planner match every parameter row at once */
		appendStringInfo(&buf,
						 "SELECT pgr_v.i, " PGR_TEXTS " FROM %s CROSS JOIN LATERAL (%s\n) pgr_q"
						 " WHERE pgr_q.%s = ANY ($%d) GROUP BY pgr_v.i",
						 cols.data, body, quote_identifier(restrict_key), ntypes + 1);
	else
		/* the whole result, in the query's own order: one subquery per parameter row */
		appendStringInfo(&buf,
						 "SELECT pgr_v.i, (SELECT " PGR_TEXTS " FROM (%s\n) pgr_q) FROM %s",
						 body, cols.data);
	return buf.data;
}

/*
 * The array type of each parameter type, or NULL when one has none (a type made
 * without one): those queries bind text[] and cast inside the statement.
 */
static Oid *
parameter_array_types(int ntypes, Oid *types)
{
	Oid		   *arrays = palloc(sizeof(Oid) * Max(ntypes, 1));

	for (int i = 0; i < ntypes; i++)
	{
		arrays[i] = get_array_type(types[i]);
		if (!OidIsValid(arrays[i]))
			return NULL;
	}
	return arrays;
}

/*
 * pgr._multiplexed(sql text, param_types regtype[], restrict_key text DEFAULT NULL) -> text
 * The statement pgr._eval_batch() runs for a group of feeds sharing a context, with
 * $1..$n the parameter arrays (and $n+1 the changed keys when restricted): for
 * EXPLAIN in the tests, and for anyone asking why a multiplexed query is slow.
 */
Datum
pgr_multiplexed(PG_FUNCTION_ARGS)
{
	char	   *sql = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Datum	   *typelems;
	int			ntypes;
	Oid		   *types;
	Oid		   *arrays;
	char	   *body;
	int			len = strlen(sql);

	while (len > 0 && (sql[len - 1] == ';' || isspace((unsigned char) sql[len - 1])))
		sql[--len] = '\0';
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(1), REGTYPEOID, sizeof(Oid), true, TYPALIGN_INT,
					  &typelems, NULL, &ntypes);
	types = palloc(sizeof(Oid) * Max(ntypes, 1));
	for (int i = 0; i < ntypes; i++)
		types[i] = DatumGetObjectId(typelems[i]);
	arrays = parameter_array_types(ntypes, types);
	body = multiplexed_sql(sql, ntypes, types, arrays != NULL);
	if (body == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_PARAMETER),
				 errmsg("live query refers to a parameter it does not declare"),
				 errhint("Declare a type for every $n the query uses.")));
	PG_RETURN_TEXT_P(cstring_to_text(group_statement(ntypes,
													 PG_NARGS() > 2 && !PG_ARGISNULL(2) ? text_to_cstring(PG_GETARG_TEXT_PP(2)) : NULL,
													 body)));
}

/* Take on a context for the rest of the current (sub)transaction level. */
static void
enter_context(Batch *b, int i)
{
	(void) set_config_option("request.jwt.claims", TextDatumGetCString(b->claims[i]),
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("role", NameStr(*DatumGetName(b->roles[i])),
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
}

/* A feed's row texts, copied where the outcomes live. */
static void
keep_texts(Batch *b, int i, Datum texts)
{
	MemoryContext old = MemoryContextSwitchTo(b->keep);

	b->out[i].texts = DatumGetArrayTypePCopy(texts);
	MemoryContextSwitchTo(old);
}

/* Evaluate feeds [from, to), which share a context, in one statement. */
static void
run_group(Batch *b, int from, int to)
{
	int			n = to - from;
	int			nargs = b->ntypes + (b->restrict_key ? 1 : 0);
	Oid		   *argtypes = palloc(sizeof(Oid) * Max(nargs, 1));
	Datum	   *values = palloc(sizeof(Datum) * Max(nargs, 1));
	char	   *nulls = palloc(Max(nargs, 1));
	SPIPlanPtr	plan;
	int			ret;

	if (b->group_sql == NULL)
	{
		char	   *body = multiplexed_sql(b->sql, b->ntypes, b->types, b->array_types != NULL);
		MemoryContext old;

		if (body == NULL)
			elog(ERROR, "pg_reactive: live query refers to a parameter it does not declare");
		old = MemoryContextSwitchTo(b->keep);
		b->group_sql = group_statement(b->ntypes, b->restrict_key, body);
		MemoryContextSwitchTo(old);
	}
	for (int p = 0; p < b->ntypes; p++)
	{
		Oid			elemtype = b->array_types ? b->types[p] : TEXTOID;
		Datum	   *elems = palloc(sizeof(Datum) * n);
		bool	   *elnulls = palloc(sizeof(bool) * n);
		Oid			typinput;
		Oid			typioparam;
		int16		typlen;
		bool		typbyval;
		char		typalign;

		getTypeInputInfo(elemtype, &typinput, &typioparam);
		get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
		for (int i = 0; i < n; i++)
		{
			char	   *text = pgr_jsonb_element_text(b->params[from + i], p);

			/* a value its type refuses raises here: the group is retried feed by feed */
			elnulls[i] = text == NULL;
			elems[i] = text ? OidInputFunctionCall(typinput, text, typioparam, -1) : (Datum) 0;
		}
		argtypes[p] = b->array_types ? b->array_types[p] : TEXTARRAYOID;
		values[p] = PointerGetDatum(construct_md_array(elems, elnulls, 1, &n, (int[]) {1},
													   elemtype, typlen, typbyval, typalign));
		nulls[p] = ' ';
	}
	if (b->restrict_key)
	{
		argtypes[b->ntypes] = INT8ARRAYOID;
		values[b->ntypes] = b->restrict_to;
		nulls[b->ntypes] = ' ';
	}

	enter_context(b, from);
	plan = pgr_eval_plan_get(b->group_sql, nargs, argtypes);
	if (plan != NULL)
		ret = SPI_execute_plan(plan, values, nulls, true, 0);
	else
		ret = SPI_execute_with_args(b->group_sql, nargs, argtypes, values, nulls, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "pg_reactive: live query evaluation failed");
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		bool		isnull;
		int64		ord = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull));
		Datum		texts = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2, &isnull);

		if (ord >= 1 && ord <= n && !isnull)
			keep_texts(b, from + ord - 1, texts);
	}
	SPI_freetuptable(SPI_tuptable);
}

/* Evaluate one feed on its own, as pgr._eval() does. */
static void
run_one(Batch *b, int i)
{
	enter_context(b, i);
	keep_texts(b, i, PointerGetDatum(pgr_eval_texts(b->sql, DatumGetArrayTypeP(b->type_array), b->params[i],
													b->restrict_key, b->restrict_to)));
}

/* Feeds [from, to) of a batch, run as one group or one by one, allocating in scratch. */
typedef struct FeedRun
{
	Batch	   *b;
	int			from;
	int			to;
	bool		grouped;
	MemoryContext scratch;
} FeedRun;

static void
run_feeds(void *arg)
{
	FeedRun    *run = arg;

	MemoryContextSwitchTo(run->scratch);
	if (run->grouped)
		run_group(run->b, run->from, run->to);
	else
		for (int i = run->from; i < run->to; i++)
			run_one(run->b, i);
}

/*
 * Run feeds [from, to) in a subtransaction: as one group when they may be
 * multiplexed, otherwise one by one. Returns false, with nothing recorded, when
 * the run raised; the subtransaction is then rolled back.
 */
static bool
try_run(Batch *b, int from, int to, bool grouped, ErrorData **error)
{
	/* the run's garbage (query text, parameter arrays, the texts before keep_texts) goes with it */
	FeedRun		run = {b, from, to, grouped,
		AllocSetContextCreate(CurrentMemoryContext, "pg_reactive feed run", ALLOCSET_DEFAULT_SIZES)};
	ErrorData  *raised = pgr_run_in_subxact(run_feeds, &run, b->keep);

	MemoryContextDelete(run.scratch);
	if (raised)
		*error = raised;
	return raised == NULL;
}

static void
record_error(Batch *b, int i, ErrorData *error)
{
	MemoryContext old = MemoryContextSwitchTo(b->keep);

	b->out[i].texts = NULL;
	b->out[i].code = pstrdup(unpack_sql_state(error->sqlerrcode));
	b->out[i].message = pnstrdup(error->message ? error->message : "", 2000);
	MemoryContextSwitchTo(old);
}

/* Feeds [from, to) share a context: evaluate them together, and alone only when that fails. */
static void
run_context(Batch *b, int from, int to)
{
	ErrorData  *error = NULL;

	if (to - from > 1 && b->ntypes > 0 && try_run(b, from, to, true, &error))
		return;
	/* one feed, or a group that raised: each feed in its own subtransaction */
	for (int i = from; i < to; i++)
		if (!try_run(b, i, i + 1, false, &error))
			record_error(b, i, error);
}

static bool
same_text(Datum a, Datum b)
{
	text	   *x = DatumGetTextPP(a);
	text	   *y = DatumGetTextPP(b);

	return VARSIZE_ANY_EXHDR(x) == VARSIZE_ANY_EXHDR(y) &&
		memcmp(VARDATA_ANY(x), VARDATA_ANY(y), VARSIZE_ANY_EXHDR(x)) == 0;
}

/*
 * pgr._eval_batch(sql text, param_types regtype[], search_path text, restrict_key text,
 *                 restrict_to int8[], feed_ids int8[], roles name[], claims text[], params jsonb[])
 *   RETURNS TABLE (feed_id int8, texts text[], error_code text, error_message text)
 *
 * Feeds must come ordered by (role, claims) so that a context's feeds are adjacent.
 * The query runs with its definer's search_path, restored on return. With
 * restrict_key, each feed's rows are those whose key is in restrict_to (the
 * incremental path); a feed none of whose rows changed gets '{}'. texts: each row's json
 * text, in the query's order (see PGR_TEXTS).
 */
Datum
pgr_eval_batch(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Batch		b = {0};
	char	   *sql;
	int			len;
	Datum	   *typelems;
	int			n;
	Datum	   *param_elems;
	bool	   *elnulls;
	Datum		empty;
	int			guc_level;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(5) ||
		PG_ARGISNULL(6) || PG_ARGISNULL(7) || PG_ARGISNULL(8))
		elog(ERROR, "pgr._eval_batch: arguments must not be null");
	InitMaterializedSRF(fcinfo, 0);
	PGR_CHECK_DECLARATION(rsinfo->setDesc->natts == 4 && TupleDescAttr(rsinfo->setDesc, 1)->atttypid == TEXTARRAYOID);
	b.keep = rsinfo->econtext->ecxt_per_query_memory;

	sql = text_to_cstring(PG_GETARG_TEXT_PP(0));
	len = strlen(sql);
	while (len > 0 && (sql[len - 1] == ';' || isspace((unsigned char) sql[len - 1])))
		sql[--len] = '\0';
	b.sql = sql;
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(1), REGTYPEOID, sizeof(Oid), true, TYPALIGN_INT,
					  &typelems, NULL, &b.ntypes);
	b.types = palloc(sizeof(Oid) * Max(b.ntypes, 1));
	for (int i = 0; i < b.ntypes; i++)
		b.types[i] = DatumGetObjectId(typelems[i]);
	b.type_array = PG_GETARG_DATUM(1);
	b.array_types = parameter_array_types(b.ntypes, b.types);
	if (!PG_ARGISNULL(3) && !PG_ARGISNULL(4))
	{
		b.restrict_key = text_to_cstring(PG_GETARG_TEXT_PP(3));
		b.restrict_to = PG_GETARG_DATUM(4);
	}
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(5), INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &b.feed_ids, NULL, &b.nfeeds);
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(6), NAMEOID, NAMEDATALEN, false, TYPALIGN_CHAR,
					  &b.roles, NULL, &n);
	if (n != b.nfeeds)
		elog(ERROR, "pgr._eval_batch: one role per feed expected");
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(7), TEXTOID, -1, false, TYPALIGN_INT, &b.claims, &elnulls, &n);
	if (n != b.nfeeds)
		elog(ERROR, "pgr._eval_batch: one claims value per feed expected");
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(8), JSONBOID, -1, false, TYPALIGN_INT, &param_elems, &elnulls, &n);
	if (n != b.nfeeds)
		elog(ERROR, "pgr._eval_batch: one parameter array per feed expected");
	b.params = palloc(sizeof(Jsonb *) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		b.params[i] = DatumGetJsonbP(param_elems[i]);
		if (!JB_ROOT_IS_ARRAY(b.params[i]) || (int) JB_ROOT_COUNT(b.params[i]) != b.ntypes)
			elog(ERROR, "pgr._eval_batch: feed %lld has parameters that do not fit the query",
				 (long long) DatumGetInt64(b.feed_ids[i]));
	}
	b.out = MemoryContextAllocZero(b.keep, sizeof(FeedOutcome) * Max(b.nfeeds, 1));

	/* one search_path for every feed, so the plans of the query are replanned for none of them */
	guc_level = NewGUCNestLevel();
	(void) set_config_option("search_path", text_to_cstring(PG_GETARG_TEXT_PP(2)),
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	SPI_connect();
	for (int from = 0; from < b.nfeeds;)
	{
		int			to = from + 1;

		while (to < b.nfeeds &&
			   strcmp(NameStr(*DatumGetName(b.roles[to])), NameStr(*DatumGetName(b.roles[from]))) == 0 &&
			   same_text(b.claims[to], b.claims[from]))
			to++;
		run_context(&b, from, to);
		from = to;
	}
	SPI_finish();
	AtEOXact_GUC(true, guc_level);

	empty = PointerGetDatum(construct_empty_array(TEXTOID));
	for (int i = 0; i < b.nfeeds; i++)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, true, true};

		values[0] = b.feed_ids[i];
		if (b.out[i].code)
		{
			nulls[1] = true;
			nulls[2] = nulls[3] = false;
			values[2] = CStringGetTextDatum(b.out[i].code);
			values[3] = CStringGetTextDatum(b.out[i].message);
		}
		else
			values[1] = b.out[i].texts ? PointerGetDatum(b.out[i].texts) : empty;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
