/*
 * test_registrar: what the registrar reads from a REGISTER for the phone
 * inventory: brand, model and firmware from the User-Agent spellings desk
 * phones use, and the MAC from a version-1 UUID instance or a mac=
 * parameter, never from a random UUID.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "registrar.h"

static void check_ua(const char *ua, const char *brand, const char *model, const char *fw)
{
	struct registrar_ua out;
	registrar_parse_user_agent(ua, strlen(ua), &out);
	assert_string_equal(out.brand, brand);
	assert_string_equal(out.model, model);
	assert_string_equal(out.firmware, fw);
}

static void test_user_agents(void **state)
{
	(void)state;
	check_ua("Polycom/4.0.7577.4100 CX600", "Polycom", "CX600", "4.0.7577.4100");
	check_ua("PolycomVVX-VVX_410-UA/5.9.0.9373", "Polycom", "VVX 410", "5.9.0.9373");
	check_ua("PolycomSoundPointIP-SPIP_650-UA/4.0.4.2906", "Polycom", "SPIP 650", "4.0.4.2906");
	check_ua("Yealink SIP-T46S 66.86.0.15", "Yealink", "T46S", "66.86.0.15");
	check_ua("Aastra/4.0.7577.4100 6725ip", "Aastra", "6725ip", "4.0.7577.4100");
	/* what says no model or no version leaves the fields empty */
	check_ua("baresip v1.0.0 (x86_64/linux)", "", "", "");
	check_ua("sipp-bench", "", "", "");
	check_ua("", "", "", "");
}

static void check_mac(const char *instance, const char *param, int rc, const char *want)
{
	char buf[18] = "";
	assert_int_equal(registrar_contact_mac(instance, instance ? strlen(instance) : 0, param,
					       param ? strlen(param) : 0, buf),
			 rc);
	if (rc == 0)
		assert_string_equal(buf, want);
}

static void test_contact_mac(void **state)
{
	(void)state;
	check_mac("\"<urn:uuid:6f1d2b30-0b1c-11ee-8000-0004f2abcdef>\"", NULL, 0,
		  "00-04-F2-AB-CD-EF");
	/* version 4 (random) UUIDs carry no MAC; the mac= parameter still does */
	check_mac("\"<urn:uuid:6f1d2b30-0b1c-41ee-8000-0004f2abcdef>\"", NULL, -1, NULL);
	check_mac("\"<urn:uuid:6f1d2b30-0b1c-41ee-8000-0004f2abcdef>\"", "0004f2123456", 0,
		  "00-04-F2-12-34-56");
	/* a multicast node is a random one, not a device */
	check_mac("\"<urn:uuid:6f1d2b30-0b1c-11ee-8000-0104f2abcdef>\"", NULL, -1, NULL);
	check_mac("\"<urn:uuid:short>\"", NULL, -1, NULL);
	check_mac(NULL, "\"00:04:f2:ab:cd:ef\"", 0, "00-04-F2-AB-CD-EF");
	check_mac(NULL, "nonsense", -1, NULL);
	check_mac(NULL, NULL, -1, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_agents),
		cmocka_unit_test(test_contact_mac),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
