/*
 * test_rollout: which phones a staged rollout offers its version to. The
 * wave a phone falls in is fixed by a hash, so it must be the same on
 * every call and node, grow with the percentage (a phone offered at 10%
 * is still offered at 50%), take about the share asked for, and differ
 * between rollouts; the verdict follows the rollout's status and sites.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mac.h"
#include "rollout.h"

#define NMACS 10000

static char macs[NMACS][MAC_STR_LEN];

/* Distinct unicast MACs from a fixed-seed generator (xorshift64*): the
 * same 10,000 on every run, spread like real ones. */
static int setup(void **state)
{
	(void)state;
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	for (int i = 0; i < NMACS; i++) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		uint64_t r = x * 0x2545f4914f6cdd1dULL;
		uint8_t m[MAC_LEN];
		for (int b = 0; b < MAC_LEN; b++)
			m[b] = (uint8_t)(r >> (8 * b));
		m[0] &= 0xfe; /* unicast */
		m[5] = (uint8_t)i; /* with m[4], distinct for every i */
		m[4] = (uint8_t)(i >> 8);
		mac_format(m, macs[i]);
	}
	return 0;
}

static int count_in(const char *rollout, double pct)
{
	int n = 0;
	for (int i = 0; i < NMACS; i++)
		n += rollout_includes(rollout, macs[i], pct);
	return n;
}

static void test_deterministic(void **state)
{
	(void)state;
	const char *id = "service:WebServer:pool01/rule-1/rollout-1";
	for (int i = 0; i < 1000; i++) {
		bool a = rollout_includes(id, macs[i], 30);
		for (int k = 0; k < 3; k++)
			assert_int_equal(rollout_includes(id, macs[i], 30), a);
	}
	/* Known values: the order is part of the contract across versions and
	 * nodes. The first 32 bits of SHA-256("rollout-1/00-04-F2-AB-CD-EF")
	 * are 488220632, 11.367% of 2^32; for rollout-2, 89.401%. */
	assert_false(rollout_includes("rollout-1", "00-04-F2-AB-CD-EF", 11.36));
	assert_true(rollout_includes("rollout-1", "00-04-F2-AB-CD-EF", 11.37));
	assert_false(rollout_includes("rollout-2", "00-04-F2-AB-CD-EF", 89.40));
	assert_true(rollout_includes("rollout-2", "00-04-F2-AB-CD-EF", 89.41));
}

static void test_monotonic(void **state)
{
	(void)state;
	static const double pcts[] = { 0.5, 1, 5, 10, 25, 50, 75, 99, 100 };
	const char *id = "rollout-monotonic";
	for (int i = 0; i < NMACS; i++) {
		bool was_in = false;
		for (size_t p = 0; p < sizeof(pcts) / sizeof(pcts[0]); p++) {
			bool in = rollout_includes(id, macs[i], pcts[p]);
			if (was_in && !in)
				fail_msg("%s: in at a lower percentage, out at %g%%", macs[i], pcts[p]);
			was_in = in;
		}
	}
	/* the share grows with the percentage */
	assert_true(count_in(id, 10) <= count_in(id, 50));
	assert_true(count_in(id, 50) <= count_in(id, 90));
}

static void test_share(void **state)
{
	(void)state;
	static const struct { double pct; int lo, hi; } cases[] = {
		{ 1, 50, 150 }, { 10, 800, 1200 }, { 50, 4700, 5300 }, { 90, 8800, 9200 },
	};
	static const char *const ids[] = { "rollout-a", "rollout-b", "site:Berlin/rollout" };
	for (size_t r = 0; r < sizeof(ids) / sizeof(ids[0]); r++)
		for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
			int n = count_in(ids[r], cases[c].pct);
			if (n < cases[c].lo || n > cases[c].hi)
				fail_msg("%s: %d of %d MACs in at %g%%", ids[r], n, NMACS, cases[c].pct);
		}
}

static void test_bounds(void **state)
{
	(void)state;
	assert_int_equal(count_in("rollout-a", 0), 0);
	assert_int_equal(count_in("rollout-a", -5), 0);
	assert_int_equal(count_in("rollout-a", 100), NMACS);
	assert_int_equal(count_in("rollout-a", 150), NMACS);
}

/* Two rollouts pick different first phones. */
static void test_rollouts_differ(void **state)
{
	(void)state;
	int both = 0, a = 0;
	for (int i = 0; i < NMACS; i++) {
		bool in_a = rollout_includes("rollout-a", macs[i], 10);
		a += in_a;
		both += in_a && rollout_includes("rollout-b", macs[i], 10);
	}
	/* independent picks share about 10% of a's phones, not all of them */
	assert_true(a > 0);
	assert_true(both < a / 4);
}

static json_t *rollout(const char *status, long wave, json_t *site)
{
	json_t *ro = json_pack("{s:s, s:s, s:I, s:[i, i, i], s:s}", "Identity", "rollout-d",
			       "Status", status, "CurrentWave", (json_int_t)wave, "Waves", 10, 50, 100,
			       "Version", "4.0.2");
	assert_non_null(ro);
	if (site)
		json_object_set_new(ro, "Site", site);
	return ro;
}

/* A MAC inside the first 10% of rollout-d, and one outside its first 50%. */
static void pick_macs(const char **in10, const char **out50)
{
	*in10 = *out50 = NULL;
	for (int i = 0; i < NMACS && (!*in10 || !*out50); i++) {
		if (!*in10 && rollout_includes("rollout-d", macs[i], 10))
			*in10 = macs[i];
		if (!*out50 && !rollout_includes("rollout-d", macs[i], 50))
			*out50 = macs[i];
	}
	assert_non_null(*in10);
	assert_non_null(*out50);
}

static void test_decide_status(void **state)
{
	(void)state;
	const char *in10, *out50;
	pick_macs(&in10, &out50);
	json_t *ro = rollout("Running", 0, NULL);
	assert_int_equal(rollout_decide(ro, in10, NULL), ROLLOUT_OFFER);
	assert_int_equal(rollout_decide(ro, out50, NULL), ROLLOUT_HOLD);
	assert_int_equal(rollout_decide(ro, in10, "Site:Berlin"), ROLLOUT_OFFER);
	json_decref(ro);
	/* status is compared without case */
	ro = rollout("running", 0, NULL);
	assert_int_equal(rollout_decide(ro, in10, NULL), ROLLOUT_OFFER);
	json_decref(ro);
	/* later waves take in more; the last takes everyone */
	ro = rollout("Running", 1, NULL);
	assert_int_equal(rollout_decide(ro, out50, NULL), ROLLOUT_HOLD);
	json_decref(ro);
	ro = rollout("Running", 2, NULL);
	assert_int_equal(rollout_decide(ro, out50, NULL), ROLLOUT_OFFER);
	assert_int_equal(rollout_decide(ro, in10, NULL), ROLLOUT_OFFER);
	json_decref(ro);
	/* a wave past the list offers to no one */
	ro = rollout("Running", 3, NULL);
	assert_int_equal(rollout_decide(ro, in10, NULL), ROLLOUT_HOLD);
	json_decref(ro);
	/* Suspended and Stopped hold every device, even those already offered */
	static const char *const held[] = { "Suspended", "Stopped", "NotStarted" };
	for (size_t i = 0; i < sizeof(held) / sizeof(held[0]); i++) {
		ro = rollout(held[i], 2, NULL);
		assert_int_equal(rollout_decide(ro, in10, NULL), ROLLOUT_HOLD);
		assert_int_equal(rollout_decide(ro, out50, "Site:Berlin"), ROLLOUT_HOLD);
		json_decref(ro);
	}
	/* Completed hands the rule back */
	ro = rollout("Completed", 0, NULL);
	assert_int_equal(rollout_decide(ro, in10, NULL), ROLLOUT_NONE);
	assert_int_equal(rollout_decide(ro, out50, NULL), ROLLOUT_NONE);
	json_decref(ro);
	ro = rollout("COMPLETED", 0, json_pack("[s]", "Site:Berlin"));
	assert_int_equal(rollout_decide(ro, out50, "Site:Paris"), ROLLOUT_NONE);
	json_decref(ro);
}

static void test_decide_sites(void **state)
{
	(void)state;
	const char *in10, *out50;
	pick_macs(&in10, &out50);
	/* a list of sites: only devices at one of them */
	json_t *ro = rollout("Running", 0, json_pack("[s, s]", "Site:Berlin", "Site:Paris"));
	assert_int_equal(rollout_decide(ro, in10, "Site:Berlin"), ROLLOUT_OFFER);
	assert_int_equal(rollout_decide(ro, in10, "site:paris"), ROLLOUT_OFFER);
	assert_int_equal(rollout_decide(ro, in10, "Site:Oslo"), ROLLOUT_HOLD);
	assert_int_equal(rollout_decide(ro, in10, "Site:Berlin2"), ROLLOUT_HOLD);
	assert_int_equal(rollout_decide(ro, in10, NULL), ROLLOUT_HOLD); /* site unknown */
	assert_int_equal(rollout_decide(ro, in10, ""), ROLLOUT_HOLD);
	/* within the sites, the wave still decides */
	assert_int_equal(rollout_decide(ro, out50, "Site:Berlin"), ROLLOUT_HOLD);
	json_decref(ro);
	/* an empty list or null: every site, and devices of no known site */
	ro = rollout("Running", 0, json_array());
	assert_int_equal(rollout_decide(ro, in10, "Site:Oslo"), ROLLOUT_OFFER);
	assert_int_equal(rollout_decide(ro, in10, NULL), ROLLOUT_OFFER);
	json_decref(ro);
	ro = rollout("Running", 0, json_null());
	assert_int_equal(rollout_decide(ro, in10, "Site:Oslo"), ROLLOUT_OFFER);
	assert_int_equal(rollout_decide(ro, in10, NULL), ROLLOUT_OFFER);
	json_decref(ro);
}

static void test_for_rule(void **state)
{
	(void)state;
	json_t *rule = json_pack("{s:s, s:s}", "Identity", "service:WebServer:pool01/r1",
				 "ApprovedVersion", "4.0.2");
	json_t *rollouts = json_pack(
		"[{s:s, s:s, s:s}, {s:s, s:s, s:s}, {s:s, s:s, s:s}, {s:s, s:s, s:s}]",
		"Rule", "service:WebServer:pool01/r2", "Status", "Running", "Version", "4.0.2",
		"Rule", "service:WebServer:pool01/r1", "Status", "Completed", "Version", "4.0.2",
		"Rule", "service:WebServer:pool01/r1", "Status", "Running", "Version", "4.0.1",
		"Rule", "SERVICE:WebServer:pool01/R1", "Status", "Suspended", "Version", "4.0.2");
	assert_ptr_equal(rollout_for_rule(rollouts, rule), json_array_get(rollouts, 3));
	json_array_remove(rollouts, 3);
	assert_null(rollout_for_rule(rollouts, rule));
	json_decref(rollouts);
	json_decref(rule);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_monotonic),
		cmocka_unit_test(test_share),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_rollouts_differ),
		cmocka_unit_test(test_decide_status),
		cmocka_unit_test(test_decide_sites),
		cmocka_unit_test(test_for_rule),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
