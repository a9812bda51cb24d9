/*
 * fuzz_cab: the cabinet reader and the package checks on any bytes, as
 * Import-CsDeviceUpdate meets them. Every input is refused with a message
 * or read; every file of a cabinet that opens is extracted (to nowhere,
 * at most 1 MiB each, so that a header claiming gigabytes costs nothing),
 * and a package that passes pkg_plan must hold only paths that stay inside
 * their image: no "..", no absolute path, no '\', nothing outside the
 * allowed characters.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cab.h"
#include "devupdate_pkg.h"

#define MAX_EXTRACT (1u << 20)

/* Every part of path is a plain name: not empty, not "." or "..", no
 * leading '.', only the allowed characters. */
static void check_path(const char *path)
{
	static const char allowed[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				      "0123456789._+~-";
	for (const char *p = path;; p++) {
		size_t n = strspn(p, allowed);
		if (n == 0 || p[0] == '.' || (p[n] != '/' && p[n] != '\0'))
			abort();
		p += n;
		if (!*p)
			return;
	}
}

static void check_plan(struct cab *c)
{
	static const struct pkg_limits lim = { MAX_EXTRACT, 64u << 20, 1000 };
	struct pkg *p = NULL;
	struct ucsh_err err;
	err_clear(&err);
	if (pkg_plan(c, &lim, &p, &err) != 0) {
		if (!err.msg[0] || p)
			abort();
		return;
	}
	for (size_t i = 0; i < p->nimages; i++) {
		check_path(p->images[i].identity);
		for (size_t f = 0; f < p->images[i].nfiles; f++)
			check_path(p->images[i].path[f]);
	}
	pkg_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cab *c = NULL;
	struct ucsh_err err;
	err_clear(&err);
	if (cab_open_mem(data, size, &c, &err) != 0) {
		if (!err.msg[0] || c)
			abort();
		return 0;
	}
	for (size_t i = 0; i < cab_file_count(c) && i < 64; i++) {
		unsigned char sha[CAB_SHA256_LEN];
		uint64_t n = 0;
		struct cab_file f;
		cab_file_at(c, i, &f);
		if (cab_extract(c, i, -1, f.size < MAX_EXTRACT ? f.size : MAX_EXTRACT, sha, &n,
				&err) == 0 && n != f.size)
			abort(); /* a success writes exactly what the header said */
	}
	check_plan(c);
	cab_close(c);
	return 0;
}
