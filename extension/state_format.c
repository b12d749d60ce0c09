/*
 * state_format.c
 *		Where a transition's state comes from, and the errors for aggregate
 *		states that fail validation (see state_format.h).
 */
#include "postgres.h"

#include "catalog/dependency.h"
#include "catalog/pg_proc.h"
#include "commands/extension.h"
#include "nodes/primnodes.h"

#include "state_format.h"

bool
TransitionStateIsOwn(FunctionCallInfo fcinfo, int *origin)
{
	if (*origin == 0)
	{
		Aggref	   *aggref = AggGetAggref(fcinfo);
		Oid			extension = get_extension_oid("thidua", true);

		/*
		 * An Agg node feeds a transition only its own results and the
		 * aggregate's initial condition; ours are trusted, a user's are not.
		 */
		*origin = aggref != NULL && OidIsValid(extension) &&
			getExtensionOfObject(ProcedureRelationId, aggref->aggfnoid) == extension ? 1 : -1;
	}
	return *origin > 0;
}

bool
TransitionStateIsOwnCached(FunctionCallInfo fcinfo)
{
	if (fcinfo->flinfo->fn_extra == NULL)
		fcinfo->flinfo->fn_extra = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(int));
	return TransitionStateIsOwn(fcinfo, (int *) fcinfo->flinfo->fn_extra);
}

void
ReportCorruptState(const char *aggregate, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("invalid %s state", aggregate),
			 errdetail("%s", detail),
			 errhint("Partial states must come from %s of the same thidua release.", aggregate)));
}

void
ReportStateFormat(const char *aggregate, int found, int expected)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("%s state format %d is not supported", aggregate, found),
			 errdetail("This library reads format %d.", expected),
			 errhint("Run the same thidua release on every node.")));
}
