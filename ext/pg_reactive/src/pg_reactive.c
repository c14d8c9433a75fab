/*
 * pg_reactive.c — module entry point: library version and module init.
 *
 * Later units (capture, evaluate, diff, publish, worker, guc) hang off _PG_init.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

PG_MODULE_MAGIC;

#define PG_REACTIVE_LIBRARY_VERSION "0.1.0"

PG_FUNCTION_INFO_V1(pgr_library_version);

void		_PG_init(void);

void
_PG_init(void)
{
}

/* The version of the loaded shared library, which may differ from the SQL script's. */
Datum
pgr_library_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(PG_REACTIVE_LIBRARY_VERSION));
}
