/*
 * repl: the interactive shell on a terminal, with libedit: history under
 * $XDG_STATE_HOME/ucsh/, completion from the cmdlet table, and multi-line
 * input while a block, string or pipeline is left open.
 */
#ifndef UCSH_REPL_H
#define UCSH_REPL_H

#include "shell.h"

/* Runs until end of input or `exit`. Returns the exit status. */
int repl_run(struct shell *sh);

#endif
