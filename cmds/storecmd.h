/*
 * storecmd: what every cmdlet over a store kind does the same way, written
 * once: open the store, find an object by its identity (with a "not found"
 * error that names what was asked for), run a query that streams typed
 * objects down the pipeline, collect the kind's properties from the bound
 * parameters, and insert, update or remove with -WhatIf/-Confirm and a
 * transaction. A noun's file then holds only its entries and what is
 * particular to it (how its identities are spelled, what it validates).
 *
 * Parameter names are property names: -DisplayName sets DisplayName. That
 * is the convention of the Lync cmdlets, and it is what lets one function
 * turn a Set-* call into a store update.
 */
#ifndef UCSH_STORECMD_H
#define UCSH_STORECMD_H

#include <jansson.h>

#include "cmd.h"
#include "store.h"

/*
 * Stream every object of kind that matches filter (borrowed, may be NULL)
 * down the pipeline, each typed with the kind's name. script: an optional
 * -Filter script block; it runs in the store when it translates (see
 * filter.h), else per object in the shell. Returns 0 or -1 (stop).
 */
int storecmd_query(struct cmd_ctx *ctx, const char *kind, const json_t *filter,
		   const struct store_query_opts *opts, const json_t *script);

/*
 * storecmd_query with map(obj) applied to each object as the store returns
 * it, before -Filter runs in the shell and before it is emitted: for
 * properties computed from stored ones (a registration's ExpiresIn).
 */
int storecmd_query_map(struct cmd_ctx *ctx, const char *kind, const json_t *filter,
		       const struct store_query_opts *opts, const json_t *script,
		       void (*map)(json_t *obj));

/*
 * storecmd_query for the objects whose property prop matches the wildcard
 * pattern (PowerShell's * ? and [a-z] sets), on top of filter (borrowed,
 * may be NULL). Sets the store cannot do are checked in the shell on the
 * rows the store's coarser match returns.
 */
int storecmd_query_like(struct cmd_ctx *ctx, const char *kind, const char *prop,
			const char *pattern, const json_t *filter,
			const struct store_query_opts *opts, const json_t *script);

/*
 * The Get-* of a noun whose -Identity and -Filter follow Lync: pattern
 * (may be NULL) is a wildcard on the kind's key; filter is -Filter as
 * bound (may be NULL): a string is Lync's wildcard on the key ("site:*"),
 * a script block works as in storecmd_query. Returns 0 or -1 (stop).
 */
int storecmd_query_identity(struct cmd_ctx *ctx, const char *kind, const char *pattern,
			    const json_t *filter);

/*
 * The object of kind whose key is key: a new reference, typed, or NULL
 * after writing an error: a non-terminating "no <what> 'key' was found"
 * (what: the noun as the user says it, e.g. "user"), or a terminating one
 * when the store itself failed (cmd_cancelled() then tells).
 */
json_t *storecmd_get(struct cmd_ctx *ctx, const char *kind, const char *key, const char *what);

/*
 * A new object holding the bound parameters that are properties of kind,
 * except those named in skip (NULL-terminated, may be NULL) and the common
 * parameters. Switches and values are taken as bound.
 */
json_t *storecmd_props(struct cmd_ctx *ctx, const char *kind, const char *const *skip);

/*
 * Insert obj (borrowed) after cmd_should_process("New <what>", key); emit
 * what the store then holds. 0, or -1 to stop. A duplicate is a
 * non-terminating error that names the key.
 */
int storecmd_insert(struct cmd_ctx *ctx, const char *kind, const char *key, json_t *obj,
		    const char *what);
/* Update the object of kind at key with changes (borrowed); emits nothing
 * unless passthru. Errors as storecmd_insert. */
int storecmd_update(struct cmd_ctx *ctx, const char *kind, const char *key, json_t *changes,
		    const char *what, bool passthru);
/* Remove the object of kind at key, after confirmation. */
int storecmd_delete(struct cmd_ctx *ctx, const char *kind, const char *key, const char *what);

/* Write err (from a store call) as a non-terminating error, or a
 * terminating one when the store itself failed (busy, I/O). */
int storecmd_error(struct cmd_ctx *ctx, struct store *st, const struct ucsh_err *err);

/*
 * Live completion (struct cmd_param.complete): the values of property prop
 * of kind that start with prefix, at most 200, from the session's store (sh
 * NULL: the default store, if it exists: completing never creates a store).
 * A new array; empty when the store cannot be read (completion never fails).
 */
json_t *storecmd_complete_keys(struct shell *sh, const char *kind, const char *prop,
			       const char *prefix);

/* Emit obj (borrowed) typed with kind, as a new reference. */
int storecmd_emit(struct cmd_ctx *ctx, const char *kind, json_t *obj);

#endif
