/*
 * quiet.c — counting quiet evaluations without rewriting a row per feed per cycle.
 *
 * Most evaluations find nothing changed: with 1,000 per-user feeds on one query, a
 * write that one user sees leaves 999 feeds quiet. Updating 999 counter rows costs
 * the cycle as much as evaluating them, so the worker counts quiet passes in its
 * own memory and writes them out in a housekeeping cycle of their own, in an idle
 * moment about a second later (every 10 s at the latest during a write storm).
 * Only counters and evaluated_at wait; a feed whose state depends on its row
 * (first pass, last error, refresh) is updated at once by pgr._process().
 */
#include "pg_reactive.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/hsearch.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(pgr_note_quiet);
PG_FUNCTION_INFO_V1(pgr_take_quiet);

typedef struct QuietCount
{
	int64		feed_id;		/* hash key */
	int64		passes;
	TimestampTz last_at;
} QuietCount;

static HTAB *quiet = NULL;

static HTAB *
int8_set(const char *name, long size, Size entrysize, MemoryContext cxt)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(int64);
	ctl.entrysize = entrysize;
	ctl.hcxt = cxt;
	return hash_create(name, size, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/* pgr._note_quiet(evaluated int8[], settled int8[]) — count a quiet pass for every evaluated feed not settled. */
Datum
pgr_note_quiet(PG_FUNCTION_ARGS)
{
	Datum	   *evaluated;
	Datum	   *settled;
	int			nevaluated;
	int			nsettled;
	HTAB	   *skip;
	TimestampTz now = GetCurrentTimestamp();

	deconstruct_array(PG_GETARG_ARRAYTYPE_P(0), INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &evaluated, NULL, &nevaluated);
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(1), INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &settled, NULL, &nsettled);
	if (quiet == NULL)
		quiet = int8_set("pg_reactive quiet passes", 1024, sizeof(QuietCount), TopMemoryContext);
	skip = int8_set("pg_reactive settled feeds", Max(nsettled, 16), sizeof(int64), CurrentMemoryContext);
	for (int i = 0; i < nsettled; i++)
	{
		int64		id = DatumGetInt64(settled[i]);

		(void) hash_search(skip, &id, HASH_ENTER, NULL);
	}
	for (int i = 0; i < nevaluated; i++)
	{
		int64		id = DatumGetInt64(evaluated[i]);
		bool		found;
		QuietCount *entry;

		if (hash_search(skip, &id, HASH_FIND, NULL) != NULL)
			continue;
		entry = hash_search(quiet, &id, HASH_ENTER, &found);
		if (!found)
			entry->passes = 0;
		entry->passes++;
		entry->last_at = now;
	}
	hash_destroy(skip);
	PG_RETURN_VOID();
}

/* True when quiet passes wait to be written out (the worker then looks for an idle moment). */
bool
pgr_quiet_pending(void)
{
	return quiet != NULL && hash_get_num_entries(quiet) > 0;
}

/* pgr._take_quiet() RETURNS TABLE (feed_id int8, passes int8, last_at timestamptz) — and forget them. */
Datum
pgr_take_quiet(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	HASH_SEQ_STATUS seq;
	QuietCount *entry;

	InitMaterializedSRF(fcinfo, 0);
	if (quiet == NULL)
		return (Datum) 0;
	hash_seq_init(&seq, quiet);
	while ((entry = hash_seq_search(&seq)) != NULL)
	{
		Datum		values[3] = {Int64GetDatum(entry->feed_id), Int64GetDatum(entry->passes),
		TimestampTzGetDatum(entry->last_at)};
		bool		nulls[3] = {false, false, false};

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	/* handed over: a failed write-out loses counters only */
	hash_destroy(quiet);
	quiet = NULL;
	return (Datum) 0;
}
