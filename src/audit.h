/*
 * audit: the record of who changed what, and of who was refused. Every
 * state-changing cmdlet a session runs, and every cmdlet its role denied,
 * becomes one AuditLog row: time, administrator, source address, the
 * command line with its secrets taken out, the outcome and, for a failure,
 * the first error. Remote (SSH) sessions and local shells both record; a
 * local shell names the Unix user and the source "local".
 *
 * Secrets never reach the log: the value written after a secret parameter
 * (-Pin) is replaced by *** however it was written (-Pin 1234, -Pin:1234,
 * -pi '1234', an expression), and any bound secret value that appears
 * elsewhere in the line is replaced too.
 */
#ifndef UCSH_AUDIT_H
#define UCSH_AUDIT_H

#include <jansson.h>

#include "util.h"

struct shell;
struct cmd_entry;

#define AUDIT_REDACTED "***"
#define AUDIT_COMMAND_MAX 4000 /* longer command lines are cut, with a mark */

/*
 * text with the values of secret parameters replaced by AUDIT_REDACTED.
 * secrets: bound secret values (an array of strings, may be NULL) to take
 * out wherever they appear. A new string (caller frees). Text that does not
 * lex is kept only up to where lexing failed.
 */
char *audit_redact(const char *text, const json_t *secrets);

/* The outcomes of a row. */
#define AUDIT_SUCCESS "Success"
#define AUDIT_FAILED "Failed"
#define AUDIT_DENIED "Denied"
#define AUDIT_WHATIF "WhatIf"

/*
 * Write one row for cmdlet e run by sh: command (already redacted), the
 * outcome and an optional message. 0, or -1 with err (the store refused).
 */
int audit_record(struct shell *sh, const struct cmd_entry *e, const char *command,
		 const char *outcome, const char *message, struct ucsh_err *err);

#endif
