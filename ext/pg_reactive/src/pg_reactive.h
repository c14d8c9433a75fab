/*
 * pg_reactive.h — the one header of pg_reactive, a section per source file.
 *
 * Writers only mark work (capture.c); the background worker (worker.c) does all
 * evaluation, diffing and NOTIFY through the SQL layer in pg_reactive--0.1.sql.
 */
#ifndef PG_REACTIVE_H
#define PG_REACTIVE_H

#include "postgres.h"

#include "executor/spi.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/jsonb.h"
#include "storage/latch.h"
#include "storage/lwlock.h"

#define PG_REACTIVE_LIBRARY_VERSION "0.1.0"

/* Dirty relations a slot remembers before it falls back to "everything is dirty". */
#define PGR_MAX_DIRTY 64
/* Changed primary keys a slot remembers; past that a table is re-evaluated in full. */
#define PGR_MAX_KEYS 16384
/* Commits a second (over 100 ms or more) that make a write storm, when the worker yields CPU. */
#define PGR_STORM_RATE 2000
/* Changed keys one transaction remembers per commit before marking its table full. */
#define PGR_MAX_TXN_KEYS 256
/* Route hashes (table, column, hash of a changed row's value) a slot remembers; past that a table is unrouted. */
#define PGR_MAX_ROUTES 8192
/* Distinct route hashes one transaction remembers before its table is unrouted for the cycle. */
#define PGR_MAX_TXN_ROUTES 256
/* Routing columns are attnums 1..63, one bit each in a mask. */
#define PGR_ROUTE_COLS_ALL (~(uint64) 0)

/* ---------------------------------------------------------------- pg_reactive.c */
extern void _PG_init(void);

/* ---------------------------------------------------------------- guc.c */
extern int	pgr_max_databases;
extern int	pgr_log_retention;
extern int	pgr_coalesce_ms;
extern double pgr_worker_cpu_share;
extern bool pgr_routing;
extern int	pgr_orphan_grace;
extern void pgr_define_gucs(void);

/* ---------------------------------------------------------------- worker.c */

/*
 * One slot per database that has (or had) live queries. Writers add dirty relids
 * and bump commit_seq at commit; the worker takes the dirty set, evaluates, then
 * publishes done_seq so pgr.wait_idle() can tell when a commit has been handled.
 */
typedef struct PgrSlot
{
	Oid			dboid;			/* InvalidOid = free */
	bool		registered;		/* a worker is registered or running */
	bool		dropping;		/* DROP DATABASE in progress: never restart */
	int			pid;			/* worker pid once attached, else 0 */
	Latch	   *latch;			/* worker latch once attached, else NULL */
	uint64		commit_seq;		/* commits that marked something dirty */
	uint64		done_seq;		/* commit_seq the worker has fully handled */
	uint64		wanted;			/* bumped by each committed subscribe */
	bool		all_dirty;		/* overflow or worker start: evaluate all */
	uint64		cycles;			/* worker cycles run (statistics) */
	uint64		busy_us;		/* time spent in them, transaction included */
	uint64		last_cycle_us;
	uint64		cpu_us;			/* worker CPU time (user + system) in cycles */
	int			ndirty;
	Oid			dirty[PGR_MAX_DIRTY];
	bool		dirty_full[PGR_MAX_DIRTY];	/* changed keys unknown: full re-evaluation */
	uint64		dirty_cols[PGR_MAX_DIRTY];	/* columns whose route hashes are all here (bit = attnum) */
	bool		dirty_reroute[PGR_MAX_DIRTY];	/* DDL: its feeds' routes may have moved */
	int			nkeys;
	Oid			key_rel[PGR_MAX_KEYS];	/* changed integer primary keys, per table */
	int64		key_val[PGR_MAX_KEYS];
	int			nroutes;
	Oid			route_rel[PGR_MAX_ROUTES];	/* hashes of changed rows' routing columns */
	int16		route_att[PGR_MAX_ROUTES];
	uint32		route_hash[PGR_MAX_ROUTES];
} PgrSlot;

typedef struct PgrShared
{
	LWLock	   *lock;
	int			nslots;
	PgrSlot		slots[FLEXIBLE_ARRAY_MEMBER];
} PgrShared;

extern PgrShared *pgr_shared;
extern void pgr_shmem_install(void);
extern PgrSlot *pgr_slot_get(Oid dboid, bool create);	/* caller holds lock */
extern void pgr_worker_ensure_locked(PgrSlot *slot);	/* caller holds lock */
extern void pgr_worker_install_hooks(void);
extern PGDLLEXPORT void pgr_worker_main(Datum arg);
/* The worker's cycle count (0 outside the worker): per-cycle caches key on it. */
extern uint64 pgr_cycle_number;

/* ---------------------------------------------------------------- capture.c */
extern void pgr_capture_install(void);

/* ---------------------------------------------------------------- evaluate.c */
/*
 * SQL-callable: pgr._analyze(sql, param_types), pgr._eval(sql, param_types,
 * params [, restrict_key, restrict_to]) and pgr._enter(role, claims, search_path).
 */
extern Datum pgr_eval(PG_FUNCTION_ARGS);

/*
 * A live query's rows are evaluated as each row's json text (to_json of subquery pgr_q, in
 * the query's order): what consumers receive, exactly as PostgREST renders a row. The jsonb
 * array pg_reactive compares, keys and merges by is parsed from them, and only for a feed
 * whose texts changed (pgr_texts_to_rows).
 */
#define PGR_TEXTS "coalesce(array_agg(to_json(pgr_q)::text), '{}'::text[])"
/*
 * A C function called through an older declaration of itself: a database that ran an
 * earlier build of this (unreleased) version keeps that build's SQL.
 */
#define PGR_CHECK_DECLARATION(ok) \
	do { \
		if (!(ok)) \
			ereport(ERROR, \
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE), \
					 errmsg("pg_reactive's SQL in this database does not match its library"), \
					 errhint("The database ran an earlier build of this pg_reactive version: recreate the extension."))); \
	} while (0)
/* Evaluate a live query as the current role, to its rows' json texts; see evaluate.c. */
extern ArrayType *pgr_eval_texts(const char *sql, ArrayType *param_types, Jsonb *params,
								 const char *restrict_key, Datum restrict_to);
/* The jsonb array of rows whose json texts these are. */
extern Jsonb *pgr_texts_to_rows(ArrayType *texts);
/* A prepared plan of a wrapped live query, kept for the backend's life; NULL: run uncached. */
extern SPIPlanPtr pgr_eval_plan_get(const char *query, int ntypes, Oid *types);
/* Element i of a jsonb parameter array as its type's text input; NULL for json null. */
extern char *pgr_jsonb_element_text(Jsonb *params, int i);
/* A jsonb value as the text ->> gives (containers as JSON text); NULL for json null. */
extern char *pgr_jsonb_value_text(JsonbValue *v);

/* ---------------------------------------------------------------- subxact.c */
/* Run work(arg) in a subtransaction; NULL when it finished, else its error (copied into errcxt). */
extern ErrorData *pgr_run_in_subxact(void (*work) (void *arg), void *arg, MemoryContext errcxt);

/* ---------------------------------------------------------------- quiet.c */
extern bool pgr_quiet_pending(void);

/* ---------------------------------------------------------------- batch.c */
/* SQL-callable: pgr._eval_batch(), many feeds of one live query in one call. */

/* ---------------------------------------------------------------- route.c */
/*
 * How the rows of one table a live query reads reach its feeds, for one role:
 * only rows whose column attnum equals value (an expression of $n and JWT claims)
 * can change a feed's result; attnum 0 when that is not proven.
 */
typedef struct PgrTableRoute
{
	Oid			relid;
	AttrNumber	attnum;
	Node	   *value;
	Oid			hashfn;			/* hashes value as the column type's hash family does */
	Oid			collation;
	char	   *why;			/* the condition, or why there is none */
} PgrTableRoute;

/* A live query as the catalog holds it: what analysis needs. */
typedef struct PgrQueryDef
{
	char	   *sql;
	int			ntypes;
	Oid		   *types;
	char	   *search_path;
	int			ntables;
	Oid		   *tables;
} PgrQueryDef;

/* Columns first .. first+3 of an SPI row: sql, param_types, search_path, tables. */
extern void pgr_query_def_read(PgrQueryDef *q, HeapTuple tuple, TupleDesc desc, int first);
/* Each table's route for roleid, or NULL with *why when the query cannot be analysed. */
extern PgrTableRoute *pgr_routes_try_analyze(PgrQueryDef *q, Oid roleid, char **why);
/* A fingerprint of a query's routes: when it changes, its feeds' hashes are stale. */
extern char *pgr_routes_signature(PgrTableRoute *routes, int ntables);

/* ---------------------------------------------------------------- route_feed.c */
/* Bumped by every catalog change the worker sees that may move routes or top-N specs. */
extern uint64 pgr_catalog_generation;
/* Watch policies, functions and roles (worker only). */
extern void pgr_route_watch_catalog(void);

/* ---------------------------------------------------------------- topn.c, topn_spec.c (topn.h) */
/* SQL-callable: pgr._topn_skip(), pgr._topn(). */

#endif							/* PG_REACTIVE_H */
