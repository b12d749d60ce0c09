/*
 * thidua.h
 *		Declarations shared by the C sources of the thidua extension.
 */
#ifndef THIDUA_H
#define THIDUA_H

#ifndef THIDUA_VERSION
#error "THIDUA_VERSION must be defined by the build"
#endif

/* Errors unless the installed SQL is no newer than this library. */
extern void ThiduaCheckLibraryCompatible(void);

/* Registers the criteria cache's invalidation and transaction callbacks. */
extern void ThiduaRegisterCriteriaCallbacks(void);

#endif							/* THIDUA_H */
