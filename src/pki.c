/*
 * pki: a private CA and the pool's server certificate, as PEM files beside
 * the store (see pki.h). OpenSSL 3 EVP and X509 calls only; every object
 * made here has one owner and is freed on every path.
 */
#include "config.h"
#include "pki.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define CA_DAYS 3650
#define LEAF_DAYS 397    /* the CA/Browser ceiling: testssl.sh flags longer */
#define RENEW_DAYS 30    /* re-issue when fewer days than this are left */

static int ossl_fail(struct ucsh_err *err, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256] = "";
	if (e)
		ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return err_set(err, "%s%s%s", what, buf[0] ? ": " : "", buf);
}

/* Write data to path atomically (temporary file, then rename), mode 0600
 * or 0644: a crash never leaves a half-written key that a restart trusts. */
static int write_file(const char *path, const char *data, size_t n, mode_t mode,
		      struct ucsh_err *err)
{
	char *tmp = xasprintf("%s.tmp%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	int rc = -1;
	if (fd >= 0) {
		ssize_t w = write(fd, data, n);
		if (w == (ssize_t)n && fsync(fd) == 0 && close(fd) == 0) {
			fd = -1;
			rc = rename(tmp, path);
		}
		if (fd >= 0)
			close(fd);
	}
	if (rc != 0) {
		err_set(err, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	return rc;
}

/* PEM of a key or certificate into path. */
static int save_pem(const char *path, EVP_PKEY *key, X509 *cert, struct ucsh_err *err)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	int ok = b && (key ? PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL)
			   : PEM_write_bio_X509(b, cert));
	long n = ok ? BIO_get_mem_data(b, &data) : 0;
	int rc = ok ? write_file(path, data, (size_t)n, key ? 0600 : 0644, err)
		    : ossl_fail(err, "cannot encode PEM");
	BIO_free(b);
	return rc;
}

/* 1 loaded, 0 absent, -1 unreadable. */
static int load_pem(const char *path, EVP_PKEY **key, X509 **cert, struct ucsh_err *err)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? 0 : err_set(err, "cannot read %s: %s", path, strerror(errno));
	if (key)
		*key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	else
		*cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (key ? !*key : !*cert)
		return ossl_fail(err, path);
	return 1;
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	int ok = ext && X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

/* A certificate for key with subject CN=cn, valid days, random serial. */
static X509 *cert_new(EVP_PKEY *key, const char *cn, long days)
{
	X509 *c = X509_new();
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	if (!c || RAND_bytes(serial, sizeof(serial)) != 1)
		goto fail;
	serial[0] &= 0x7f; /* positive, as RFC 5280 wants */
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	X509_NAME *name = X509_get_subject_name(c);
	if (!bn || !X509_set_version(c, 2) || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c)) ||
	    !X509_gmtime_adj(X509_getm_notBefore(c), -300) ||
	    !X509_gmtime_adj(X509_getm_notAfter(c), days * 86400L) || !X509_set_pubkey(c, key) ||
	    !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"ucsh", -1,
					-1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1,
					-1, 0))
		goto fail;
	BN_free(bn);
	return c;
fail:
	BN_free(bn);
	X509_free(c);
	return NULL;
}

static int make_ca(EVP_PKEY **key, X509 **cert, struct ucsh_err *err)
{
	*key = EVP_EC_gen("P-256");
	*cert = *key ? cert_new(*key, "ucsh private root CA", CA_DAYS) : NULL;
	if (!*cert || !X509_set_issuer_name(*cert, X509_get_subject_name(*cert)) ||
	    add_ext(*cert, *cert, NID_basic_constraints, "critical,CA:TRUE") ||
	    add_ext(*cert, *cert, NID_key_usage, "critical,keyCertSign,cRLSign") ||
	    add_ext(*cert, *cert, NID_subject_key_identifier, "hash") ||
	    !X509_sign(*cert, *key, EVP_sha256()))
		return ossl_fail(err, "cannot make the private CA");
	return 0;
}

static int make_leaf(EVP_PKEY *ca_key, X509 *ca, const char *fqdn, EVP_PKEY **key, X509 **cert,
		     struct ucsh_err *err)
{
	char *san = xasprintf("DNS:%s,DNS:localhost,IP:127.0.0.1,IP:::1", fqdn);
	*key = EVP_EC_gen("P-256");
	*cert = *key ? cert_new(*key, fqdn, LEAF_DAYS) : NULL;
	int bad = !*cert || !X509_set_issuer_name(*cert, X509_get_subject_name(ca)) ||
		  add_ext(*cert, ca, NID_basic_constraints, "critical,CA:FALSE") ||
		  add_ext(*cert, ca, NID_key_usage, "critical,digitalSignature") ||
		  add_ext(*cert, ca, NID_ext_key_usage, "serverAuth,clientAuth") ||
		  add_ext(*cert, ca, NID_subject_key_identifier, "hash") ||
		  add_ext(*cert, ca, NID_authority_key_identifier, "keyid") ||
		  add_ext(*cert, ca, NID_subject_alt_name, san) ||
		  !X509_sign(*cert, ca_key, EVP_sha256());
	free(san);
	return bad ? ossl_fail(err, "cannot issue the pool certificate") : 0;
}

/* Does cert still serve: issued by ca, names fqdn, RENEW_DAYS or more left? */
static bool leaf_usable(X509 *cert, EVP_PKEY *key, X509 *ca, const char *fqdn)
{
	time_t soon = time(NULL) + RENEW_DAYS * 86400L;
	return X509_check_issued(ca, cert) == X509_V_OK &&
	       X509_check_host(cert, fqdn, 0, 0, NULL) == 1 &&
	       X509_cmp_time(X509_get0_notAfter(cert), &soon) > 0 &&
	       X509_check_private_key(cert, key) == 1;
}

struct pki_paths {
	char *dir, *ca_key, *ca_cert, *key, *cert;
};

static void paths_free(struct pki_paths *p)
{
	free(p->dir);
	free(p->ca_key);
	free(p->ca_cert);
	free(p->key);
	free(p->cert);
}

/* The CA, loaded or made (and saved). */
static int ca_get(const struct pki_paths *p, EVP_PKEY **key, X509 **cert, struct ucsh_err *err)
{
	int k = load_pem(p->ca_key, key, NULL, err);
	int c = k < 0 ? -1 : load_pem(p->ca_cert, NULL, cert, err);
	if (k < 0 || c < 0)
		return -1;
	if (k == 1 && c == 1)
		return 0;
	EVP_PKEY_free(*key);
	X509_free(*cert);
	*key = NULL;
	*cert = NULL;
	if (make_ca(key, cert, err) || save_pem(p->ca_key, *key, NULL, err) ||
	    save_pem(p->ca_cert, NULL, *cert, err))
		return -1;
	return 0;
}

/* The pool's key and certificate, loaded, or issued when unusable. */
static int leaf_get(const struct pki_paths *p, EVP_PKEY *ca_key, X509 *ca, const char *fqdn,
		    EVP_PKEY **key, X509 **cert, struct ucsh_err *err)
{
	int k = load_pem(p->key, key, NULL, err);
	int c = k < 0 ? -1 : load_pem(p->cert, NULL, cert, err);
	if (k == 1 && c == 1 && leaf_usable(*cert, *key, ca, fqdn))
		return 0;
	EVP_PKEY_free(*key);
	X509_free(*cert);
	*key = NULL;
	*cert = NULL;
	if (make_leaf(ca_key, ca, fqdn, key, cert, err) || save_pem(p->key, *key, NULL, err) ||
	    save_pem(p->cert, NULL, *cert, err))
		return -1;
	return 0;
}

static SSL_CTX *ctx_new(EVP_PKEY *key, X509 *cert, X509 *ca, struct ucsh_err *err)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx || !SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
	    SSL_CTX_use_certificate(ctx, cert) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
	    SSL_CTX_add1_chain_cert(ctx, ca) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
		ossl_fail(err, "cannot set up TLS");
		SSL_CTX_free(ctx);
		return NULL;
	}
	/* Renegotiation is a DoS lever and SIP has no use for it; the server's
	 * cipher order keeps weak suites chosen only by clients that have no
	 * other. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
				 SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL");
	return ctx;
}

/* dir and the directories above it (a PostgreSQL store's state lives in
 * $XDG_DATA_HOME/ucsh, which may not exist yet), private to this user. */
static int mkdir_all(const char *dir)
{
	char *buf = xstrdup(dir);
	int rc = 0;
	for (char *p = strchr(buf + 1, '/'); p && rc == 0; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			rc = -1;
		*p = '/';
	}
	if (rc == 0 && mkdir(buf, 0700) && errno != EEXIST)
		rc = -1;
	free(buf);
	return rc;
}

int pki_server_ctx(const char *store_dir, const char *pool_fqdn, SSL_CTX **out,
		   struct ucsh_err *err)
{
	struct pki_paths p = { .dir = xasprintf("%s/%s", store_dir, PKI_DIR) };
	p.ca_key = xasprintf("%s/ca.key", p.dir);
	p.ca_cert = xasprintf("%s/%s", p.dir, PKI_CA_CERT);
	p.key = xasprintf("%s/%s.key", p.dir, pool_fqdn);
	p.cert = xasprintf("%s/%s.pem", p.dir, pool_fqdn);
	EVP_PKEY *ca_key = NULL, *key = NULL;
	X509 *ca = NULL, *cert = NULL;
	int rc = -1;
	*out = NULL;
	if (strchr(pool_fqdn, '/') || pool_fqdn[0] == '.') {
		err_set(err, "the pool name '%s' cannot name a certificate file", pool_fqdn);
	} else if (mkdir_all(store_dir) || (mkdir(p.dir, 0700) && errno != EEXIST)) {
		err_set(err, "cannot create %s: %s", p.dir, strerror(errno));
	} else if (ca_get(&p, &ca_key, &ca, err) == 0 &&
		   leaf_get(&p, ca_key, ca, pool_fqdn, &key, &cert, err) == 0) {
		*out = ctx_new(key, cert, ca, err);
		rc = *out ? 0 : -1;
	}
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(key);
	X509_free(ca);
	X509_free(cert);
	paths_free(&p);
	return rc;
}
