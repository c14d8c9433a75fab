/*
 * capture.c — the writer side: statement-level triggers that remember which
 * captured tables this transaction changed (and, for tables with an integer
 * primary key, which keys, read from the transition tables; for tables whose
 * live queries route by a column, the hashes of that column in the old and new
 * rows — see route.c), and a commit callback that hands them to the database's
 * slot and sets the worker's latch. A subtransaction that rolls back (ROLLBACK TO
 * SAVEPOINT, a PL/pgSQL exception block) takes the marks its writes made with it.
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
#include "utils/typcache.h"

PG_FUNCTION_INFO_V1(pgr_capture);
PG_FUNCTION_INFO_V1(pgr_mark_dirty);

/* This backend's transaction-local pending marks; reset on every exit path. */
static Oid	pending[PGR_MAX_DIRTY];
static bool pending_full[PGR_MAX_DIRTY];
static uint64 pending_cols[PGR_MAX_DIRTY];	/* columns whose every changed value is hashed below */
static bool pending_reroute[PGR_MAX_DIRTY];
static int	npending = 0;
static bool pending_all = false;
static bool pending_subscribe = false;
static bool pending_wake = false;
static Oid	pending_key_rel[PGR_MAX_TXN_KEYS];
static int64 pending_key_val[PGR_MAX_TXN_KEYS];
static int	npending_keys = 0;
static Oid	pending_route_rel[PGR_MAX_TXN_ROUTES];
static int16 pending_route_att[PGR_MAX_TXN_ROUTES];
static uint32 pending_route_hash[PGR_MAX_TXN_ROUTES];
static int	npending_routes = 0;

/*
 * The pending marks' extent when each open subtransaction started, innermost last: its
 * rollback cuts the lists back to it. Past PGR_MAX_SUBXACT_MARKS levels of nesting a
 * subtransaction has no mark and its rollback keeps its marks (an evaluation too many,
 * never one too few). Marks a subtransaction merged into entries that existed before it
 * (a table escalated to full, fewer routed columns) are kept too, for the same reason.
 */
#define PGR_MAX_SUBXACT_MARKS 64
typedef struct PendingMark
{
	SubTransactionId subid;
	int			npending;
	int			nkeys;
	int			nroutes;
	bool		all;
	bool		subscribe;
	bool		wake;
} PendingMark;
static PendingMark marks[PGR_MAX_SUBXACT_MARKS];
static int	nmarks = 0;

static inline uint64
col_bit(AttrNumber attnum)
{
	return attnum >= 1 && attnum <= 63 ? ((uint64) 1) << attnum : 0;
}

/*
 * Remember relid as dirty; returns its index, or -1 when the table list overflowed.
 * cols: the routing columns this change reports in full (AND-ed over the statements).
 */
static int
pending_add(Oid relid, bool full, uint64 cols, bool reroute)
{
	for (int i = 0; i < npending; i++)
		if (pending[i] == relid)
		{
			pending_full[i] |= full;
			pending_cols[i] &= cols;
			pending_reroute[i] |= reroute;
			return i;
		}
	if (npending < PGR_MAX_DIRTY)
	{
		pending[npending] = relid;
		pending_full[npending] = full;
		pending_cols[npending] = cols;
		pending_reroute[npending] = reroute;
		return npending++;
	}
	pending_all = true;
	return -1;
}

/* Remember the hash of a changed row's routing column; past the cap the table is unrouted. */
static void
pending_add_route(int idx, Oid relid, AttrNumber attnum, uint32 hash)
{
	if (idx < 0 || !(pending_cols[idx] & col_bit(attnum)))
		return;
	for (int k = 0; k < npending_routes; k++)
		if (pending_route_hash[k] == hash && pending_route_att[k] == attnum && pending_route_rel[k] == relid)
			return;
	if (npending_routes >= PGR_MAX_TXN_ROUTES)
	{
		pending_cols[idx] = 0;	/* rows of too many owners: every feed of the table */
		return;
	}
	pending_route_rel[npending_routes] = relid;
	pending_route_att[npending_routes] = attnum;
	pending_route_hash[npending_routes++] = hash;
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
	npending_routes = 0;
	pending_all = false;
	pending_subscribe = false;
	pending_wake = false;
	nmarks = 0;
}

/* Add a relid to the slot's dirty set; returns its index or -1 (all dirty). */
static int
slot_add_dirty(PgrSlot *slot, Oid relid, bool full, uint64 cols, bool reroute)
{
	for (int j = 0; j < slot->ndirty; j++)
		if (slot->dirty[j] == relid)
		{
			slot->dirty_full[j] |= full;
			slot->dirty_cols[j] &= cols;
			slot->dirty_reroute[j] |= reroute;
			return j;
		}
	if (slot->ndirty < PGR_MAX_DIRTY)
	{
		slot->dirty[slot->ndirty] = relid;
		slot->dirty_full[slot->ndirty] = full;
		slot->dirty_cols[slot->ndirty] = cols;
		slot->dirty_reroute[slot->ndirty] = reroute;
		return slot->ndirty++;
	}
	slot->all_dirty = true;
	return -1;
}

static int
slot_find_dirty(PgrSlot *slot, Oid relid)
{
	for (int j = 0; j < slot->ndirty; j++)
		if (slot->dirty[j] == relid)
			return j;
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
			(void) slot_add_dirty(slot, pending[i], pending_full[i], pending_cols[i], pending_reroute[i]);
		for (int k = 0; k < npending_routes && !slot->all_dirty; k++)
		{
			int			j = slot_find_dirty(slot, pending_route_rel[k]);

			if (j < 0 || !(slot->dirty_cols[j] & col_bit(pending_route_att[k])))
				continue;
			if (slot->nroutes < PGR_MAX_ROUTES)
			{
				slot->route_rel[slot->nroutes] = pending_route_rel[k];
				slot->route_att[slot->nroutes] = pending_route_att[k];
				slot->route_hash[slot->nroutes++] = pending_route_hash[k];
			}
			else
				slot->dirty_cols[j] = 0;	/* a cycle of too many owners: every feed of the table */
		}
		for (int k = 0; k < npending_keys && !slot->all_dirty; k++)
		{
			int			j = slot_find_dirty(slot, pending_key_rel[k]);

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

static void
pgr_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					 SubTransactionId parentSubid, void *arg)
{
	PendingMark *mark = nmarks > 0 ? &marks[nmarks - 1] : NULL;

	switch (event)
	{
		case SUBXACT_EVENT_START_SUB:
			if (nmarks < PGR_MAX_SUBXACT_MARKS)
			{
				mark = &marks[nmarks++];
				mark->subid = mySubid;
				mark->npending = npending;
				mark->nkeys = npending_keys;
				mark->nroutes = npending_routes;
				mark->all = pending_all;
				mark->subscribe = pending_subscribe;
				mark->wake = pending_wake;
			}
			break;
		case SUBXACT_EVENT_COMMIT_SUB:
			/* its marks are now its parent's */
			if (mark != NULL && mark->subid == mySubid)
				nmarks--;
			break;
		case SUBXACT_EVENT_ABORT_SUB:
			if (mark != NULL && mark->subid == mySubid)
			{
				npending = mark->npending;
				npending_keys = mark->nkeys;
				npending_routes = mark->nroutes;
				pending_all = mark->all;
				pending_subscribe = mark->subscribe;
				pending_wake = mark->wake;
				nmarks--;
			}
			break;
		default:
			break;
	}
}

void
pgr_capture_install(void)
{
	RegisterXactCallback(pgr_xact_callback, NULL);
	RegisterSubXactCallback(pgr_subxact_callback, NULL);
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

/* A column whose values route changes to feeds, with the hash function of its type. */
typedef struct RouteColumn
{
	AttrNumber	attnum;
	FmgrInfo   *hash;
	Oid			collation;
} RouteColumn;

/*
 * The routing columns named in the trigger's argument ("2,5": attnums, kept by
 * pgr._install_capture from pgr.route_column) that can be hashed; their mask.
 */
static uint64
route_columns(Trigger *trigger, Relation rel, RouteColumn *cols, int *ncols)
{
	TupleDesc	desc = RelationGetDescr(rel);
	uint64		mask = 0;
	char	   *p;

	*ncols = 0;
	if (trigger->tgnargs < 1)
		return 0;
	for (p = trigger->tgargs[0]; *p;)
	{
		char	   *end;
		long		attnum = strtol(p, &end, 10);

		if (end == p)
			break;
		p = *end == ',' ? end + 1 : end;
		if (col_bit(attnum) && attnum <= desc->natts && !TupleDescAttr(desc, attnum - 1)->attisdropped)
		{
			Form_pg_attribute att = TupleDescAttr(desc, attnum - 1);
			TypeCacheEntry *tc = lookup_type_cache(att->atttypid, TYPECACHE_HASH_PROC_FINFO);

			if (!OidIsValid(tc->hash_proc_finfo.fn_oid))
				continue;
			cols[*ncols].attnum = attnum;
			cols[*ncols].hash = &tc->hash_proc_finfo;
			cols[*ncols].collation = att->attcollation;
			(*ncols)++;
			mask |= col_bit(attnum);
		}
	}
	return mask;
}

/*
 * Read the primary keys and the routing columns' hashes out of one transition
 * table; past the caps the table goes full (keys) or unrouted (hashes).
 */
static void
collect_changes(Tuplestorestate *store, Relation rel, AttrNumber key_attnum, int idx,
				RouteColumn *cols, int ncols)
{
	TupleTableSlot *slot;
	Oid			type = key_attnum > 0 ? TupleDescAttr(RelationGetDescr(rel), key_attnum - 1)->atttypid : InvalidOid;

	if (store == NULL)
		return;
	slot = MakeSingleTupleTableSlot(RelationGetDescr(rel), &TTSOpsMinimalTuple);
	tuplestore_rescan(store);
	while ((key_attnum > 0 && !pending_full[idx]) || pending_cols[idx] != 0)
	{
		bool		isnull;
		Datum		d;

		if (!tuplestore_gettupleslot(store, true, false, slot))
			break;
		if (key_attnum > 0 && !pending_full[idx])
		{
			d = slot_getattr(slot, key_attnum, &isnull);
			if (!isnull)
				pending_add_key(idx, RelationGetRelid(rel), key_value(d, type));
		}
		for (int c = 0; c < ncols; c++)
		{
			if (!(pending_cols[idx] & col_bit(cols[c].attnum)))
				continue;
			d = slot_getattr(slot, cols[c].attnum, &isnull);
			/* NULL equals no value: no feed routed by this column can see the row */
			if (!isnull)
				pending_add_route(idx, RelationGetRelid(rel), cols[c].attnum,
								  DatumGetUInt32(FunctionCall1Coll(cols[c].hash, cols[c].collation, d)));
		}
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
	RouteColumn cols[64];
	int			ncols;
	uint64		mask;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("pgr._capture() must be called as a trigger"),
				 errhint("It is installed by pg_reactive on tables that live queries read.")));
	rel = trigdata->tg_relation;

	/* TRUNCATE, or a table captured without transition tables: keys and routes unknown */
	if (trigdata->tg_oldtable == NULL && trigdata->tg_newtable == NULL)
	{
		(void) pending_add(RelationGetRelid(rel), true, 0, false);
		return PointerGetDatum(NULL);
	}
	mask = route_columns(trigdata->tg_trigger, rel, cols, &ncols);
	idx = pending_add(RelationGetRelid(rel), false, mask, false);
	attnum = integer_pk_attnum(rel);
	if (idx < 0)
		return PointerGetDatum(NULL);
	if (attnum == 0)
		pending_full[idx] = true;
	if (attnum == 0 && pending_cols[idx] == 0)
		return PointerGetDatum(NULL);
	/* old rows: the feeds a row leaves; new rows: the feeds it enters */
	collect_changes(trigdata->tg_oldtable, rel, attnum, idx, cols, ncols);
	collect_changes(trigdata->tg_newtable, rel, attnum, idx, cols, ncols);
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
		/*
		 * A subscribe changed no row (every routing column reports its none); DDL
		 * may have changed anything, routes included.
		 */
		for (int i = 0; i < n; i++)
			if (!nulls[i])
				(void) pending_add(DatumGetObjectId(elems[i]), !subscribe,
								   subscribe ? PGR_ROUTE_COLS_ALL : 0, !subscribe);
	}
	/* a new feed is evaluated in full on its first pass anyway: others need not be */
	if (subscribe)
		pending_subscribe = true;
	/* even with nothing dirty, wake the worker: it may have feeds to drop or may stop */
	pending_wake = true;
	PG_RETURN_VOID();
}
