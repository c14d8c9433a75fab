/*
 * pg_reactive.c — module entry point: library version and _PG_init wiring.
 *
 * Owns nothing itself; each unit (guc, worker, capture) installs its own hooks.
 */
#include "pg_reactive.h"

#include "miscadmin.h"
#include "utils/builtins.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(pgr_library_version);

void
_PG_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("pg_reactive must be loaded via shared_preload_libraries"),
				 errhint("Add pg_reactive to shared_preload_libraries in postgresql.conf and restart the server.")));

	pgr_define_gucs();
	pgr_shmem_install();
	pgr_worker_install_hooks();
	pgr_capture_install();
}

/* The version of the loaded shared library, which may differ from the SQL script's. */
Datum
pgr_library_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(PG_REACTIVE_LIBRARY_VERSION));
}
