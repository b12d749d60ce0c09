/*
 * thidua.c
 *		Module entry point of the thidua extension.
 *
 * _PG_init must never raise an error: pg_upgrade loads every library that
 * any function references, and an error there aborts the upgrade.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"

#include "thidua.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* Module load: register cache callbacks (cannot fail); inert under binary upgrade. */
void
_PG_init(void)
{
	if (IsBinaryUpgrade)
		return;
	ThiduaRegisterCriteriaCallbacks();
}
