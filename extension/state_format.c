/*
 * state_format.c
 *		Errors for aggregate states that fail validation (see state_format.h).
 */
#include "postgres.h"

#include "state_format.h"

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
