/*
 * capture.c — the writer side: statement-level triggers that remember which
 * captured tables this transaction changed (and, for tables with an integer
 * primary key, which keys, read from the transition tables), and a commit
 * callback that hands them to the database's slot and sets the worker's latch.
 *
 * Must stay cheap and must never evaluate or NOTIFY: it runs in every writer.
 * Nothing is published before commit, so the worker never sees uncommitted work.
 */
#include "pg_reactive.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "nodes/bitmapset.h"
#include "utils/array.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(pgr_capture);
PG_FUNCTION_INFO_V1(pgr_mark_dirty);

/* This backend's transaction-local pending marks; reset on every exit path. */
static Oid	pending[PGR_MAX_DIRTY];
static bool pending_full[PGR_MAX_DIRTY];
static int	npending = 0;
static bool pending_all = false;
static bool pending_subscribe = false;
static bool pending_wake = false;
static Oid	pending_key_rel[PGR_MAX_TXN_KEYS];
static int64 pending_key_val[PGR_MAX_TXN_KEYS];
static int	npending_keys = 0;

/* Remember relid as dirty; returns its index, or -1 when the table list overflowed. */
static int
pending_add(Oid relid, bool full)
{
	for (int i = 0; i < npending; i++)
		if (pending[i] == relid)
		{
			pending_full[i] |= full;
			return i;
		}
	if (npending < PGR_MAX_DIRTY)
	{
		pending[npending] = relid;
		pending_full[npending] = full;
		return npending++;
	}
	pending_all = true;
	return -1;
}

static void
pending_add_key(int idx, Oid relid, int64 key)
{
	if (idx < 0 || pending_full[idx])
		return;
	if (npending_keys >= PGR_MAX_TXN_KEYS)
	{
		pending_full[idx] = true;	/* too many rows: re-evaluate the table in full */
		return;
	}
	pending_key_rel[npending_keys] = relid;
	pending_key_val[npending_keys++] = key;
}

static void
pending_reset(void)
{
	npending = 0;
	npending_keys = 0;
	pending_all = false;
	pending_subscribe = false;
	pending_wake = false;
}

/* Add a relid to the slot's dirty set; returns its index or -1 (all dirty). */
static int
slot_add_dirty(PgrSlot *slot, Oid relid, bool full)
{
	for (int j = 0; j < slot->ndirty; j++)
		if (slot->dirty[j] == relid)
		{
			slot->dirty_full[j] |= full;
			return j;
		}
	if (slot->ndirty < PGR_MAX_DIRTY)
	{
		slot->dirty[slot->ndirty] = relid;
		slot->dirty_full[slot->ndirty] = full;
		return slot->ndirty++;
	}
	slot->all_dirty = true;
	return -1;
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
			(void) slot_add_dirty(slot, pending[i], pending_full[i]);
		for (int k = 0; k < npending_keys && !slot->all_dirty; k++)
		{
			int			j = slot_add_dirty(slot, pending_key_rel[k], false);

			if (j < 0 || slot->dirty_full[j])
				continue;
			if (slot->nkeys < PGR_MAX_KEYS)
			{
				slot->key_rel[slot->nkeys] = pending_key_rel[k];
				slot->key_val[slot->nkeys++] = pending_key_val[k];
			}
			else
				slot->dirty_full[j] = true;
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

/* The attribute number of a single-column integer primary key, or 0. */
static AttrNumber
integer_pk_attnum(Relation rel)
{
	Bitmapset  *pk = RelationGetIndexAttrBitmap(rel, INDEX_ATTR_BITMAP_PRIMARY_KEY);
	AttrNumber	attnum;
	Oid			type;

	if (pk == NULL || bms_num_members(pk) != 1)
		return 0;
	attnum = bms_next_member(pk, -1) + FirstLowInvalidHeapAttributeNumber;
	bms_free(pk);
	if (attnum <= 0)
		return 0;
	type = TupleDescAttr(RelationGetDescr(rel), attnum - 1)->atttypid;
	return (type == INT2OID || type == INT4OID || type == INT8OID) ? attnum : 0;
}

static int64
key_value(Datum d, Oid type)
{
	switch (type)
	{
		case INT2OID:
			return DatumGetInt16(d);
		case INT4OID:
			return DatumGetInt32(d);
		default:
			return DatumGetInt64(d);
	}
}

/* Read the primary keys out of one transition table; past the cap the table goes full. */
static void
collect_keys(Tuplestorestate *store, Relation rel, AttrNumber attnum, int idx)
{
	TupleTableSlot *slot;
	Oid			type = TupleDescAttr(RelationGetDescr(rel), attnum - 1)->atttypid;

	if (store == NULL)
		return;
	slot = MakeSingleTupleTableSlot(RelationGetDescr(rel), &TTSOpsMinimalTuple);
	tuplestore_rescan(store);
	while (!pending_full[idx] && tuplestore_gettupleslot(store, true, false, slot))
	{
		bool		isnull;
		Datum		d = slot_getattr(slot, attnum, &isnull);

		if (!isnull)
			pending_add_key(idx, RelationGetRelid(rel), key_value(d, type));
	}
	ExecDropSingleTupleTableSlot(slot);
}

/*
 * Statement-level AFTER trigger on every captured table. With transition tables
 * (tables with an integer primary key) it also records the changed keys so the
 * worker can evaluate single-table live queries on those rows only.
 */
Datum
pgr_capture(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	AttrNumber	attnum;
	int			idx;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("pgr._capture() must be called as a trigger"),
				 errhint("It is installed by pg_reactive on tables that live queries read.")));
	rel = trigdata->tg_relation;

	if (trigdata->tg_oldtable == NULL && trigdata->tg_newtable == NULL)
	{
		(void) pending_add(RelationGetRelid(rel), true);
		return PointerGetDatum(NULL);
	}
	idx = pending_add(RelationGetRelid(rel), false);
	attnum = integer_pk_attnum(rel);
	if (idx < 0)
		return PointerGetDatum(NULL);
	if (attnum == 0)
	{
		pending_full[idx] = true;
		return PointerGetDatum(NULL);
	}
	collect_keys(trigdata->tg_oldtable, rel, attnum, idx);
	collect_keys(trigdata->tg_newtable, rel, attnum, idx);
	return PointerGetDatum(NULL);
}

/*
 * pgr._mark_dirty(relids oid[], subscribe bool) — mark relations dirty at this
 * transaction's commit: in full (DDL), or, with subscribe, just so the worker gives
 * the new feed its first pass and stays or starts. Always wakes the worker.
 */
Datum
pgr_mark_dirty(PG_FUNCTION_ARGS)
{
	bool		subscribe = !PG_ARGISNULL(1) && PG_GETARG_BOOL(1);

	if (!PG_ARGISNULL(0))
	{
		ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
		Datum	   *elems;
		bool	   *nulls;
		int			n;

		deconstruct_array(arr, OIDOID, sizeof(Oid), true, TYPALIGN_INT, &elems, &nulls, &n);
		for (int i = 0; i < n; i++)
			if (!nulls[i])
				(void) pending_add(DatumGetObjectId(elems[i]), !subscribe);
	}
	/* a new feed is evaluated in full on its first pass anyway: others need not be */
	if (subscribe)
		pending_subscribe = true;
	/* even with nothing dirty, wake the worker: it may have feeds to drop or may stop */
	pending_wake = true;
	PG_RETURN_VOID();
}
