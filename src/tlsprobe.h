/*
 * tlsprobe: connect to one address and port, do a TLS handshake and judge
 * the certificate the way a phone would: is the chain trusted (the private
 * CA next to the store, -CaFile, and the system's roots), do its names
 * cover the name the phone asked for, and how long is it still valid. The
 * handshake itself never stops at a bad certificate, so that everything
 * wrong with it is reported at once. Used by Test-CsDnsPublication and,
 * keeping the connection for SIP, by Test-CsPhoneBootstrap.
 */
#ifndef UCSH_TLSPROBE_H
#define UCSH_TLSPROBE_H

#include <stdbool.h>
#include <time.h>

#include <openssl/ssl.h>

struct tls_probe {
	/* in */
	const char *addr;    /* an IP address */
	unsigned port;
	const char *name;    /* the name the certificate must cover; SNI too */
	const char *ca_file; /* PEM trust anchors besides the system's; may be NULL */
	int timeout_ms;      /* for the connect and for the handshake each */
	/* out */
	bool connected, handshake, trusted, name_ok;
	long verify;         /* X509_V_OK or the chain's first error */
	long days_left;      /* whole days until notAfter; negative once expired */
	char not_after[32];  /* YYYY-MM-DD HH:MM:SS UTC */
	char version[16], subject[256], issuer[256], names[512];
	char error[256];     /* why connected or handshake is false */
	double connect_ms, handshake_ms;
	/* the connection, when kept: blocking, with timeout_ms on reads and writes */
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
};

/* Run the probe; with keep, leave the connection open after a handshake
 * (the caller calls tls_probe_close). Returns true when the handshake was
 * done, whatever the certificate. */
bool tls_probe_run(struct tls_probe *p, bool keep);
void tls_probe_close(struct tls_probe *p);

/* Is the certificate good for a phone: trusted, names cover, and at least
 * min_days left? why gets a sentence when not. */
bool tls_probe_cert_ok(const struct tls_probe *p, long min_days, char *why, size_t n);

#endif
