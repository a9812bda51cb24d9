/*
 * test_pki: the private CA is made once and kept private; every use gets a
 * leaf that names the topology, and a new one when it is revoked or the
 * topology gains a name; the CRL lists exactly the revoked leaves and is
 * signed by the CA; names and uses are parsed strictly.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/x509.h>

#include "pki.h"
#include "pki_int.h"
#include "store.h"

struct fixture {
	char dir[64];
	char *uri;
	struct store *st;
	struct pki_ca *ca;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct ucsh_err err;
	snprintf(f->dir, sizeof(f->dir), "/tmp/ucsh-test-pki.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->uri = xasprintf("sqlite://%s/ucsh.db", f->dir);
	f->st = store_open(f->uri, &err);
	if (!f->st || pki_ca_open(f->uri, true, &f->ca, &err))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd = xasprintf("rm -rf '%s'", f->dir);
	pki_ca_free(f->ca);
	store_close(f->st);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", f->dir);
	free(cmd);
	free(f->uri);
	free(f);
	return 0;
}

static void test_names_and_uses(void **state)
{
	struct ucsh_err err;
	static const char *const good[] = { "pool01.contoso.com", "*.contoso.com", "localhost",
					    "127.0.0.1", "::1", "a-b.c" };
	static const char *const bad[] = { "", "a..b", "bad name", "a,b", "*", "a.*.com",
					   "x*.contoso.com", "a/b" };
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
		assert_int_equal(pki_check_name(good[i], &err), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_int_equal(pki_check_name(bad[i], &err), -1);
		assert_non_null(strstr(err.msg, "is not a DNS name or an IP address"));
	}
	assert_int_equal(pki_use_parse("webservicesinternal"), PKI_USE_WEB_INTERNAL);
	assert_int_equal(pki_use_parse("Root"), -1);
	assert_int_equal(pki_mask_of("Default,WebServicesExternal"), 1u | 4u);
	json_t *s = pki_use_of(1u | 2u | 4u);
	assert_string_equal(json_string_value(s), "Default,WebServicesInternal,WebServicesExternal");
	json_decref(s);
	s = pki_use_of(0);
	assert_true(json_is_null(s));
	json_decref(s);
}

static void test_leaf_seconds(void **state)
{
	(void)state;
	unsetenv("UCSH_PKI_LEAF_SECONDS");
	assert_int_equal(pki_leaf_seconds(), PKI_LEAF_MAX_SECONDS);
	setenv("UCSH_PKI_LEAF_SECONDS", "30", 1);
	assert_int_equal(pki_leaf_seconds(), 30);
	setenv("UCSH_PKI_LEAF_SECONDS", "2", 1);
	assert_int_equal(pki_leaf_seconds(), 10);
	setenv("UCSH_PKI_LEAF_SECONDS", "99999999999", 1);
	assert_int_equal(pki_leaf_seconds(), PKI_LEAF_MAX_SECONDS);
	setenv("UCSH_PKI_LEAF_SECONDS", "30x", 1);
	assert_int_equal(pki_leaf_seconds(), PKI_LEAF_MAX_SECONDS);
	unsetenv("UCSH_PKI_LEAF_SECONDS");
}

static void test_ca_made_once_and_private(void **state)
{
	struct fixture *f = *state;
	struct pki_ca *again = NULL;
	struct ucsh_err err;
	struct stat sb;
	X509 *root = NULL;
	assert_int_equal(pki_ca_open(f->uri, false, &again, &err), 0);
	assert_non_null(again);
	assert_int_equal(X509_cmp(pki_ca_cert(again), pki_ca_cert(f->ca)), 0);
	pki_ca_free(again);
	assert_int_equal(pki_root_load(f->uri, &root, &err), 1);
	assert_int_equal(X509_cmp(root, pki_ca_cert(f->ca)), 0);
	assert_int_equal(X509_check_ca(root), 1);
	X509_free(root);
	char *key = xasprintf("%s/pki/%s", f->dir, PKI_CA_KEY);
	assert_int_equal(stat(key, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	free(key);
}

static X509 *current_leaf(struct fixture *f, enum pki_use use, json_t **row)
{
	struct ucsh_err err;
	X509 *leaf = NULL;
	assert_int_equal(pki_current_row(f->st, use, row, &err), 1);
	assert_int_equal(pki_row_parse(*row, &leaf, NULL, NULL, &err), 0);
	return leaf;
}

static void test_ensure_issues_then_keeps(void **state)
{
	struct fixture *f = *state;
	struct ucsh_err err;
	json_t *row;
	int issued = -1;
	assert_int_equal(pki_ensure(f->st, f->ca, 3600, &issued, &err), 0);
	assert_int_equal(issued, PKI_NUSES);
	assert_int_equal(pki_ensure(f->st, f->ca, 3600, &issued, &err), 0);
	assert_int_equal(issued, 0);
	X509 *leaf = current_leaf(f, PKI_USE_DEFAULT, &row);
	assert_true(pki_issued_by(f->ca, leaf));
	assert_true(pki_cert_names(leaf, "localhost"));
	assert_true(pki_cert_names(leaf, "::1"));
	json_t *pools = pki_use_names_required(f->st, PKI_USE_DEFAULT, &err);
	assert_int_equal(json_array_size(pools), 1);
	assert_true(pki_cert_names(leaf, json_string_value(json_array_get(pools, 0))));
	assert_false(pki_cert_names(leaf, "other.example.com"));
	json_decref(pools);
	assert_int_equal(pki_time_of(X509_get0_notAfter(leaf)) -
			 pki_time_of(X509_get0_notBefore(leaf)), 3600);
	X509_free(leaf);
	json_decref(row);
}

static void test_new_names_and_revocation_renew(void **state)
{
	struct fixture *f = *state;
	struct ucsh_err err;
	json_t *row, *pool = NULL, *ch;
	int issued = 0;
	assert_int_equal(pki_ensure(f->st, f->ca, 3600, &issued, &err), 0);
	/* the topology gains a web FQDN: every leaf must name it */
	struct store_cursor *cur;
	assert_int_equal(store_query(f->st, "Pool", NULL, NULL, &cur, &err), 0);
	assert_int_equal(store_cursor_next(cur, &pool, &err), 1);
	store_cursor_free(cur);
	ch = json_pack("{s:s}", "InternalWebFqdn", "web.contoso.com");
	assert_int_equal(store_update(f->st, "Pool",
				      json_string_value(json_object_get(pool, "Identity")), ch, &err), 1);
	json_decref(ch);
	json_decref(pool);
	assert_int_equal(pki_ensure(f->st, f->ca, 3600, &issued, &err), 0);
	assert_int_equal(issued, PKI_NUSES);
	X509 *leaf = current_leaf(f, PKI_USE_WEB_INTERNAL, &row);
	assert_true(pki_cert_names(leaf, "web.contoso.com"));
	X509_free(leaf);
	/* revoked: replaced, and only that use's leaf */
	char tp[64];
	snprintf(tp, sizeof(tp), "%s", json_string_value(json_object_get(row, "Thumbprint")));
	json_decref(row);
	assert_int_equal(pki_revoke(f->st, f->ca, tp, &err), 0);
	assert_int_equal(pki_revoke(f->st, f->ca, tp, &err), -1);
	assert_non_null(strstr(err.msg, "already revoked"));
	assert_int_equal(pki_ensure(f->st, f->ca, 3600, &issued, &err), 0);
	assert_int_equal(issued, 1);
	leaf = current_leaf(f, PKI_USE_WEB_INTERNAL, &row);
	assert_string_not_equal(json_string_value(json_object_get(row, "Thumbprint")), tp);
	X509_free(leaf);
	json_decref(row);
}

static void test_crl_lists_the_revoked(void **state)
{
	struct fixture *f = *state;
	struct ucsh_err err;
	json_t *row;
	X509_CRL *crl = NULL;
	X509_REVOKED *rev = NULL;
	assert_int_equal(pki_ensure(f->st, f->ca, 3600, NULL, &err), 0);
	X509 *live = current_leaf(f, PKI_USE_WEB_EXTERNAL, &row);
	json_decref(row);
	X509 *gone = current_leaf(f, PKI_USE_DEFAULT, &row);
	assert_int_equal(pki_revoke(f->st, f->ca, json_string_value(json_object_get(row,
			 "Thumbprint")), &err), 0);
	json_decref(row);
	assert_int_equal(pki_crl_make(f->st, f->ca, 600, 42, &crl, &err), 0);
	assert_int_equal(X509_CRL_verify(crl, X509_get0_pubkey(pki_ca_cert(f->ca))), 1);
	assert_int_equal(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)), 1);
	assert_int_equal(X509_CRL_get0_by_cert(crl, &rev, gone), 1);
	assert_int_equal(X509_CRL_get0_by_cert(crl, &rev, live), 0);
	X509_CRL_free(crl);
	X509_free(live);
	X509_free(gone);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_and_uses),
		cmocka_unit_test(test_leaf_seconds),
		cmocka_unit_test_setup_teardown(test_ca_made_once_and_private, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ensure_issues_then_keeps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_names_and_revocation_renew, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crl_lists_the_revoked, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
