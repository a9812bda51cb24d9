/*
 * rollout: staged rollouts of a rule's approved version (New-CsDeviceRollout).
 *
 * A rollout offers its Version (the rule's ApprovedVersion when it was
 * made) to a growing share of the phones that match the rule: Waves holds
 * cumulative percentages (1, 10, 50, 100). Which phones fall in the first
 * p percent is fixed by a hash of the rollout's identity and the MAC, so a
 * phone stays in its wave across restarts and nodes, and two rollouts
 * pick different first phones.
 *
 * A phone of a started wave becomes a target when the wave starts (from
 * the inventory) or when it first checks in. It succeeds when it checks in
 * running the rollout's version and has registered since it was offered
 * it; it fails when it checks in again still running another version after
 * being offered, or has not succeeded WaveInterval after its wave began.
 * The engine (on ucshd's loop, every few seconds) begins the next wave as
 * soon as every target of the current one has an outcome and at least
 * SuccessThreshold percent succeeded, or when WaveInterval (the time a
 * wave's phones have) is over with that rate met. It suspends the rollout
 * when failures pass ErrorThreshold percent of the wave's targets, or the
 * interval ends below the success threshold, and completes it after the
 * last wave. All state
 * is in the store (DeviceRollout, DeviceRolloutTarget), so a restarted
 * ucshd goes on where it was.
 *
 * While a rollout of a rule is Running, Suspended or Stopped, phones
 * outside its started waves (or its sites) are held on what they run;
 * Completed releases the rule to everyone, as approval alone would.
 */
#ifndef UCSH_ROLLOUT_H
#define UCSH_ROLLOUT_H

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#include "util.h"

struct daemon;
struct store;

enum rollout_verdict {
	ROLLOUT_NONE,  /* no rollout governs this rule: the rule decides */
	ROLLOUT_HOLD,  /* the device waits: no update */
	ROLLOUT_OFFER, /* offer the rollout's Version */
};

/* The rollout (of those given, an array of DeviceRollout rows) governing
 * rule: not Completed, and of the rule's ApprovedVersion. Borrowed or NULL. */
const json_t *rollout_for_rule(const json_t *rollouts, const json_t *rule);
/* Whether mac lies within the first pct percent of rollout_id's order. */
bool rollout_includes(const char *rollout_id, const char *mac, double pct);
/* What rollout says for a device at site (may be NULL). */
enum rollout_verdict rollout_decide(const json_t *rollout, const char *mac, const char *site);

/* A check-in of mac running version under rollout, which was offered
 * (ROLLOUT_OFFER) or not. Recorded in the store at once: rare next to
 * plain checks, and outcomes must survive a crash. -1: the store was busy
 * and nothing was recorded; the caller keeps the check-in and tries again. */
int rollout_checkin(struct store *st, const json_t *rollout, const char *mac,
		    const char *version, bool offered, time_t now);

/* The periodic step of every rollout in the store. 0, or -1 with err. */
int rollout_tick(struct store *st, time_t now, struct ucsh_err *err);

#endif
