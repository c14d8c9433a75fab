/*
 * guc.c — the pg_reactive.* settings. Defines them; reads none of them itself.
 */
#include "pg_reactive.h"

#include "utils/guc.h"

int			pgr_max_databases = 16;
int			pgr_log_retention = 3600;
int			pgr_coalesce_ms = 0;
double		pgr_worker_cpu_share = 0.1;
bool		pgr_routing = true;
int			pgr_orphan_grace = 60;

void
pgr_define_gucs(void)
{
	DefineCustomIntVariable("pg_reactive.max_databases",
							"Databases that can have live queries at the same time (one worker each).",
							NULL,
							&pgr_max_databases,
							16, 1, 1024,
							PGC_POSTMASTER, 0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("pg_reactive.log_retention",
							"Seconds a delta stays in pgr.delta_log for resume.",
							"Older deltas are pruned by the worker; a consumer further behind must resync.",
							&pgr_log_retention,
							3600, 1, INT_MAX,
							PGC_SIGHUP, GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomIntVariable("pg_reactive.coalesce_ms",
							"Milliseconds the worker waits after a wake-up to gather more commits.",
							NULL,
							&pgr_coalesce_ms,
							0, 0, 1000,
							PGC_SIGHUP, GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomRealVariable("pg_reactive.worker_cpu_share",
							 "Share of one CPU a worker may use during a write storm.",
							 "While commits arrive at over 2,000 a second, the worker pauses after each cycle so that "
							 "its CPU time stays within this share; writers keep the rest. 1 never pauses.",
							 &pgr_worker_cpu_share,
							 0.1, 0.01, 1.0,
							 PGC_SIGHUP, 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("pg_reactive.routing",
							 "Route changed rows to the feeds whose claim or parameter values they carry, and skip top-N feeds they cannot enter.",
							 "Off: every feed of a changed table is evaluated, as without routing (for comparison).",
							 &pgr_routing,
							 true,
							 PGC_SIGHUP, 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("pg_reactive.orphan_grace",
							"Seconds a subscription outlives the session that held it.",
							"Meanwhile a restarted consumer can take it over and resume from the delta log; "
							"then the worker removes it as an unsubscribe would. Per database with ALTER DATABASE "
							"(read when the database's worker starts).",
							&pgr_orphan_grace,
							60, 0, INT_MAX,
							PGC_SUSET, GUC_UNIT_S,
							NULL, NULL, NULL);

	MarkGUCPrefixReserved("pg_reactive");
}
