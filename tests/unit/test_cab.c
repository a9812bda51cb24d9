/*
 * Unit tests of the cabinet reader and of pkg_plan on real cabinets: the
 * seeds of the cab fuzz target (tests/fuzz/corpus/cab/, made with gcab):
 * one.cab (one stored file), nested.cab (two images, nested folders),
 * mszip.cab (MSZIP compressed) and dotdot.cab (a name patched to hold ..).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cab.h"
#include "devupdate_pkg.h"

#define ONE_SHA256 "af370ae4153fe1a0de3213093ab423f89df2ddc1cc4162ef3c8f590384bb70fb"

static char *seed(const char *name)
{
	const char *src = getenv("UCSH_SRC_DIR");
	return xasprintf("%s/tests/fuzz/corpus/cab/%s", src ? src : ".", name);
}

static struct cab *open_seed(const char *name)
{
	char *path = seed(name);
	struct cab *c = NULL;
	struct ucsh_err err;
	if (cab_open_path(path, &c, &err) != 0)
		fail_msg("%s: %s", path, err.msg);
	free(path);
	return c;
}

/* The whole seed file in memory. Caller frees. */
static unsigned char *slurp(const char *name, size_t *len)
{
	char *path = seed(name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	unsigned char *buf = xmalloc(1 << 16);
	*len = fread(buf, 1, 1 << 16, f);
	fclose(f);
	free(path);
	return buf;
}

static void test_one_file(void **state)
{
	(void)state;
	struct cab *c = open_seed("one.cab");
	struct cab_file f;
	unsigned char sha[CAB_SHA256_LEN];
	char hex[2 * CAB_SHA256_LEN + 1];
	uint64_t n = 0;
	struct ucsh_err err;
	assert_int_equal(cab_file_count(c), 1);
	cab_file_at(c, 0, &f);
	assert_string_equal(f.name, "UCPhone\\Polycom\\CX600\\Rev-1\\ENU\\4.0.7577.4400\\CPE\\nk.bin");
	assert_int_equal(f.size, 23);
	FILE *tmp = tmpfile();
	assert_int_equal(cab_extract(c, 0, fileno(tmp), f.size, sha, &n, &err), 0);
	assert_int_equal(n, 23);
	cab_sha256_hex(sha, hex);
	assert_string_equal(hex, ONE_SHA256);
	char buf[64] = "";
	rewind(tmp);
	assert_int_equal(fread(buf, 1, sizeof(buf) - 1, tmp), 23);
	assert_string_equal(buf, "firmware 4.0.7577.4400\n");
	fclose(tmp);
	/* one byte less allowed than the file holds: refused, naming it */
	assert_int_equal(cab_extract(c, 0, -1, 22, sha, &n, &err), -1);
	assert_non_null(strstr(err.msg, "nk.bin' is bigger than 22 bytes"));
	cab_close(c);
}

static void test_mszip_and_memory(void **state)
{
	(void)state;
	size_t len;
	unsigned char *data = slurp("mszip.cab", &len), sha[CAB_SHA256_LEN];
	struct cab *c = NULL;
	struct cab_file f;
	struct ucsh_err err;
	uint64_t n;
	assert_int_equal(cab_open_mem(data, len, &c, &err), 0);
	assert_int_equal(cab_file_count(c), 2);
	cab_file_at(c, 0, &f);
	assert_int_equal(f.size, 65536); /* from a cabinet of a few hundred bytes */
	assert_int_equal(cab_extract(c, 0, -1, f.size, sha, &n, &err), 0);
	assert_int_equal(n, 65536);
	cab_close(c);
	/* a data block damaged: the extraction fails, the directory still reads */
	data[len - 20] ^= 0x55;
	assert_int_equal(cab_open_mem(data, len, &c, &err), 0);
	assert_int_equal(cab_extract(c, 0, -1, f.size, sha, &n, &err), -1);
	assert_non_null(strstr(err.msg, "cannot be extracted"));
	cab_close(c);
	/* truncated: refused when opened or when extracted */
	data[len - 20] ^= 0x55;
	if (cab_open_mem(data, len / 2, &c, &err) == 0) {
		assert_int_equal(cab_extract(c, 0, -1, f.size, sha, &n, &err), -1);
		cab_close(c);
	}
	free(data);
}

static void test_not_a_cabinet(void **state)
{
	(void)state;
	struct cab *c = NULL;
	struct ucsh_err err;
	static const char text[] = "this is a text file, not a cabinet";
	assert_int_equal(cab_open_mem(text, sizeof(text), &c, &err), -1);
	assert_null(c);
	assert_non_null(strstr(err.msg, "not a valid cabinet"));
	assert_int_equal(cab_open_path("/nonexistent/x.cab", &c, &err), -1);
	assert_non_null(strstr(err.msg, "cannot open /nonexistent/x.cab"));
	assert_int_equal(cab_open_path("/", &c, &err), -1);
}

static const struct pkg_limits roomy = { 1 << 20, 1 << 24, 100 };

static void test_plan_groups_images(void **state)
{
	(void)state;
	struct cab *c = open_seed("nested.cab");
	struct pkg *p = NULL;
	struct ucsh_err err;
	assert_int_equal(pkg_plan(c, &roomy, &p, &err), 0);
	assert_int_equal(p->nimages, 2);
	assert_string_equal(p->images[0].identity, "UCPhone/Polycom/CX600/Rev-1/ENU/4.0.7577.4400");
	assert_int_equal(p->images[0].nfiles, 2);
	assert_string_equal(p->images[0].path[1], "CPE/kernel.img");
	assert_string_equal(p->images[1].identity, "UCPhone/Aastra/6725ip/Rev-2/DEU/4.0.7577.4401");
	assert_string_equal(p->images[1].path[0], "CPE/boot/stage2/loader.bin");
	assert_string_equal(p->images[1].field[PKG_LOCALE], "DEU");
	pkg_free(p);
	/* limits: files, one file's size, the sum */
	struct pkg_limits lim = roomy;
	lim.max_files = 3;
	assert_int_equal(pkg_plan(c, &lim, &p, &err), -1);
	assert_non_null(strstr(err.msg, "holds 4 files, more than the limit of 3"));
	lim = roomy;
	lim.max_file_size = 6;
	assert_int_equal(pkg_plan(c, &lim, &p, &err), -1);
	assert_non_null(strstr(err.msg, "nk.bin' is 23 bytes, more than the limit of 6"));
	lim = roomy;
	lim.max_package_size = 30;
	assert_int_equal(pkg_plan(c, &lim, &p, &err), -1);
	assert_non_null(strstr(err.msg, "add up to more than the limit of 30 bytes"));
	assert_null(p);
	cab_close(c);
}

static void test_plan_refuses_dotdot(void **state)
{
	(void)state;
	struct cab *c = open_seed("dotdot.cab");
	struct pkg *p = NULL;
	struct ucsh_err err;
	assert_int_equal(pkg_plan(c, &roomy, &p, &err), -1);
	assert_null(p);
	assert_string_equal(err.msg, "package entry 'UCPhone\\Polycom\\CX600\\Rev-1\\ENU\\4.0.7577.4400"
				     "\\..\\evil.bin' climbs out of its folder (..)");
	cab_close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_file),
		cmocka_unit_test(test_mszip_and_memory),
		cmocka_unit_test(test_not_a_cabinet),
		cmocka_unit_test(test_plan_groups_images),
		cmocka_unit_test(test_plan_refuses_dotdot),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
