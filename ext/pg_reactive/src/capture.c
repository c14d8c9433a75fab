/*
 * capture.c — the writer side: a statement-level trigger that remembers which
 * captured tables this transaction changed, and a commit callback that hands
 * them to the database's slot and sets the worker's latch.
 *
 * Must stay cheap and must never evaluate or NOTIFY: it runs in every writer.
 * Nothing is published before commit, so the worker never sees uncommitted work.
 */
#include "pg_reactive.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/rel.h"

PG_FUNCTION_INFO_V1(pgr_capture);
PG_FUNCTION_INFO_V1(pgr_mark_dirty);

/* This backend's transaction-local pending marks; reset on every exit path. */
static Oid	pending[PGR_MAX_DIRTY];
static int	npending = 0;
static bool pending_all = false;
static bool pending_subscribe = false;
static bool pending_wake = false;

static void
pending_add(Oid relid)
{
	for (int i = 0; i < npending; i++)
		if (pending[i] == relid)
			return;
	if (npending < PGR_MAX_DIRTY)
		pending[npending++] = relid;
	else
		pending_all = true;
}

static void
pending_reset(void)
{
	npending = 0;
	pending_all = false;
	pending_subscribe = false;
	pending_wake = false;
}

/* Move this transaction's marks into the slot and wake the worker. */
static void
pending_publish(void)
{
	PgrSlot    *slot;
	Latch	   *latch = NULL;

	LWLockAcquire(pgr_shared->lock, LW_EXCLUSIVE);
	slot = pgr_slot_get(MyDatabaseId, true);
	if (slot != NULL)
	{
		for (int i = 0; i < npending && !slot->all_dirty; i++)
		{
			bool		seen = false;

			for (int j = 0; j < slot->ndirty; j++)
				if (slot->dirty[j] == pending[i])
				{
					seen = true;
					break;
				}
			if (seen)
				continue;
			if (slot->ndirty < PGR_MAX_DIRTY)
				slot->dirty[slot->ndirty++] = pending[i];
			else
				slot->all_dirty = true;
		}
		if (pending_all)
			slot->all_dirty = true;
		slot->commit_seq++;
		if (pending_subscribe)
			slot->wanted++;
		/* a worker that died is replaced by the next commit that needs one */
		pgr_worker_ensure_locked(slot);
		latch = slot->latch;
	}
	LWLockRelease(pgr_shared->lock);

	if (latch != NULL)
		SetLatch(latch);
	else if (slot == NULL)
		ereport(WARNING,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("pg_reactive has no free database slot"),
				 errhint("Raise pg_reactive.max_databases and restart the server.")));
}

static void
pgr_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			if (npending > 0 || pending_all || pending_subscribe || pending_wake)
				pending_publish();
			pending_reset();
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			/* two-phase: the commit happens elsewhere; see README limits */
			pending_reset();
			break;
		default:
			break;
	}
}

void
pgr_capture_install(void)
{
	RegisterXactCallback(pgr_xact_callback, NULL);
}

/* Statement-level AFTER trigger on every captured table. */
Datum
pgr_capture(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("pgr._capture() must be called as a trigger"),
				 errhint("It is installed by pg_reactive on tables that live queries read.")));
	pending_add(RelationGetRelid(trigdata->tg_relation));
	return PointerGetDatum(NULL);
}

/*
 * pgr._mark_dirty(relids oid[], subscribe bool) — mark relations dirty at this
 * transaction's commit; with subscribe, also make sure the worker stays or starts.
 */
Datum
pgr_mark_dirty(PG_FUNCTION_ARGS)
{
	if (!PG_ARGISNULL(0))
	{
		ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
		Datum	   *elems;
		bool	   *nulls;
		int			n;

		deconstruct_array(arr, OIDOID, sizeof(Oid), true, TYPALIGN_INT, &elems, &nulls, &n);
		for (int i = 0; i < n; i++)
			if (!nulls[i])
				pending_add(DatumGetObjectId(elems[i]));
	}
	if (!PG_ARGISNULL(1) && PG_GETARG_BOOL(1))
		pending_subscribe = true;
	/* even with nothing dirty, wake the worker: it may have feeds to drop or may stop */
	pending_wake = true;
	PG_RETURN_VOID();
}
