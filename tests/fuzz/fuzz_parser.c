/*
 * libFuzzer target for the ucsh parser (and the lexer under it): any byte
 * string must parse or fail with an error, never crash, hang or leak.
 * Build: ./configure --enable-fuzzing CC=clang && make
 * Run:   tests/fuzz/fuzz_parser tests/fuzz/corpus/parser
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 64 * 1024)
		return 0;
	/* the shell reads text; NUL-terminate a copy as it does */
	char *src = malloc(size + 1);
	if (!src)
		return 0;
	memcpy(src, data, size);
	src[size] = '\0';
	struct ast *prog = NULL;
	struct ucsh_err err;
	int line, col;
	if (parse_program(src, strlen(src), &prog, &err, &line, &col) == PARSE_OK)
		ast_free(prog);
	free(src);
	return 0;
}
