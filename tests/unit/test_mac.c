/*
 * test_mac: every spelling of a MAC address that tools print comes out as
 * the one canonical form, and each kind of typo is refused with a message
 * that names the input and says what is wrong.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mac.h"

static void check_canonical(const char *in, const char *want)
{
	char buf[MAC_STR_LEN];
	struct ucsh_err err;
	err_clear(&err);
	if (mac_canonical(in, buf, &err) < 0)
		fail_msg("'%s': unexpected error: %s", in, err.msg);
	assert_string_equal(buf, want);
}

static void check_refused(const char *in, const char *message)
{
	char buf[MAC_STR_LEN];
	struct ucsh_err err;
	err_clear(&err);
	assert_int_equal(mac_canonical(in, buf, &err), -1);
	assert_string_equal(err.msg, message);
	assert_non_null(strstr(err.hint, "00-04-F2-AB-CD-EF"));
}

static void test_spellings(void **state)
{
	(void)state;
	const char *const same[] = {
		"00-04-F2-AB-CD-EF", "00-04-f2-ab-cd-ef", "00:04:f2:ab:cd:ef", "00:04:F2:AB:CD:EF",
		"0004f2abcdef", "0004F2ABCDEF", "0004.f2ab.cdef", "0004f2-abcdef",
		"0:4:f2:ab:cd:ef", "0-4-F2-AB-CD-EF", "  0004f2abcdef\t",
	};
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		check_canonical(same[i], "00-04-F2-AB-CD-EF");
	check_canonical("02:00:00:00:00:01", "02-00-00-00-00-01");
	check_canonical("a4:5e:60:e8:10:0c", "A4-5E-60-E8-10-0C");
}

static void test_bytes_and_number(void **state)
{
	(void)state;
	uint8_t mac[MAC_LEN];
	struct ucsh_err err;
	assert_int_equal(mac_parse("00-04-F2-AB-CD-EF", mac, &err), 0);
	static const uint8_t want[MAC_LEN] = { 0x00, 0x04, 0xf2, 0xab, 0xcd, 0xef };
	assert_memory_equal(mac, want, MAC_LEN);
	assert_true(mac_to_u64(mac) == 0x0004f2abcdefULL);
	char buf[MAC_STR_LEN];
	mac_format(mac, buf);
	assert_string_equal(buf, "00-04-F2-AB-CD-EF");
}

static void test_digit_counts(void **state)
{
	(void)state;
	check_refused("0004f2abcd",
		      "'0004f2abcd' is not a MAC address: it has 10 hex digits; a MAC address has 12");
	check_refused("0004f2abcdef01",
		      "'0004f2abcdef01' is not a MAC address: it has 14 hex digits; a MAC address has 12");
	check_refused("00-04-F2-AB-CD",
		      "'00-04-F2-AB-CD' is not a MAC address: it has 5 groups of digits; a MAC address has 6");
	check_refused("00-04-F2-AB-CD-EF-01",
		      "'00-04-F2-AB-CD-EF-01' is not a MAC address: it has more than 6 groups");
	check_refused("000-04-F2-AB-CD-EF",
		      "'000-04-F2-AB-CD-EF' is not a MAC address: group 1 ('000') has more than 2 hex digits");
	check_refused("0004.f2ab.cde",
		      "'0004.f2ab.cde' is not a MAC address: written with dots, it is 3 groups of 4 hex digits");
	check_refused("0004f2:abcdef",
		      "'0004f2:abcdef' is not a MAC address: it has 2 groups of digits; a MAC address has 6");
}

static void test_bad_characters(void **state)
{
	(void)state;
	check_refused("00-04-F2-AB-CD-EG", "'00-04-F2-AB-CD-EG' is not a MAC address: 'G' is not a hex digit");
	check_refused("00 04 f2 ab cd ef", "'00 04 f2 ab cd ef' is not a MAC address: ' ' is not a hex digit");
	check_refused("00-04:F2-AB-CD-EF", "'00-04:F2-AB-CD-EF' is not a MAC address: it mixes separators");
	check_refused("00--04-F2-AB-CD", "'00--04-F2-AB-CD' is not a MAC address: a separator is not between two groups of digits");
	check_refused("-00-04-F2-AB-CD", "'-00-04-F2-AB-CD' is not a MAC address: a separator is not between two groups of digits");
	check_refused("00-04-F2-AB-CD-", "'00-04-F2-AB-CD-' is not a MAC address: it ends with a separator");
	check_refused("00-04-F2-AB-CD-\x01", "'00-04-F2-AB-CD-\x01' is not a MAC address: byte 0x01 is not a hex digit");
}

static void test_not_a_device(void **state)
{
	(void)state;
	check_refused("", "an empty MAC address");
	check_refused("   ", "an empty MAC address");
	check_refused("00-00-00-00-00-00", "'00-00-00-00-00-00' is not a MAC address: all zeros names no device");
	check_refused("ff:ff:ff:ff:ff:ff", "'ff:ff:ff:ff:ff:ff' is not a MAC address: it is a multicast or broadcast address, not a device's");
	check_refused("01-00-5E-00-00-01", "'01-00-5E-00-00-01' is not a MAC address: it is a multicast or broadcast address, not a device's");
}

static void test_long_input_is_cut(void **state)
{
	(void)state;
	char in[200];
	memset(in, 'a', sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	char buf[MAC_STR_LEN];
	struct ucsh_err err;
	assert_int_equal(mac_canonical(in, buf, &err), -1);
	/* the message quotes at most 60 characters of what was given */
	assert_non_null(strstr(err.msg, "it has 199 hex digits"));
	assert_true(strlen(err.msg) < 140);
	assert_int_equal(mac_canonical(NULL, buf, &err), -1);
	assert_string_equal(err.msg, "an empty MAC address");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spellings),
		cmocka_unit_test(test_bytes_and_number),
		cmocka_unit_test(test_digit_counts),
		cmocka_unit_test(test_bad_characters),
		cmocka_unit_test(test_not_a_device),
		cmocka_unit_test(test_long_input_is_cut),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
