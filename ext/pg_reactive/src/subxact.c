/*
 * subxact.c — one piece of work in a subtransaction: what it raises is rolled back and
 * handed to the caller, so a failing feed, policy or claim cannot end the worker's cycle.
 *
 * Owns no state; the caller decides what an error means.
 */
#include "pg_reactive.h"

#include "access/xact.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

/*
 * Run work(arg) in a subtransaction, in the caller's memory context. Returns NULL when it
 * finished (its allocations kept), or the error it raised, copied into errcxt, after rolling
 * the subtransaction back.
 */
ErrorData *
pgr_run_in_subxact(void (*work) (void *arg), void *arg, MemoryContext errcxt)
{
	MemoryContext oldcontext = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	ErrorData  *volatile error = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcontext);
	PG_TRY();
	{
		work(arg);
		ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(errcxt);
		error = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(oldcontext);
	CurrentResourceOwner = oldowner;
	return error;
}
