/*
 * filter: turns a script block such as
 *     { $_.Model -eq 'CX600' -and $_.Site -like 'HQ*' }
 * into a store filter (JSON data, see store.h), so that -Filter runs in
 * the store, with its indexes, instead of loading every object into the
 * shell. Only what the store can answer exactly is translated: comparisons
 * of one $_ property with a value that does not depend on $_, joined by
 * -and, -or and -not. Anything else is reported as not translatable and
 * the caller evaluates the block per object instead, so -Filter is always
 * right and fast where it can be.
 */
#ifndef UCSH_FILTER_H
#define UCSH_FILTER_H

#include <jansson.h>

#include "shell.h"
#include "util.h"

enum filter_status {
	FILTER_OK = 0,       /* *filter holds the translation (caller owns) */
	FILTER_UNTRANSLATABLE = 1, /* why says what could not be translated */
	FILTER_ERROR = -1,   /* evaluating a value failed; why holds the error */
};

/* block: a script block value (borrowed). Values in the block are evaluated
 * now, in sh, so `{ $_.Model -eq $m }` uses the current $m. */
enum filter_status filter_from_scriptblock(struct shell *sh, const json_t *block,
					   json_t **filter, struct ucsh_err *why);

#endif
