/*
 * complete: what may come next on a command line, from the cmdlet table:
 * cmdlet names and aliases, parameter names (own and common), enumerated
 * values, live values a cmdlet offers through its entry's complete hook
 * (identities, MAC addresses), and variable names. The interactive shell,
 * the SSH endpoint and the generated bash/zsh/fish files all ask here, so
 * completion cannot drift from the cmdlets.
 */
#ifndef UCSH_COMPLETE_H
#define UCSH_COMPLETE_H

#include <jansson.h>
#include <stddef.h>

#include "shell.h"

/*
 * Candidates for the word that ends at byte `point` of `line`: a new JSON
 * array of strings (full replacement words, e.g. "-Identity", "Get-CsPhone"),
 * without duplicates: parameter names in the order of the cmdlet's table
 * (own, then common; those already given are left out), everything else
 * sorted. *word_start receives the byte offset where the word being
 * completed begins. sh may be NULL: no variables then, and live values
 * come from the default store.
 * Returns an empty array when there is nothing to offer, and NULL when the
 * word is a file path that the caller should complete as a file name.
 */
json_t *complete_line(struct shell *sh, const char *line, size_t point, size_t *word_start);

/*
 * `ucsh --complete CMDLET PARAM PREFIX`: print the live and enumerated
 * values of CMDLET's -PARAM that start with PREFIX, one per line (for the
 * generated shell completion files). `ucsh --complete [--] LINE` (one
 * argument): print the candidates for the end of LINE, or nothing with
 * exit status 3 when that word is a file name for the caller to complete.
 * Returns the exit status: 0, 1 for an unknown cmdlet or parameter, 2 for
 * a usage error, or 3 as above.
 */
int complete_main(int argc, char **argv);

enum complete_shell {
	COMPLETE_BASH,
	COMPLETE_ZSH,
	COMPLETE_FISH,
};

/* The completion file for that shell, generated from the table; caller frees. */
char *complete_script(enum complete_shell shell);

#endif
