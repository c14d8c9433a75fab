/*
 * worker.c — shared slots, the per-database background worker, pgr.wait_idle()
 * and the DROP DATABASE hook that stops a worker before its database goes.
 *
 * The worker owns evaluation: it takes a slot's dirty set (tables, changed keys),
 * runs pgr._process() in one transaction (per-feed subtransactions live in SQL),
 * commits, and only then publishes done_seq. It never runs inside a writer's
 * transaction, and it exits when its database has no feeds and no capture left.
 */
#include "pg_reactive.h"

#include <signal.h>
#include <sys/resource.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "tcop/utility.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

PgrShared  *pgr_shared = NULL;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;
static ProcessUtility_hook_type prev_process_utility_hook = NULL;

PG_FUNCTION_INFO_V1(pgr_wait_idle);
PG_FUNCTION_INFO_V1(pgr_worker_pid);
PG_FUNCTION_INFO_V1(pgr_worker_stats);
PG_FUNCTION_INFO_V1(pgr_cycle_dirty);
PG_FUNCTION_INFO_V1(pgr_cycle_routes);

uint64		pgr_cycle_number = 0;

static Size
pgr_shmem_size(void)
{
	return add_size(offsetof(PgrShared, slots),
					mul_size(sizeof(PgrSlot), pgr_max_databases));
}

static void
pgr_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(pgr_shmem_size());
	RequestNamedLWLockTranche("pg_reactive", 1);
}

static void
pgr_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	pgr_shared = ShmemInitStruct("pg_reactive", pgr_shmem_size(), &found);
	if (!found)
	{
		memset(pgr_shared, 0, pgr_shmem_size());
		pgr_shared->lock = &(GetNamedLWLockTranche("pg_reactive"))->lock;
		pgr_shared->nslots = pgr_max_databases;
	}
	LWLockRelease(AddinShmemInitLock);
}

void
pgr_shmem_install(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = pgr_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = pgr_shmem_startup;
}

/* Find (or claim) the slot of a database. The caller holds pgr_shared->lock. */
PgrSlot *
pgr_slot_get(Oid dboid, bool create)
{
	PgrSlot    *free_slot = NULL;

	for (int i = 0; i < pgr_shared->nslots; i++)
	{
		PgrSlot    *slot = &pgr_shared->slots[i];

		if (slot->dboid == dboid)
			return slot;
		if (slot->dboid == InvalidOid && free_slot == NULL)
			free_slot = slot;
	}
	if (!create || free_slot == NULL)
		return NULL;
	memset(free_slot, 0, sizeof(PgrSlot));
	free_slot->dboid = dboid;
	return free_slot;
}

/*
 * Make sure the slot's database has a worker. Called with the lock held
 * exclusively, from commit callbacks too, so it only warns on failure.
 */
void
pgr_worker_ensure_locked(PgrSlot *slot)
{
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;

	if (slot->registered || slot->dropping)
		return;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "pg_reactive");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "pgr_worker_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "pg_reactive worker for database %u", slot->dboid);
	snprintf(worker.bgw_type, BGW_MAXLEN, "pg_reactive worker");
	worker.bgw_main_arg = ObjectIdGetDatum(slot->dboid);
	worker.bgw_notify_pid = 0;

	if (RegisterDynamicBackgroundWorker(&worker, &handle))
	{
		slot->registered = true;
		slot->all_dirty = true;
	}
	else
		ereport(WARNING,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("could not start a pg_reactive worker"),
				 errhint("Raise max_worker_processes; live queries in this database stay stale until a worker starts.")));
}

/* ------------------------------------------------------------------ worker */

static PgrSlot *my_slot = NULL;

static void
pgr_worker_detach(int code, Datum arg)
{
	if (my_slot == NULL)
		return;
	LWLockAcquire(pgr_shared->lock, LW_EXCLUSIVE);
	my_slot->registered = false;
	my_slot->pid = 0;
	my_slot->latch = NULL;
	/* nobody is left to handle pending commits: let waiters stop waiting */
	my_slot->done_seq = my_slot->commit_seq;
	LWLockRelease(pgr_shared->lock);
	my_slot = NULL;
}

static ArrayType *
oids_array(Oid *oids, int n)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));

	for (int i = 0; i < n; i++)
		elems[i] = ObjectIdGetDatum(oids[i]);
	return construct_array(elems, n, OIDOID, sizeof(Oid), true, TYPALIGN_INT);
}

static uint64
cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
		ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static SPIPlanPtr process_plan = NULL;

/* What one cycle works on, copied out of the slot under its lock. */
typedef struct PgrWork
{
	bool		all;
	int			ndirty;
	Oid			dirty[PGR_MAX_DIRTY];
	bool		dirty_full[PGR_MAX_DIRTY];
	uint64		dirty_cols[PGR_MAX_DIRTY];
	bool		dirty_reroute[PGR_MAX_DIRTY];
	int			nkeys;
	Oid			key_rel[PGR_MAX_KEYS];
	int64		key_val[PGR_MAX_KEYS];
	int			nroutes;
	Oid			route_rel[PGR_MAX_ROUTES];
	int16		route_att[PGR_MAX_ROUTES];
	uint32		route_hash[PGR_MAX_ROUTES];
} PgrWork;

/* The cycle being run, for pgr._cycle_dirty() and pgr._cycle_routes(); NULL between cycles. */
static PgrWork *cycle_work = NULL;

/*
 * Run pgr._process(dirty, full, key_rel, key_val, all, housekeeping) in one
 * transaction. Returns its result: seconds until the next refresh is due, 0 for
 * none, or -1 when the database has no feeds. Never inlined: one cycle is one call, which
 * callgrind can name (bench/pg_reactive --callgrind).
 */
static pg_noinline double
pgr_worker_process(PgrWork *work, bool housekeeping)
{
	Datum		args[6];
	Oid			argtypes[6] = {OIDARRAYOID, OIDARRAYOID, OIDARRAYOID, INT8ARRAYOID, BOOLOID, BOOLOID};
	char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};
	Oid			full[PGR_MAX_DIRTY];
	int			nfull = 0;
	Datum	   *keys;
	double		result = 0;
	bool		isnull;
	int			ret;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	/*
	 * Catalog changes this snapshot sees have sent their invalidations by now: take
	 * them, so the route checks of this cycle (route.c) see what the snapshot sees.
	 */
	AcceptInvalidationMessages();
	pgstat_report_activity(STATE_RUNNING, "pg_reactive: evaluating live queries");
	pgr_cycle_number++;
	cycle_work = work;

	for (int i = 0; i < work->ndirty; i++)
		if (work->dirty_full[i])
			full[nfull++] = work->dirty[i];
	keys = palloc(sizeof(Datum) * Max(work->nkeys, 1));
	for (int i = 0; i < work->nkeys; i++)
		keys[i] = Int64GetDatum(work->key_val[i]);

	args[0] = PointerGetDatum(oids_array(work->dirty, work->ndirty));
	args[1] = PointerGetDatum(oids_array(full, nfull));
	args[2] = PointerGetDatum(oids_array(work->key_rel, work->nkeys));
	args[3] = PointerGetDatum(construct_array(keys, work->nkeys, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	args[4] = BoolGetDatum(work->all);
	args[5] = BoolGetDatum(housekeeping);

	/* parsed and planned once per worker; the plan cache replans if pgr._process changes */
	if (process_plan == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare("SELECT pgr._process($1, $2, $3, $4, $5, $6)", 6, argtypes);

		if (plan == NULL)
			elog(ERROR, "pg_reactive: could not prepare pgr._process(): %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(plan);
		process_plan = plan;
	}
	ret = SPI_execute_plan(process_plan, args, nulls, false, 1);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "pg_reactive: pgr._process() failed");
	{
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			result = DatumGetFloat8(d);
	}

	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	cycle_work = NULL;
	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, NULL);
	return result;
}

/* Sleep cpu_used * (1 / share - 1) microseconds (at most a second), waking for nothing but shutdown. */
static void
pause_for_share(uint64 cpu_used)
{
	long		total_ms = (long) Min(cpu_used * (1.0 / pgr_worker_cpu_share - 1.0) / 1000.0, 1000.0);

	/* writers set the latch on every commit: wait on time alone, in slices, and stay interruptible */
	while (total_ms > 0)
	{
		long		slice = Min(total_ms, 10);

		(void) WaitLatch(NULL, WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, slice, PG_WAIT_EXTENSION);
		CHECK_FOR_INTERRUPTS();
		total_ms -= slice;
	}
}

void
pgr_worker_main(Datum arg)
{
	Oid			dboid = DatumGetObjectId(arg);
	TimestampTz next_refresh = 0;
	TimestampTz last_housekeeping = 0;
	TimestampTz window_start = 0;
	uint64		window_seq = 0;
	bool		storm = false;
	PgrWork    *work = palloc0(sizeof(PgrWork));

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	LWLockAcquire(pgr_shared->lock, LW_EXCLUSIVE);
	my_slot = pgr_slot_get(dboid, true);
	if (my_slot == NULL || my_slot->pid != 0 || my_slot->dropping)
	{
		LWLockRelease(pgr_shared->lock);
		my_slot = NULL;
		proc_exit(0);
	}
	my_slot->registered = true;
	my_slot->pid = MyProcPid;
	my_slot->latch = MyLatch;
	my_slot->all_dirty = true;
	LWLockRelease(pgr_shared->lock);
	before_shmem_exit(pgr_worker_detach, (Datum) 0);

	BackgroundWorkerInitializeConnectionByOid(dboid, InvalidOid, 0);
	pgstat_report_appname("pg_reactive worker");
	pgr_route_watch_catalog();

	/*
	 * The worker's commits carry only derived state (results, delta log); waiting for
	 * their WAL flush would put an fsync between every commit and its NOTIFY. After a
	 * crash consumers resync anyway (their connections are gone).
	 */
	SetConfigOption("synchronous_commit", "off", PGC_SUSET, PGC_S_OVERRIDE);
	/* the worker runs the same statements thousands of times: plan them once */
	SetConfigOption("plan_cache_mode", "force_generic_plan", PGC_SUSET, PGC_S_OVERRIDE);
	/*
	 * Generic plans see estimates, not the few rows a cycle touches: JIT would compile
	 * a statement of a 10,000-feed catalog for every cycle (200 ms) to run it in 1 ms.
	 */
	SetConfigOption("jit", "off", PGC_SUSET, PGC_S_OVERRIDE);

	for (;;)
	{
		int			ndirty;
		bool		all;
		uint64		claimed;
		uint64		wanted;
		bool		refresh_due;
		bool		unhandled;
		bool		housekeeping;
		double		next;
		TimestampTz now;
		uint64		cpu_start;
		uint64		cpu_used;
		uint64		backlog;

		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}

		LWLockAcquire(pgr_shared->lock, LW_SHARED);
		ndirty = my_slot->ndirty;
		all = my_slot->all_dirty;
		/* a commit that only woke us (unsubscribe, undefine) still gets its cycle */
		unhandled = my_slot->commit_seq != my_slot->done_seq;
		LWLockRelease(pgr_shared->lock);

		refresh_due = next_refresh != 0 && GetCurrentTimestamp() >= next_refresh;

		if (ndirty == 0 && !all && !refresh_due && !unhandled)
		{
			long		timeout = 2000;	/* housekeeping at least this often */
			long		since = TimestampDifferenceMilliseconds(last_housekeeping, GetCurrentTimestamp());

			/*
			 * Quiet-pass counters wait for an idle moment, a cycle of their own, so
			 * that writing them out never delays a delta.
			 */
			if (pgr_quiet_pending())
			{
				if (since >= 1000)
				{
					next_refresh = GetCurrentTimestamp();
					continue;
				}
				timeout = Max(1000 - since, 1);
			}
			if (next_refresh != 0)
			{
				long		ms = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), next_refresh);

				timeout = Max(Min(timeout, ms), 1);
			}
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 timeout, PG_WAIT_EXTENSION);
			/* a timeout is a chance to prune the log and run refreshes */
			if (next_refresh == 0 || GetCurrentTimestamp() >= next_refresh)
				next_refresh = GetCurrentTimestamp();
			continue;
		}

		if (pgr_coalesce_ms > 0 && (ndirty > 0 || all))
			pg_usleep(pgr_coalesce_ms * 1000L);

		LWLockAcquire(pgr_shared->lock, LW_EXCLUSIVE);
		work->ndirty = my_slot->ndirty;
		memcpy(work->dirty, my_slot->dirty, sizeof(Oid) * work->ndirty);
		memcpy(work->dirty_full, my_slot->dirty_full, sizeof(bool) * work->ndirty);
		memcpy(work->dirty_cols, my_slot->dirty_cols, sizeof(uint64) * work->ndirty);
		memcpy(work->dirty_reroute, my_slot->dirty_reroute, sizeof(bool) * work->ndirty);
		work->nkeys = my_slot->nkeys;
		memcpy(work->key_rel, my_slot->key_rel, sizeof(Oid) * work->nkeys);
		memcpy(work->key_val, my_slot->key_val, sizeof(int64) * work->nkeys);
		work->nroutes = my_slot->nroutes;
		memcpy(work->route_rel, my_slot->route_rel, sizeof(Oid) * work->nroutes);
		memcpy(work->route_att, my_slot->route_att, sizeof(int16) * work->nroutes);
		memcpy(work->route_hash, my_slot->route_hash, sizeof(uint32) * work->nroutes);
		work->all = my_slot->all_dirty;
		my_slot->ndirty = 0;
		my_slot->nkeys = 0;
		my_slot->nroutes = 0;
		my_slot->all_dirty = false;
		claimed = my_slot->commit_seq;
		wanted = my_slot->wanted;
		LWLockRelease(pgr_shared->lock);

		/* log pruning and the feed count check need not run on every cycle */
		now = GetCurrentTimestamp();
		/* with commits pending, only now and then: a storm never leaves the worker idle */
		housekeeping = (work->ndirty == 0 && !work->all) ||
			TimestampDifferenceExceeds(last_housekeeping, now, 10000);
		if (housekeeping)
			last_housekeeping = now;
		cpu_start = cpu_us();
		next = pgr_worker_process(work, housekeeping);
		now = GetCurrentTimestamp() - now;

		cpu_used = cpu_us() - cpu_start;
		LWLockAcquire(pgr_shared->lock, LW_EXCLUSIVE);
		my_slot->cycles++;
		my_slot->busy_us += now;
		my_slot->last_cycle_us = now;
		my_slot->cpu_us += cpu_used;
		/* commits that arrived while we worked, beyond the ones we took */
		backlog = (my_slot->ndirty > 0 || my_slot->all_dirty) ? my_slot->commit_seq - claimed : 0;
		/* the commit rate over windows of 100 ms or more: one burst is not a storm */
		if (TimestampDifferenceExceeds(window_start, GetCurrentTimestamp(), 100))
		{
			TimestampTz t = GetCurrentTimestamp();

			storm = (my_slot->commit_seq - window_seq) * 1000000.0 / Max(t - window_start, 1) >= PGR_STORM_RATE;
			window_start = t;
			window_seq = my_slot->commit_seq;
		}
		if (my_slot->done_seq < claimed)
			my_slot->done_seq = claimed;
		if (next < 0 && my_slot->wanted == wanted && my_slot->ndirty == 0 && !my_slot->all_dirty)
		{
			/* no feeds left and no subscribe committed since we looked: go */
			my_slot->registered = false;
			my_slot->pid = 0;
			my_slot->latch = NULL;
			my_slot->done_seq = my_slot->commit_seq;
			my_slot = NULL;
			LWLockRelease(pgr_shared->lock);
			proc_exit(0);
		}
		LWLockRelease(pgr_shared->lock);

		if (next > 0)
			next_refresh = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), (long) (next * 1000.0));
		else
			next_refresh = 0;

		/*
		 * A write storm (over PGR_STORM_RATE commits a second) with commits waiting:
		 * the worker would run back to back and take a CPU from the writers. Pause
		 * in proportion to the cycle's CPU time; the next cycle takes every commit
		 * made meanwhile, so nothing is lost, deltas just come coarser. Ordinary
		 * traffic, however costly its live queries are to evaluate, never pauses.
		 */
		if (pgr_worker_cpu_share < 1.0 && storm && backlog > 0)
			pause_for_share(cpu_used);
	}
}

/* ------------------------------------------------------------------ SQL */

/*
 * pgr.wait_idle(timeout_ms) — wait until the worker has handled every commit
 * that marked this database dirty before the call. True when idle, false on timeout.
 */
Datum
pgr_wait_idle(PG_FUNCTION_ARGS)
{
	int			timeout_ms = PG_GETARG_INT32(0);
	TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), timeout_ms);
	uint64		target;
	PgrSlot    *slot;

	LWLockAcquire(pgr_shared->lock, LW_SHARED);
	slot = pgr_slot_get(MyDatabaseId, false);
	target = slot ? slot->commit_seq : 0;
	LWLockRelease(pgr_shared->lock);
	if (slot == NULL)
		PG_RETURN_BOOL(true);

	for (;;)
	{
		bool		done;

		LWLockAcquire(pgr_shared->lock, LW_SHARED);
		done = slot->dboid != MyDatabaseId || slot->done_seq >= target;
		LWLockRelease(pgr_shared->lock);
		if (done)
			PG_RETURN_BOOL(true);
		if (GetCurrentTimestamp() >= deadline)
			PG_RETURN_BOOL(false);
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 1, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}

/* pgr.worker_pid() — the pid of this database's worker, or NULL. */
Datum
pgr_worker_pid(PG_FUNCTION_ARGS)
{
	PgrSlot    *slot;
	int			pid = 0;

	LWLockAcquire(pgr_shared->lock, LW_SHARED);
	slot = pgr_slot_get(MyDatabaseId, false);
	if (slot)
		pid = slot->pid;
	LWLockRelease(pgr_shared->lock);
	if (pid == 0)
		PG_RETURN_NULL();
	PG_RETURN_INT32(pid);
}

/* pgr.worker_stats() — (cycles, busy_ms, last_cycle_ms, cpu_ms) of this database's worker slot. */
Datum
pgr_worker_stats(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[4] = {0};
	bool		nulls[4] = {0};
	PgrSlot    *slot;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "pgr.worker_stats must return a composite type");
	LWLockAcquire(pgr_shared->lock, LW_SHARED);
	slot = pgr_slot_get(MyDatabaseId, false);
	if (slot)
	{
		values[0] = Int64GetDatum((int64) slot->cycles);
		values[1] = Float8GetDatum(slot->busy_us / 1000.0);
		values[2] = Float8GetDatum(slot->last_cycle_us / 1000.0);
		values[3] = Float8GetDatum(slot->cpu_us / 1000.0);
	}
	LWLockRelease(pgr_shared->lock);
	if (slot == NULL)
	{
		values[0] = Int64GetDatum(0);
		values[1] = Float8GetDatum(0);
		values[2] = Float8GetDatum(0);
		values[3] = Float8GetDatum(0);
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}

/* The columns of a dirty table whose route hashes this cycle has in full (none when routing is off). */
static uint64
cycle_cols(int i)
{
	return pgr_routing && !cycle_work->all ? cycle_work->dirty_cols[i] : 0;
}

/*
 * pgr._cycle_dirty() RETURNS TABLE (relid oid, cols int2[], reroute boolean) — in
 * the worker's cycle, each dirty table, the routing columns whose changed values
 * the cycle knows in full (a feed routed by another column sees every change), and
 * whether DDL may have moved its feeds' routes. Empty outside a cycle.
 */
Datum
pgr_cycle_dirty(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; cycle_work != NULL && i < cycle_work->ndirty; i++)
	{
		Datum		cols[64];
		int			ncols = 0;
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		for (int a = 1; a < 64; a++)
			if (cycle_cols(i) & (((uint64) 1) << a))
				cols[ncols++] = Int16GetDatum(a);
		values[0] = ObjectIdGetDatum(cycle_work->dirty[i]);
		values[1] = PointerGetDatum(construct_array(cols, ncols, INT2OID, 2, true, TYPALIGN_SHORT));
		values[2] = BoolGetDatum(cycle_work->dirty_reroute[i]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * pgr._cycle_routes() RETURNS TABLE (relid oid, attnum int2, hash int4) — in the
 * worker's cycle, the hashes of the changed rows' routing columns (old and new
 * versions), for the columns known in full. Empty outside a cycle.
 */
Datum
pgr_cycle_routes(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	for (int k = 0; cycle_work != NULL && k < cycle_work->nroutes; k++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};
		uint64		cols = 0;

		for (int i = 0; i < cycle_work->ndirty; i++)
			if (cycle_work->dirty[i] == cycle_work->route_rel[k])
				cols = cycle_cols(i);
		if (!(cols & (((uint64) 1) << cycle_work->route_att[k])))
			continue;
		values[0] = ObjectIdGetDatum(cycle_work->route_rel[k]);
		values[1] = Int16GetDatum(cycle_work->route_att[k]);
		values[2] = Int32GetDatum((int32) cycle_work->route_hash[k]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* ------------------------------------------------------------------ DROP DATABASE */

/* Stop the worker of a database that is being dropped, so DROP DATABASE is not blocked. */
static void
pgr_stop_worker_for_drop(const char *dbname)
{
	Oid			dboid = get_database_oid(dbname, true);
	PgrSlot    *slot;
	int			pid = 0;

	if (!OidIsValid(dboid))
		return;
	LWLockAcquire(pgr_shared->lock, LW_EXCLUSIVE);
	slot = pgr_slot_get(dboid, false);
	if (slot)
	{
		slot->dropping = true;
		pid = slot->pid;
	}
	LWLockRelease(pgr_shared->lock);
	if (pid == 0)
		return;

	kill(pid, SIGTERM);
	for (int i = 0; i < 500; i++)
	{
		bool		gone;

		LWLockAcquire(pgr_shared->lock, LW_SHARED);
		gone = slot->pid != pid;
		LWLockRelease(pgr_shared->lock);
		if (gone)
			break;
		pg_usleep(10000L);
		CHECK_FOR_INTERRUPTS();
	}
}

/* Forget (or, when the drop failed, re-arm) the slot of a database named in DROP DATABASE. */
static void
pgr_drop_finished(Oid dboid, bool dropped)
{
	PgrSlot    *slot;

	if (!OidIsValid(dboid))
		return;
	LWLockAcquire(pgr_shared->lock, LW_EXCLUSIVE);
	slot = pgr_slot_get(dboid, false);
	if (slot && dropped && slot->pid == 0)
		memset(slot, 0, sizeof(PgrSlot));
	else if (slot)
		slot->dropping = false;
	LWLockRelease(pgr_shared->lock);
}

static void
pgr_process_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
					ProcessUtilityContext context, ParamListInfo params,
					QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *parsetree = pstmt->utilityStmt;
	volatile Oid dropping = InvalidOid;

	if (IsA(parsetree, DropdbStmt))
	{
		dropping = get_database_oid(((DropdbStmt *) parsetree)->dbname, true);
		pgr_stop_worker_for_drop(((DropdbStmt *) parsetree)->dbname);
	}

	PG_TRY();
	{
		if (prev_process_utility_hook)
			prev_process_utility_hook(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
		else
			standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
	}
	PG_CATCH();
	{
		pgr_drop_finished(dropping, false);
		PG_RE_THROW();
	}
	PG_END_TRY();

	pgr_drop_finished(dropping, true);
}

void
pgr_worker_install_hooks(void)
{
	prev_process_utility_hook = ProcessUtility_hook;
	ProcessUtility_hook = pgr_process_utility;
}
