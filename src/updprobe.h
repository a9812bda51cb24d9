/*
 * updprobe: one update check against a Device Update web service, as a
 * phone makes it (libcurl): POST <base>/ucdevice.upx with an
 * <UpdateRequest>, anonymously or signed in with HTTP Digest (extension or
 * SIP user, and PIN). The host is pinned to the address the DNS checks
 * found, so that the probe reaches what the zone publishes and not what
 * the system resolver says. What came back is kept for the caller to
 * judge: status, content type, the Digest realm of a 401, and the root
 * element of an XML body with the update it offers.
 */
#ifndef UCSH_UPDPROBE_H
#define UCSH_UPDPROBE_H

#include <stdbool.h>
#include <stddef.h>

#define UPDPROBE_MAX_BODY (64 * 1024)

struct update_probe {
	/* in */
	const char *url;
	const char *host, *addr; /* resolve host (the URL's) to addr; addr NULL: as usual */
	unsigned port;           /* the URL's port, for the pinning */
	const char *ca_file;     /* trust anchors besides the system's; may be NULL */
	bool verify;             /* check the chain and the name (a phone does) */
	const char *user, *pin;  /* Digest sign-in; user NULL: anonymous */
	const char *mac, *brand, *model, *version;
	int timeout_ms;
	/* out */
	long status;             /* 0: no HTTP answer (error says why) */
	char content_type[128];
	bool digest_offered;     /* a WWW-Authenticate: Digest came */
	char realm[128];
	char root[64];           /* the XML body's root element, "" when none */
	bool update_available;
	char offered[64];        /* <Version> of the offered update */
	char error[256];
	double total_ms;
};

/* Make the request. 0 when an HTTP answer came (any status), -1 when none
 * did (p->error says why). */
int update_probe_run(struct update_probe *p);

/* Does the answer look like a Device Update web service's: 200 text/xml
 * <UpdateResponse>, or (expect_auth) 401 with a Digest challenge? The
 * sentence for Found in *what. */
bool update_probe_answer_ok(const struct update_probe *p, bool expect_auth, char *what, size_t n);

#endif
