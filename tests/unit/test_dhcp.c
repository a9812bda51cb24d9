/*
 * test_dhcp: option 120 (RFC 3361) and option 43 (MS-UC-Client) come out
 * byte for byte as a phone reads them, refuse what does not fit in an
 * option, and the DHCP servers' configuration carries the same bytes.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dhcp.h"

static void test_option120_one_name(void **state)
{
	(void)state;
	unsigned char out[DHCP_OPTION_MAX];
	size_t n;
	struct ucsh_err err;
	const char *names[] = { "pool01.contoso.com" };
	static const unsigned char want[] = {
		0x00, /* encoding 0: DNS names */
		6, 'p', 'o', 'o', 'l', '0', '1', 7, 'c', 'o', 'n', 't', 'o', 's', 'o', 3, 'c', 'o', 'm', 0,
	};
	assert_int_equal(dhcp_option120(names, 1, out, &n, &err), 0);
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	/* a trailing dot changes nothing */
	names[0] = "pool01.contoso.com.";
	assert_int_equal(dhcp_option120(names, 1, out, &n, &err), 0);
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
}

static void test_option120_two_names(void **state)
{
	(void)state;
	unsigned char out[DHCP_OPTION_MAX];
	size_t n;
	struct ucsh_err err;
	const char *names[] = { "a.example", "b.example" };
	static const unsigned char want[] = {
		0x00, 1, 'a', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,
		1, 'b', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,
	};
	assert_int_equal(dhcp_option120(names, 2, out, &n, &err), 0);
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
}

static void test_option120_refused(void **state)
{
	(void)state;
	unsigned char out[DHCP_OPTION_MAX];
	size_t n;
	struct ucsh_err err;
	const char *bad[] = { "pool 01.contoso.com" };
	assert_int_equal(dhcp_option120(bad, 1, out, &n, &err), -1);
	assert_non_null(strstr(err.msg, "is not a DNS name"));
	assert_int_equal(dhcp_option120(bad, 0, out, &n, &err), -1);
	/* five names of 60 characters take more than 255 bytes */
	char longname[64];
	memset(longname, 'x', 50);
	strcpy(longname + 50, ".example.com");
	const char *many[] = { longname, longname, longname, longname, longname };
	assert_int_equal(dhcp_option120(many, 5, out, &n, &err), -1);
	assert_non_null(strstr(err.msg, "more than 255 bytes"));
}

static void test_option43(void **state)
{
	(void)state;
	unsigned char out[DHCP_OPTION_MAX];
	size_t n;
	struct ucsh_err err;
	assert_int_equal(dhcp_option43("https", "web.contoso.com", 443, DHCP_CERTPROV_PATH, out,
				       &n, &err), 0);
	struct strbuf want = STRBUF_INIT;
	/* sub-option, length, value: 1 identifier, 2 scheme, 3 FQDN, 4 port, 5 path */
	static const char *const subs[] = { "MS-UC-Client", "https", "web.contoso.com", "443",
					     "/CertProv/CertProvisioningService.svc" };
	for (size_t i = 0; i < 5; i++) {
		sb_addc(&want, (char)(i + 1));
		sb_addc(&want, (char)strlen(subs[i]));
		sb_adds(&want, subs[i]);
	}
	assert_int_equal(n, want.len);
	assert_memory_equal(out, want.buf, want.len);
	assert_int_equal(out[0], 1);
	assert_int_equal(out[1], 12);
	sb_free(&want);
	assert_int_equal(dhcp_option43("https", "web.contoso.com", 0, "/x", out, &n, &err), -1);
	assert_int_equal(dhcp_option43("https", "not a name", 443, "/x", out, &n, &err), -1);
	char path[250];
	memset(path, 'p', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(dhcp_option43("https", "web.contoso.com", 443, path, out, &n, &err), -1);
	assert_non_null(strstr(err.msg, "more than 255 bytes"));
}

static void test_configs_carry_the_bytes(void **state)
{
	(void)state;
	const unsigned char o120[] = { 0, 1, 'a', 0 }, o43[] = { 1, 1, 'x' };
	struct strbuf sb = STRBUF_INIT;
	dhcp_hex(o120, sizeof(o120), ":", &sb);
	assert_string_equal(sb_str(&sb), "00:01:61:00");
	sb_reset(&sb);
	dhcp_config_dnsmasq(o120, sizeof(o120), o43, sizeof(o43), "a", &sb);
	assert_non_null(strstr(sb_str(&sb), "\ndhcp-option=120,00:01:61:00\n"));
	assert_non_null(strstr(sb_str(&sb), "dhcp-vendorclass=set:ms-uc-client,MS-UC-Client\n"));
	assert_non_null(strstr(sb_str(&sb), "dhcp-option=tag:ms-uc-client,43,01:01:78\n"));
	sb_reset(&sb);
	dhcp_config_isc(o120, sizeof(o120), o43, sizeof(o43), "a", &sb);
	assert_non_null(strstr(sb_str(&sb), "code 120 = string;"));
	assert_non_null(strstr(sb_str(&sb), "option ms-uc-sip-server 00:01:61:00;"));
	assert_non_null(strstr(sb_str(&sb), "option vendor-encapsulated-options 01:01:78;"));
	sb_reset(&sb);
	dhcp_config_kea(o120, sizeof(o120), o43, sizeof(o43), &sb);
	assert_non_null(strstr(sb_str(&sb), "\"data\": \"00016100\""));
	assert_non_null(strstr(sb_str(&sb), "\"data\": \"010178\""));
	assert_non_null(strstr(sb_str(&sb), "\"csv-format\": false"));
	sb_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_option120_one_name),
		cmocka_unit_test(test_option120_two_names),
		cmocka_unit_test(test_option120_refused),
		cmocka_unit_test(test_option43),
		cmocka_unit_test(test_configs_carry_the_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
