/*
 * help: everything written about a cmdlet, from its entry alone: Get-Help
 * text at each level, the man pages (one per cmdlet, ucsh-cmdlets(7), and
 * the generated cmdlet list inside ucsh(1)), and the bash, zsh and fish
 * completion files. `ucsh --generate DIR` writes the generated files under
 * DIR (the source tree); make check compares them with a fresh generation
 * so that a stale file fails the build's tests.
 */
#ifndef UCSH_HELP_H
#define UCSH_HELP_H

#include "cmd.h"
#include "util.h"

enum help_level {
	HELP_BRIEF,    /* name, synopsis, syntax, description, related */
	HELP_EXAMPLES, /* name, synopsis, the examples */
	HELP_DETAILED, /* + parameter descriptions, examples */
	HELP_FULL,     /* + parameter attributes (type, position, pipeline, aliases), inputs, outputs, notes, role */
};

/* Get-Help text; caller frees. width: wrap column (0 = 80). */
char *help_text(const struct cmd_entry *e, enum help_level level, int width);
/* The syntax line: Get-CsPhone [[-Identity] <String>] [-Model <String>] ... ; caller frees. */
char *help_syntax(const struct cmd_entry *e);
/* One parameter's help (Get-Help NAME -Parameter P); caller frees; NULL if no such. */
char *help_parameter(const struct cmd_entry *e, const char *param, struct ucsh_err *err);

/* The man page of one cmdlet in roff; caller frees. */
char *help_man_page(const struct cmd_entry *e);
/* The file name of that page: "ucsh-get-csphone.1" (static storage, per call). */
const char *help_man_name(const struct cmd_entry *e);

/* Write every generated file under dir; -1 with err on failure. */
int help_generate(const char *dir, struct ucsh_err *err);

#endif
