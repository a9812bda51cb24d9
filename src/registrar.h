/*
 * registrar: ucshd's SIP registrar service (RFC 3261 section 10.3). Phones
 * sign in with their SIP user name or extension and their PIN (digest,
 * SHA-256 or MD5, against the HA1s the store keeps), and their bindings
 * live in memory for answering and in the store for durability: a 200 OK
 * leaves only after its binding has been committed. Commits are grouped:
 * every binding change of one turn of the event loop goes into one
 * transaction, then all their 200s go out, so durability costs one commit
 * per burst rather than one per REGISTER.
 *
 * Choices where RFC 3261 leaves room, and why:
 *  - A Request-URI whose domain is not a SipDomain of the pool: 404 (10.3
 *    step 1 names none; 404 says "no such domain here" without touching
 *    users).
 *  - Wrong PIN, unknown user, locked PIN, disabled user, or an AOR (To)
 *    that is not the signed-in principal: all 403 after the same 401
 *    challenge, so that nobody can tell which user names exist (svwar).
 *  - MaxEndpointsPerUser reached: the oldest binding is replaced, as Lync
 *    signs out a user's oldest endpoint, so a phone that is swapped always
 *    gets in.
 *  - A lower or equal CSeq for a known Call-ID and contact: 500 (step 7),
 *    without Retry-After: the request is out of order, retrying it is wrong.
 *  - Contacts are matched by +sip.instance (and reg-id) when the phone
 *    gives one (RFC 5626), else by scheme, user, host (any case), port and
 *    transport of the URI.
 *  - The 401 offers SHA-256 first, then MD5 (RFC 8760 order of
 *    preference), with one nonce. Some clients cannot take that: SIPp 3.6
 *    reads only the first challenge and knows only MD5; baresip 1.0 gives
 *    up on any challenge that is not MD5. UCSH_DIGEST_ALGORITHMS in
 *    ucshd's environment ("MD5,SHA-256", or "MD5") orders or narrows the
 *    challenges for such fleets. It belongs in RegistrarConfiguration once
 *    that cmdlet grows the property.
 *  - MaximumLogonAttempts $null: 10 wrong PINs when the policy allows
 *    4-digit PINs, else 25 (Lync's automatic local limits).
 */
#ifndef UCSH_REGISTRAR_H
#define UCSH_REGISTRAR_H

#include <stddef.h>

#include "daemon.h"

extern const struct service_ops registrar_service_ops;

/* What a User-Agent says about the phone, for the inventory. */
struct registrar_ua {
	char brand[32];    /* "Polycom", "Yealink", ... or "" */
	char model[64];    /* "CX600", "VVX 410", or "" */
	char firmware[64]; /* "4.0.7577.4100", or "" */
};
/* Parse the User-Agent text ua[0..n): fields it does not say stay "". */
void registrar_parse_user_agent(const char *ua, size_t n, struct registrar_ua *out);

/* The MAC address a Contact gives: the node of a version-1 UUID in
 * +sip.instance="<urn:uuid:...>", or a mac= parameter. 0 with buf holding
 * the canonical form, -1 when the contact tells none. */
int registrar_contact_mac(const char *instance, size_t ni, const char *mac_param, size_t nm,
			  char buf[18]);

#endif
