/*
 * version.c
 *		The library's own version, and its check against the installed SQL.
 *
 * A library serves every SQL version up to its own (old SQL keeps calling old
 * symbols), so the only mismatch that matters is a library older than the SQL
 * installed in the database: a stale thidua.so left after an upgrade.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"

#include "thidua.h"

PG_FUNCTION_INFO_V1(thidua_library_version);

static bool library_checked = false;

/* Parse "X.Y.Z" into three numbers; false when the text is not of that form. */
static bool
ParseVersion(const char *text, int parts[3])
{
	char		tail;

	return sscanf(text, "%d.%d.%d%c", &parts[0], &parts[1], &parts[2], &tail) == 3;
}

/* Negative, zero or positive as version a is older, equal or newer than b. */
static int
CompareVersions(const int a[3], const int b[3])
{
	for (int i = 0; i < 3; i++)
	{
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	}
	return 0;
}

/* The extversion of the installed thidua extension, or NULL if none. */
static char *
InstalledExtensionVersion(void)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	char	   *version = NULL;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber,
				F_NAMEEQ, CStringGetDatum("thidua"));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
	{
		bool		isnull;
		Datum		datum = heap_getattr(tuple, Anum_pg_extension_extversion,
										 RelationGetDescr(rel), &isnull);

		if (!isnull)
			version = text_to_cstring(DatumGetTextPP(datum));
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return version;
}

/* Errors once per backend when the installed SQL is newer than this library. */
void
ThiduaCheckLibraryCompatible(void)
{
	char	   *installed;
	int			sql_version[3];
	int			lib_version[3];

	if (library_checked)
		return;

	installed = InstalledExtensionVersion();
	if (installed != NULL &&
		ParseVersion(installed, sql_version) &&
		ParseVersion(THIDUA_VERSION, lib_version) &&
		CompareVersions(sql_version, lib_version) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("thidua library version %s is older than the installed extension version %s",
						THIDUA_VERSION, installed),
				 errdetail("The shared library thidua.so on the server is stale."),
				 errhint("Install thidua %s or newer on the server (make install), then reconnect.",
						 installed)));
	library_checked = true;
}

/* SQL: thidua.library_version() -> the version this library was built as. */
Datum
thidua_library_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(THIDUA_VERSION));
}
