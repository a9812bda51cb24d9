/*
 * replay: a fuzz target's seed corpus as a test in every build. The same
 * tests/fuzz/fuzz_NAME.c that libFuzzer drives (./configure
 * --enable-fuzzing) is linked with this main as tests/fuzz/replay_NAME,
 * which feeds it each file of tests/fuzz/corpus/NAME once: the seeds,
 * crash reproducers among them, are run with the target's own oracles
 * under whatever the build has (ASan and UBSan with --enable-sanitizers).
 * A target aborts on a broken oracle, so the test fails; it speaks TAP.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SEED (1 << 20)

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The file's bytes in a buffer of exactly its size (so that ASan sees any
 * read past the end), or NULL. */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = malloc(MAX_SEED), *exact = NULL;
	if (f && buf) {
		*len = fread(buf, 1, MAX_SEED, f);
		if (!ferror(f) && feof(f) && (exact = malloc(*len ? *len : 1)))
			memcpy(exact, buf, *len);
	}
	if (f)
		fclose(f);
	free(buf);
	return exact;
}

int main(int argc, char **argv)
{
	const char *src = getenv("UCSH_SRC_DIR"), *self = strrchr(argv[0], '/');
	const char *name = strstr(self ? self + 1 : argv[0], "replay_");
	char dir[4096];
	(void)argc;
	printf("1..1\n");
	if (!src || !name) {
		printf("not ok 1 - no UCSH_SRC_DIR, or not run as replay_NAME\n");
		return 1;
	}
	name += strlen("replay_");
	snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s", src, name);
	DIR *d = opendir(dir);
	if (!d) {
		printf("not ok 1 - %s: %s\n", dir, strerror(errno));
		return 1;
	}
	char **names = NULL;
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		if (!names || !(names[n++] = strdup(e->d_name)))
			abort();
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		char path[8192];
		size_t len = 0;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		uint8_t *data = slurp(path, &len);
		if (!data) {
			printf("not ok 1 - %s cannot be read (or is over 1 MiB)\n", path);
			return 1;
		}
		fprintf(stderr, "# %s\n", names[i]); /* the one that aborts is the last named */
		LLVMFuzzerTestOneInput(data, len);
		free(data);
		free(names[i]);
	}
	free(names);
	printf("%s 1 - fuzz_%s: the %zu seeds of tests/fuzz/corpus/%s replayed\n", n ? "ok" : "not ok",
	       name, n, name);
	return n ? 0 : 1;
}
