/*
 * Unit tests of device update rules (what a device is offered, which rule
 * is its, the moves between versions, test devices by MAC and by serial
 * number) and of the names a package may hold.
 */
#include "config.h"

#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "devupdate_pkg.h"
#include "devupdate_rule.h"
#include "shell.h"

static json_t *rule(const char *approved, const char *pending, const char *restore)
{
	json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "Identity",
			      "service:WebServer:pool01.contoso.com/1", "UpdateType", "UCPhone",
			      "Brand", "Polycom", "Model", "CX600", "Revision", "Rev-1", "Locale",
			      "ENU");
	json_object_set_new(r, "ApprovedVersion", approved ? json_string(approved) : json_null());
	json_object_set_new(r, "PendingVersion", pending ? json_string(pending) : json_null());
	json_object_set_new(r, "RestoreVersion", restore ? json_string(restore) : json_null());
	return r;
}

static void test_offer(void **state)
{
	(void)state;
	json_t *both = rule("4.0.1", "4.0.2", NULL), *approved = rule("4.0.1", NULL, NULL);
	json_t *pending = rule(NULL, "4.0.2", NULL), *none = rule(NULL, NULL, "4.0.0");
	json_t *empty = rule("", "", NULL);
	assert_string_equal(devupdate_rule_offer(both, true), "4.0.2");
	assert_string_equal(devupdate_rule_offer(both, false), "4.0.1");
	assert_string_equal(devupdate_rule_offer(approved, true), "4.0.1");
	assert_string_equal(devupdate_rule_offer(approved, false), "4.0.1");
	assert_string_equal(devupdate_rule_offer(pending, true), "4.0.2");
	assert_null(devupdate_rule_offer(pending, false));
	assert_null(devupdate_rule_offer(none, true)); /* RestoreVersion is never offered */
	assert_null(devupdate_rule_offer(none, false));
	assert_null(devupdate_rule_offer(empty, true));
	json_decref(both);
	json_decref(approved);
	json_decref(pending);
	json_decref(none);
	json_decref(empty);
}

static void test_matches_case_insensitively(void **state)
{
	(void)state;
	json_t *r = rule("4.0.1", NULL, NULL);
	struct devupdate_device dev = { "ucphone", "POLYCOM", "cx600", "rev-1", "enu" };
	assert_true(devupdate_rule_matches(r, &dev));
	const char **field[] = { &dev.update_type, &dev.brand, &dev.model, &dev.revision,
				 &dev.locale };
	for (size_t i = 0; i < 5; i++) {
		const char *keep = *field[i];
		*field[i] = "other";
		assert_false(devupdate_rule_matches(r, &dev));
		*field[i] = NULL;
		assert_false(devupdate_rule_matches(r, &dev));
		*field[i] = keep;
	}
	json_t *rules = json_pack("[o, o]", rule("1.0", NULL, NULL), json_incref(r));
	json_object_set_new(json_array_get(rules, 0), "Model", json_string("CX500"));
	assert_ptr_equal(devupdate_rule_find(rules, &dev), json_array_get(rules, 1));
	dev.model = "CX700";
	assert_null(devupdate_rule_find(rules, &dev));
	json_decref(rules);
	json_decref(r);
}

static char *transition(json_t *r, enum devupdate_action a, char *why, size_t n)
{
	json_t *changes = NULL;
	struct ucsh_err err;
	err_clear(&err);
	int rc = devupdate_rule_transition(r, a, &changes, &err);
	snprintf(why, n, "%s", err.msg);
	char *s = rc == 0 ? json_dumps(changes, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(changes);
	json_decref(r);
	return s;
}

static void test_approve_restore_reset(void **state)
{
	(void)state;
	char why[512], *s;
	s = transition(rule("4.0.1", "4.0.2", NULL), DEVUPDATE_APPROVE, why, sizeof(why));
	assert_string_equal(s, "{\"ApprovedVersion\":\"4.0.2\",\"PendingVersion\":null,"
			       "\"RestoreVersion\":\"4.0.1\"}");
	free(s);
	s = transition(rule(NULL, "4.0.2", "4.0.0"), DEVUPDATE_APPROVE, why, sizeof(why));
	assert_string_equal(s, "{\"ApprovedVersion\":\"4.0.2\",\"PendingVersion\":null,"
			       "\"RestoreVersion\":null}");
	free(s);
	assert_null(transition(rule("4.0.1", NULL, NULL), DEVUPDATE_APPROVE, why, sizeof(why)));
	assert_non_null(strstr(why, "'service:WebServer:pool01.contoso.com/1' has no PendingVersion"));
	s = transition(rule("4.0.2", "4.0.3", "4.0.1"), DEVUPDATE_RESTORE, why, sizeof(why));
	assert_string_equal(s, "{\"ApprovedVersion\":\"4.0.1\",\"RestoreVersion\":null}");
	free(s);
	assert_null(transition(rule("4.0.2", NULL, NULL), DEVUPDATE_RESTORE, why, sizeof(why)));
	assert_non_null(strstr(why, "has no RestoreVersion"));
	s = transition(rule("4.0.1", "4.0.2", NULL), DEVUPDATE_RESET, why, sizeof(why));
	assert_string_equal(s, "{\"PendingVersion\":null}");
	free(s);
	s = transition(rule("4.0.1", NULL, NULL), DEVUPDATE_RESET, why, sizeof(why));
	assert_string_equal(s, "{}");
	free(s);
}

/* A shell on a private store, with cmds run in it. */
static void run(struct shell *sh, const char *cmds)
{
	unsigned long before = sh->errors;
	assert_int_equal(shell_run(sh, cmds, "test"), 0);
	assert_int_equal(sh->errors, before);
}

static bool is_test(struct store *st, const char *mac, const char *serial, const char *site)
{
	bool yes = true;
	struct ucsh_err err;
	assert_int_equal(devupdate_is_test_device(st, mac, serial, site, &yes, &err), 0);
	return yes;
}

static void test_test_devices_by_mac_and_serial(void **state)
{
	(void)state;
	struct shell sh;
	struct ucsh_err err;
	shell_init(&sh);
	sh.store_uri = ":memory:";
	sh.out = sh.err = fopen("/dev/null", "w");
	run(&sh, "New-CsTestDevice Global/Desk1 -IdentifierType MacAddress -Identifier 0004.f2ab.cdef;"
		 "New-CsTestDevice Global/Lab -IdentifierType SerialNumber -Identifier SN-42;"
		 "New-CsTestDevice site:Default/Lobby -IdentifierType MacAddress -Identifier 00:04:f2:00:00:07");
	struct store *st = shell_store(&sh, &err);
	assert_non_null(st);
	/* by MAC, however the phone spells it */
	assert_true(is_test(st, "00:04:F2:AB:CD:EF", NULL, NULL));
	assert_true(is_test(st, "0004f2abcdef", "other", "Site:Default"));
	assert_false(is_test(st, "00-04-F2-AB-CD-EE", NULL, NULL));
	assert_false(is_test(st, "not a mac", NULL, NULL));
	/* by serial number, and a serial never matches a MAC identifier */
	assert_true(is_test(st, NULL, "SN-42", NULL));
	assert_true(is_test(st, "00-04-F2-00-00-99", "sn-42", NULL));
	assert_false(is_test(st, NULL, "SN-43", NULL));
	assert_false(is_test(st, NULL, "00-04-F2-AB-CD-EF", NULL));
	/* a site's test device is one only in that site */
	assert_true(is_test(st, "0004.f200.0007", NULL, "site:default"));
	assert_false(is_test(st, "0004.f200.0007", NULL, NULL));
	assert_false(is_test(st, "0004.f200.0007", NULL, "Site:Redmond"));
	/* removed: no longer a test device */
	run(&sh, "Remove-CsTestDevice Global/Desk1 -Force");
	assert_false(is_test(st, "00:04:F2:AB:CD:EF", NULL, NULL));
	fclose(sh.out);
	shell_free(&sh);
}

static void test_set_pending_and_lookup(void **state)
{
	(void)state;
	struct ucsh_err err;
	struct store *st = store_open(":memory:", &err);
	const char *v1[6] = { "UCPhone", "Polycom", "CX600", "Rev-1", "ENU", "4.0.7577.4400" };
	const char *v2[6] = { "UCPhone", "polycom", "cx600", "REV-1", "enu", "4.0.7577.4420" };
	json_t *r1, *r2, *found;
	bool changed;
	assert_non_null(st);
	assert_int_equal(devupdate_rule_set_pending(st, "pool01.contoso.com", v1, &r1, &changed, &err), 0);
	assert_true(changed);
	const char *id = json_string_value(json_object_get(r1, "Identity"));
	regex_t re;
	assert_int_equal(regcomp(&re, "^service:WebServer:pool01\\.contoso\\.com/[0-9a-f]{8}-[0-9a-f]{4}-"
				 "4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", REG_EXTENDED | REG_NOSUB), 0);
	assert_int_equal(regexec(&re, id, 0, NULL, 0), 0);
	regfree(&re);
	/* the same kind of device in another case: the same rule, a new pending version */
	assert_int_equal(devupdate_rule_set_pending(st, "pool01.contoso.com", v2, &r2, &changed, &err), 0);
	assert_true(changed);
	assert_string_equal(json_string_value(json_object_get(r2, "Identity")), id);
	assert_string_equal(json_string_value(json_object_get(r2, "PendingVersion")), "4.0.7577.4420");
	json_decref(r2);
	/* already pending: nothing changes */
	assert_int_equal(devupdate_rule_set_pending(st, "pool01.contoso.com", v2, &r2, &changed, &err), 0);
	assert_false(changed);
	json_decref(r2);
	struct devupdate_device dev = { "UCPhone", "Polycom", "CX600", "Rev-1", "ENU" };
	assert_int_equal(devupdate_rule_lookup(st, "POOL01.contoso.com", &dev, &found, &err), 0);
	assert_non_null(found);
	assert_string_equal(json_string_value(json_object_get(found, "Identity")), id);
	json_decref(found);
	/* another pool's web service has no rule for it */
	assert_int_equal(devupdate_rule_lookup(st, "pool02.contoso.com", &dev, &found, &err), 0);
	assert_null(found);
	dev.locale = "DEU";
	assert_int_equal(devupdate_rule_lookup(st, "pool01.contoso.com", &dev, &found, &err), 0);
	assert_null(found);
	json_decref(r1);
	store_close(st);
}

static void expect_name(const char *name, const char *identity, const char *path)
{
	char *id = NULL, *p = NULL, *f[PKG_NFIELDS];
	struct ucsh_err err;
	err_clear(&err);
	if (pkg_parse_name(name, &id, f, &p, &err) != 0)
		fail_msg("%s: %s", name, err.msg);
	assert_string_equal(id, identity);
	assert_string_equal(p, path);
	assert_string_equal(f[PKG_MODEL], "CX600");
	for (size_t i = 0; i < PKG_NFIELDS; i++)
		free(f[i]);
	free(id);
	free(p);
}

static void expect_bad_name(const char *name, const char *why)
{
	char *id = NULL, *p = NULL;
	struct ucsh_err err;
	err_clear(&err);
	assert_int_equal(pkg_parse_name(name, &id, NULL, &p, &err), -1);
	assert_null(id);
	assert_null(p);
	if (!strstr(err.msg, why))
		fail_msg("%s: got '%s', wanted '%s'", name, err.msg, why);
}

static void test_package_names(void **state)
{
	(void)state;
	expect_name("UCPhone\\Polycom\\CX600\\Rev-1\\ENU\\4.0.7577.4400\\CPE\\nk.bin",
		    "UCPhone/Polycom/CX600/Rev-1/ENU/4.0.7577.4400", "CPE/nk.bin");
	expect_name("UCPhone/Polycom/CX600/Rev-1/ENU/4.0/a_b+c~d-e.f", "UCPhone/Polycom/CX600/Rev-1/ENU/4.0",
		    "a_b+c~d-e.f");
	expect_bad_name("UCPhone\\Polycom\\CX600\\Rev-1\\ENU\\4.0\\..\\..\\x", "climbs out of its folder (..)");
	expect_bad_name("UCPhone\\Polycom\\..\\Rev-1\\ENU\\4.0\\x", "climbs out");
	expect_bad_name("\\UCPhone\\Polycom\\CX600\\Rev-1\\ENU\\4.0\\x", "is an absolute path");
	expect_bad_name("/etc/passwd", "is an absolute path");
	expect_bad_name("C:\\UCPhone\\x", "is an absolute path");
	expect_bad_name("UCPhone\\Polycom\\CX600\\Rev-1\\ENU\\4.0\\a\x01" "b", "contains a control character");
	expect_bad_name("UCPhone\\Polycom\\CX600\\Rev-1\\ENU\\4.0\\a\x7f", "contains a control character");
	expect_bad_name("UCPhone\\Polycom\\CX600\\Rev-1\\ENU\\4.0\\a b", "contains ' '");
	expect_bad_name("UCPhone\\Polycom\\CX600\\Rev-1\\ENU\\4.0\\a%2e", "contains '%'");
	expect_bad_name("UCPhone\\Polycom\\CX600\\Rev-1\\ENU\\4.0\\caf\xc3\xa9", "non-ASCII");
	expect_bad_name("UCPhone\\Polycom\\CX600\\Rev-1\\ENU\\4.0\\\\x", "empty folder or file name");
	expect_bad_name("UCPhone\\Polycom\\CX600\\Rev-1\\ENU\\4.0\\.hidden", "starting with '.'");
	expect_bad_name("UCPhone\\Polycom\\CX600\\Rev-1\\ENU\\4.0.x\\nk.bin", "not a dotted version");
	expect_bad_name("UCPhone\\Polycom\\CX600\\Rev-1\\ENU\\4\\nk.bin", "not a dotted version");
	expect_bad_name("UCPhone\\Polycom\\CX600\\Rev-1\\ENU\\4..0\\nk.bin", "not a dotted version");
	expect_bad_name("UCPhone\\Polycom\\CX600\\Rev-1\\ENU\\1234567890.1\\nk.bin", "not a dotted version");
	expect_bad_name("Firmware\\Polycom\\CX600\\Rev-1\\ENU\\4.0\\nk.bin", "is not under UCPhone");
	expect_bad_name("UCPhone\\Polycom\\CX600\\Rev-1\\ENU\\4.0", "is not inside a UCPhone");
	expect_bad_name("UCPhone\\Polycom\\CX600\\nk.bin", "is not inside a UCPhone");
	expect_bad_name("UCPhone\\Polycom\\CX600\\Rev-1\\ENU\\4.0\\a\\b\\c\\d\\e\\f\\g\\h\\i\\j\\k\\l"
			"\\m\\n\\o\\p\\q", "more than 16 folders deep");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offer),
		cmocka_unit_test(test_matches_case_insensitively),
		cmocka_unit_test(test_approve_restore_reset),
		cmocka_unit_test(test_test_devices_by_mac_and_serial),
		cmocka_unit_test(test_set_pending_and_lookup),
		cmocka_unit_test(test_package_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
