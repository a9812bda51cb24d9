/*
 * pki: the private CA (files beside the store) and the certificates in the
 * store: names, issuing, renewal, assignment, revocation and the CRL (see
 * pki.h). Importing is in pki_import.c, ucshd's live contexts in
 * pki_tls.c. OpenSSL 3 EVP and X509 calls only; every object made here has
 * one owner and is freed on every path.
 */
#include "config.h"
#include "pki.h"
#include "pki_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "secret.h"
#include "store.h"

#define CA_SECONDS (20L * 365 * 86400)
#define LEAF_MIN_SECONDS 10L

const char *const pki_use_names[] = { "Default", "WebServicesInternal", "WebServicesExternal",
				      NULL };

const char *pki_use_name(enum pki_use use)
{
	return use < PKI_NUSES ? pki_use_names[use] : "?";
}

int pki_use_parse(const char *s)
{
	for (int i = 0; s && i < PKI_NUSES; i++)
		if (strcasecmp(s, pki_use_names[i]) == 0)
			return i;
	return -1;
}

long pki_leaf_seconds(void)
{
	const char *env = getenv("UCSH_PKI_LEAF_SECONDS");
	char *end;
	long v = env && *env ? strtol(env, &end, 10) : 0;
	if (!env || !*env || *end || v <= 0)
		return PKI_LEAF_MAX_SECONDS;
	return v < LEAF_MIN_SECONDS ? LEAF_MIN_SECONDS : v > PKI_LEAF_MAX_SECONDS
							  ? PKI_LEAF_MAX_SECONDS : v;
}

char *pki_dir(const char *uri)
{
	char *dir = store_dir(uri), *out = xasprintf("%s/%s", dir, PKI_DIR);
	free(dir);
	return out;
}

int pki_ossl_fail(struct ucsh_err *err, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256] = "";
	if (e)
		ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return err_set(err, "%s%s%s", what, buf[0] ? ": " : "", buf);
}

/* ---- Files ------------------------------------------------------------- */

int pki_write_file(const char *path, const void *data, size_t n, mode_t mode,
		   struct ucsh_err *err)
{
	char *tmp = xasprintf("%s.tmp%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	int rc = -1;
	if (fd >= 0) {
		ssize_t w = write(fd, data, n);
		if (w == (ssize_t)n && fchmod(fd, mode) == 0 && fsync(fd) == 0 && close(fd) == 0) {
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

char *pki_pem_of(EVP_PKEY *key, X509 *cert, X509_REQ *req, X509_CRL *crl)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *out = NULL;
	int ok = b && (key ? PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL)
		       : cert ? PEM_write_bio_X509(b, cert)
		       : req ? PEM_write_bio_X509_REQ(b, req)
			     : PEM_write_bio_X509_CRL(b, crl));
	long n = ok ? BIO_get_mem_data(b, &data) : 0;
	if (ok)
		out = xstrndup(data, (size_t)n);
	BIO_free(b);
	return out;
}

static int save_pem(const char *path, EVP_PKEY *key, X509 *cert, struct ucsh_err *err)
{
	char *pem = pki_pem_of(key, cert, NULL, NULL);
	int rc = pem ? pki_write_file(path, pem, strlen(pem), key ? 0600 : 0644, err)
		     : pki_ossl_fail(err, "cannot encode PEM");
	if (pem)
		secret_wipe(pem, strlen(pem));
	free(pem);
	return rc;
}

/* 1 loaded, 0 absent, -1 unreadable. */
static int load_pem(const char *path, EVP_PKEY **key, X509 **cert, struct ucsh_err *err)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : err_set(err, "cannot read %s: %s", path, strerror(errno));
	if (key)
		*key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	else
		*cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (key ? !*key : !*cert)
		return pki_ossl_fail(err, path);
	return 1;
}

/* ---- Certificates -------------------------------------------------------- */

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

int pki_random_serial(ASN1_INTEGER *out)
{
	unsigned char serial[16];
	if (RAND_bytes(serial, sizeof(serial)) != 1)
		return -1;
	serial[0] &= 0x7f; /* positive, as RFC 5280 wants */
	serial[0] |= 0x01; /* and 16 bytes long: no leading zero to strip */
	BIGNUM *bn = BN_bin2bn(serial, sizeof(serial), NULL);
	int ok = bn && BN_to_ASN1_INTEGER(bn, out);
	BN_free(bn);
	return ok ? 0 : -1;
}

/* A certificate for key with subject O=ucsh, CN=cn, from `back` seconds ago
 * to `seconds` from now, with a random serial. */
static X509 *cert_new(EVP_PKEY *key, const char *cn, long back, long seconds)
{
	X509 *c = X509_new();
	X509_NAME *name = c ? X509_get_subject_name(c) : NULL;
	if (!c || !X509_set_version(c, 2) || pki_random_serial(X509_get_serialNumber(c)) ||
	    !X509_gmtime_adj(X509_getm_notBefore(c), -back) ||
	    !X509_gmtime_adj(X509_getm_notAfter(c), seconds) || !X509_set_pubkey(c, key) ||
	    !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"ucsh", -1,
					-1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1,
					-1, 0)) {
		X509_free(c);
		return NULL;
	}
	return c;
}

static int make_ca(EVP_PKEY **key, X509 **cert, struct ucsh_err *err)
{
	*key = EVP_EC_gen("P-256");
	*cert = *key ? cert_new(*key, "ucsh private root CA", 300, CA_SECONDS) : NULL;
	if (!*cert || !X509_set_issuer_name(*cert, X509_get_subject_name(*cert)) ||
	    add_ext(*cert, *cert, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
	    add_ext(*cert, *cert, NID_key_usage, "critical,keyCertSign,cRLSign") ||
	    add_ext(*cert, *cert, NID_subject_key_identifier, "hash") ||
	    !X509_sign(*cert, *key, EVP_sha256()))
		return pki_ossl_fail(err, "cannot make the private CA");
	return 0;
}

struct pki_ca {
	EVP_PKEY *key;
	X509 *cert;
};

X509 *pki_ca_cert(const struct pki_ca *ca)
{
	return ca->cert;
}

EVP_PKEY *pki_ca_key(const struct pki_ca *ca)
{
	return ca->key;
}

void pki_ca_free(struct pki_ca *ca)
{
	if (!ca)
		return;
	EVP_PKEY_free(ca->key);
	X509_free(ca->cert);
	free(ca);
}

/* Load both files, or make and save both (under the lock). */
static int ca_load_or_make(const char *dir, bool create, struct pki_ca *ca, struct ucsh_err *err)
{
	char *kpath = xasprintf("%s/%s", dir, PKI_CA_KEY), *cpath = xasprintf("%s/%s", dir, PKI_CA_CERT);
	int k = load_pem(kpath, &ca->key, NULL, err);
	int c = k < 0 ? -1 : load_pem(cpath, NULL, &ca->cert, err);
	int rc = k < 0 || c < 0 ? -1 : 0;
	if (rc == 0 && !(k == 1 && c == 1)) {
		EVP_PKEY_free(ca->key);
		X509_free(ca->cert);
		ca->key = NULL;
		ca->cert = NULL;
		if (create && (make_ca(&ca->key, &ca->cert, err) || save_pem(kpath, ca->key, NULL, err) ||
			       save_pem(cpath, NULL, ca->cert, err)))
			rc = -1;
	}
	if (rc == 0 && ca->cert && X509_check_private_key(ca->cert, ca->key) != 1)
		rc = err_set(err, "%s does not hold the key of %s", kpath, cpath);
	free(kpath);
	free(cpath);
	return rc;
}

int pki_ca_open(const char *store_uri, bool create, struct pki_ca **out, struct ucsh_err *err)
{
	char *dir = pki_dir(store_uri);
	struct pki_ca *ca = xcalloc(1, sizeof(*ca));
	int lock = -1, rc = -1;
	*out = NULL;
	if (create && mkdir_all(dir, 0700)) { /* a PostgreSQL store's is $XDG_DATA_HOME/ucsh */
		err_set(err, "cannot create %s: %s", dir, strerror(errno));
	} else {
		/* ucsh and ucshd may both make it on a first start: one does */
		char *lpath = xasprintf("%s/lock", dir);
		lock = create ? open(lpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600) : -1;
		free(lpath);
		if (create && (lock < 0 || flock(lock, LOCK_EX) != 0))
			err_set(err, "cannot lock %s: %s", dir, strerror(errno));
		else
			rc = ca_load_or_make(dir, create, ca, err);
	}
	if (lock >= 0)
		close(lock);
	if (rc == 0 && ca->cert)
		*out = ca;
	else
		pki_ca_free(ca);
	free(dir);
	return rc;
}

int pki_root_load(const char *store_uri, X509 **out, struct ucsh_err *err)
{
	char *dir = pki_dir(store_uri), *path = xasprintf("%s/%s", dir, PKI_CA_CERT);
	*out = NULL;
	int rc = load_pem(path, NULL, out, err);
	free(path);
	free(dir);
	return rc;
}

/* ---- Properties ----------------------------------------------------------- */

static json_t *name_string(X509_NAME *n)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	json_t *s = NULL;
	if (b && X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		long len = BIO_get_mem_data(b, &data);
		s = json_stringn(data, (size_t)len);
	}
	BIO_free(b);
	return s ? s : json_null();
}

static json_t *time_string(const ASN1_TIME *t)
{
	struct tm tm;
	char buf[STORE_TIMESTAMP_LEN];
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return json_null();
	store_timestamp(timegm(&tm), buf);
	return json_string(buf);
}

time_t pki_time_of(const ASN1_TIME *t)
{
	struct tm tm;
	return t && ASN1_TIME_to_tm(t, &tm) == 1 ? timegm(&tm) : 0;
}

void pki_thumbprint(X509 *cert, char out[41])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	out[0] = '\0';
	if (X509_digest(cert, EVP_sha1(), md, &n) != 1 || n != 20)
		return;
	for (unsigned i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02X", md[i]);
}

static json_t *alt_names(X509 *cert)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	json_t *out = json_array();
	for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		char ip[INET6_ADDRSTRLEN];
		if (g->type == GEN_DNS)
			json_array_append_new(out, json_stringn((const char *)
				ASN1_STRING_get0_data(g->d.dNSName),
				(size_t)ASN1_STRING_length(g->d.dNSName)));
		else if (g->type == GEN_IPADD && ASN1_STRING_length(g->d.iPAddress) == 4 &&
			 inet_ntop(AF_INET, ASN1_STRING_get0_data(g->d.iPAddress), ip, sizeof(ip)))
			json_array_append_new(out, json_string(ip));
		else if (g->type == GEN_IPADD && ASN1_STRING_length(g->d.iPAddress) == 16 &&
			 inet_ntop(AF_INET6, ASN1_STRING_get0_data(g->d.iPAddress), ip, sizeof(ip)))
			json_array_append_new(out, json_string(ip));
	}
	GENERAL_NAMES_free(gens);
	return out;
}

json_t *pki_cert_props(X509 *cert)
{
	char tp[41];
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	pki_thumbprint(cert, tp);
	json_t *o = json_object();
	json_object_set_new(o, "Subject", name_string(X509_get_subject_name(cert)));
	json_object_set_new(o, "Issuer", name_string(X509_get_issuer_name(cert)));
	json_object_set_new(o, "SerialNumber", hex ? json_string(hex) : json_null());
	json_object_set_new(o, "Thumbprint", json_string(tp));
	json_object_set_new(o, "NotBefore", time_string(X509_get0_notBefore(cert)));
	json_object_set_new(o, "NotAfter", time_string(X509_get0_notAfter(cert)));
	json_object_set_new(o, "AlternativeNames", alt_names(cert));
	OPENSSL_free(hex);
	BN_free(bn);
	return o;
}

/* ---- Names ------------------------------------------------------------------ */

bool pki_name_is_ip(const char *s)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

int pki_check_name(const char *s, struct ucsh_err *err)
{
	size_t n = s ? strlen(s) : 0, label = 0;
	bool ok = n > 0 && n <= 253;
	if (ok && pki_name_is_ip(s))
		return 0;
	for (size_t i = 0; ok && i < n; i++) {
		char c = s[i];
		if (c == '.') {
			ok = label > 0 && label <= 63;
			label = 0;
		} else if (c == '*') {
			ok = i == 0 && n > 2 && s[1] == '.'; /* *.contoso.com only */
			label++;
		} else {
			ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			     c == '-';
			label++;
		}
	}
	if (ok && label > 0 && label <= 63)
		return 0;
	return err_set(err, "'%.80s' is not a DNS name or an IP address", s ? s : "");
}

static void add_name(json_t *names, const char *s)
{
	size_t i;
	json_t *v;
	if (!s || !*s)
		return;
	json_array_foreach(names, i, v)
		if (strcasecmp(json_string_value(v), s) == 0)
			return;
	json_array_append_new(names, json_string(s));
}

static const char *str_prop(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* Every pool, sorted by identity: a new array, or NULL with err. */
static json_t *pools_load(struct store *st, struct ucsh_err *err)
{
	struct store_cursor *cur;
	struct store_query_opts opts = { .sort = "Identity", .limit = 1000 };
	json_t *out = json_array(), *o;
	int rc;
	if (store_query(st, "Pool", NULL, &opts, &cur, err)) {
		json_decref(out);
		return NULL;
	}
	while ((rc = store_cursor_next(cur, &o, err)) == 1)
		json_array_append_new(out, o);
	store_cursor_free(cur);
	if (rc < 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static json_t *use_names_of(const json_t *pools, enum pki_use use)
{
	json_t *names = json_array(), *p;
	size_t i;
	json_array_foreach(pools, i, p) {
		const char *web = use == PKI_USE_WEB_INTERNAL ? str_prop(p, "InternalWebFqdn")
				: use == PKI_USE_WEB_EXTERNAL ? str_prop(p, "ExternalWebFqdn") : NULL;
		add_name(names, web && *web ? web : str_prop(p, "Identity"));
	}
	return names;
}

json_t *pki_use_names_required(struct store *st, enum pki_use use, struct ucsh_err *err)
{
	json_t *pools = pools_load(st, err);
	json_t *names = pools ? use_names_of(pools, use) : NULL;
	json_decref(pools);
	return names;
}

/* What the private CA names in a leaf: every pool's FQDNs, the name phones
 * outside reach the Device Update service by (ucupdates-r2.<SIP domain>,
 * DEVICE-UPDATE.md), then loopback. */
static json_t *issue_names_of(const json_t *pools, const json_t *extra)
{
	json_t *names = json_array(), *p, *d;
	size_t i, j;
	json_array_foreach(pools, i, p) {
		add_name(names, str_prop(p, "Identity"));
		add_name(names, str_prop(p, "InternalWebFqdn"));
		add_name(names, str_prop(p, "ExternalWebFqdn"));
		json_array_foreach(json_object_get(p, "SipDomain"), j, d) {
			if (!json_is_string(d))
				continue;
			char *updates = xasprintf("ucupdates-r2.%s", json_string_value(d));
			add_name(names, updates);
			free(updates);
		}
	}
	json_array_foreach(extra, i, p)
		add_name(names, json_string_value(p));
	add_name(names, "localhost");
	add_name(names, "127.0.0.1");
	add_name(names, "::1");
	return names;
}

/* The CRL URL the leaves name: the first pool's internal web site. */
static char *crl_url_of(const json_t *pools)
{
	const json_t *p = json_array_get(pools, 0);
	const char *web = str_prop(p, "InternalWebFqdn");
	json_int_t port = json_integer_value(json_object_get(p, "InternalHttpPort"));
	if (!web || !*web)
		web = str_prop(p, "Identity");
	if (!web)
		web = "localhost";
	if (port <= 0 || port == 80)
		return xasprintf("http://%s%s", web, PKI_CRL_PATH);
	return xasprintf("http://%s:%lld%s", web, (long long)port, PKI_CRL_PATH);
}

bool pki_cert_names(X509 *cert, const char *name)
{
	if (pki_name_is_ip(name))
		return X509_check_ip_asc(cert, name, 0) == 1;
	return X509_check_host(cert, name, 0, 0, NULL) == 1;
}

/* The first of names that cert does not cover, or NULL. */
const char *pki_missing_name(X509 *cert, const json_t *names)
{
	size_t i;
	json_t *v;
	json_array_foreach(names, i, v)
		if (!pki_cert_names(cert, json_string_value(v)))
			return json_string_value(v);
	return NULL;
}

/* The SAN extension's configuration text: "DNS:a,IP:127.0.0.1". */
static char *san_conf(const json_t *names)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	json_t *v;
	json_array_foreach(names, i, v) {
		const char *s = json_string_value(v);
		sb_addf(&sb, "%s%s:%s", i ? "," : "", pki_name_is_ip(s) ? "IP" : "DNS", s);
	}
	return sb_detach(&sb);
}

int pki_check_names(const json_t *names, struct ucsh_err *err)
{
	size_t i;
	json_t *v;
	json_array_foreach(names, i, v)
		if (pki_check_name(json_string_value(v), err))
			return -1;
	return 0;
}

/* ---- Rows ----------------------------------------------------------------- */

unsigned pki_mask_of(const char *use)
{
	unsigned mask = 0;
	while (use && *use) {
		const char *comma = strchr(use, ',');
		size_t n = comma ? (size_t)(comma - use) : strlen(use);
		for (int u = 0; u < PKI_NUSES; u++)
			if (strlen(pki_use_names[u]) == n && strncasecmp(use, pki_use_names[u], n) == 0)
				mask |= 1u << u;
		use = comma ? comma + 1 : NULL;
	}
	return mask;
}

json_t *pki_use_of(unsigned mask)
{
	struct strbuf sb = STRBUF_INIT;
	for (int u = 0; u < PKI_NUSES; u++)
		if (mask & (1u << u))
			sb_addf(&sb, "%s%s", sb.len ? "," : "", pki_use_names[u]);
	json_t *s = sb.len ? json_string(sb_str(&sb)) : json_null();
	sb_free(&sb);
	return s;
}

/* The row of a certificate: its properties, its PEM chain and key. */
json_t *pki_row_new(X509 *leaf, STACK_OF(X509) *chain, EVP_PKEY *key)
{
	json_t *row = pki_cert_props(leaf);
	struct strbuf sb = STRBUF_INIT;
	char *pem = pki_pem_of(NULL, leaf, NULL, NULL);
	sb_adds(&sb, pem ? pem : "");
	free(pem);
	for (int i = 0; i < sk_X509_num(chain); i++) {
		pem = pki_pem_of(NULL, sk_X509_value(chain, i), NULL, NULL);
		sb_adds(&sb, pem ? pem : "");
		free(pem);
	}
	char *kpem = pki_pem_of(key, NULL, NULL, NULL);
	json_object_set(row, "Identity", json_object_get(row, "Thumbprint"));
	json_object_set_new(row, "CertificatePem", json_string(sb_str(&sb)));
	json_object_set_new(row, "PrivateKeyPem", kpem ? json_string(kpem) : json_null());
	if (kpem)
		secret_wipe(kpem, strlen(kpem));
	free(kpem);
	sb_free(&sb);
	return row;
}

int pki_row_parse(const json_t *row, X509 **leaf, STACK_OF(X509) **chain, EVP_PKEY **key,
		  struct ucsh_err *err)
{
	const char *cpem = str_prop(row, "CertificatePem"), *kpem = str_prop(row, "PrivateKeyPem");
	BIO *b = cpem ? BIO_new_mem_buf(cpem, -1) : NULL;
	X509 *c;
	*leaf = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	if (chain)
		*chain = sk_X509_new_null();
	while (*leaf && chain && sk_X509_num(*chain) < 16 &&
	       (c = PEM_read_bio_X509(b, NULL, NULL, NULL)))
		sk_X509_push(*chain, c);
	ERR_clear_error();
	BIO_free(b);
	if (key) {
		b = kpem ? BIO_new_mem_buf(kpem, -1) : NULL;
		*key = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
		BIO_free(b);
	}
	if (*leaf && (!key || *key))
		return 0;
	X509_free(*leaf);
	*leaf = NULL;
	if (chain) {
		pki_chain_free(*chain);
		*chain = NULL;
	}
	if (key) {
		EVP_PKEY_free(*key);
		*key = NULL;
	}
	return pki_ossl_fail(err, "a stored certificate cannot be read");
}

/* Every assigned row: a new array, or NULL with err. */
static json_t *assigned_rows(struct store *st, struct ucsh_err *err)
{
	json_t *filter = json_pack("[{s:s,s:s,s:n}]", "Property", "Use", "Op", "ne", "Value");
	struct store_cursor *cur = NULL;
	json_t *out = json_array(), *o;
	int rc = store_query(st, "Certificate", filter, NULL, &cur, err);
	json_decref(filter);
	while (rc == 0) {
		int n = store_cursor_next(cur, &o, err);
		if (n <= 0) {
			rc = n;
			break;
		}
		json_array_append_new(out, o);
	}
	store_cursor_free(cur);
	if (rc < 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

int pki_current_row(struct store *st, enum pki_use use, json_t **row, struct ucsh_err *err)
{
	json_t *rows = assigned_rows(st, err), *r;
	size_t i;
	*row = NULL;
	if (!rows)
		return -1;
	json_array_foreach(rows, i, r) {
		if (!(pki_mask_of(str_prop(r, "Use")) & (1u << use)) || !str_prop(r, "CertificatePem"))
			continue;
		const char *nb = str_prop(r, "NotBefore"), *best = str_prop(*row, "NotBefore");
		if (!*row || (nb && best && strcmp(nb, best) > 0)) {
			json_decref(*row);
			*row = json_incref(r);
		}
	}
	json_decref(rows);
	return *row ? 1 : 0;
}

/* Take mask's uses from every row but keep's, and give them to keep. Inside
 * the caller's transaction. */
static int pki_reassign(struct store *st, const char *keep, unsigned mask, struct ucsh_err *err)
{
	json_t *rows = assigned_rows(st, err), *r, *cur = NULL;
	size_t i;
	int rc = rows ? 0 : -1;
	json_array_foreach(rows, i, r) {
		const char *id = str_prop(r, "Identity");
		unsigned m = pki_mask_of(str_prop(r, "Use"));
		if (rc || strcmp(id, keep) == 0 || !(m & mask))
			continue;
		json_t *ch = json_pack("{s:o}", "Use", pki_use_of(m & ~mask));
		rc = store_update(st, "Certificate", id, ch, err) < 0 ? -1 : 0;
		json_decref(ch);
	}
	json_decref(rows);
	if (rc == 0 && store_get(st, "Certificate", keep, &cur, err) == 1) {
		json_t *ch = json_pack("{s:o}", "Use",
				       pki_use_of(pki_mask_of(str_prop(cur, "Use")) | mask));
		rc = store_update(st, "Certificate", keep, ch, err) < 0 ? -1 : 0;
		json_decref(ch);
	} else if (rc == 0) {
		rc = err_set(err, "no certificate with thumbprint %s", keep);
	}
	json_decref(cur);
	return rc;
}

/* Insert row (or refresh an existing one) and give it mask's uses, in one
 * transaction. */
int pki_store_row(struct store *st, json_t *row, unsigned mask, const char *drop,
		  struct ucsh_err *err)
{
	struct ucsh_err scratch;
	if (store_begin(st, err))
		return -1;
	int rc = store_upsert(st, "Certificate", row, err);
	if (rc == 0 && drop && store_delete(st, "Certificate", drop, err) < 0)
		rc = -1;
	if (rc == 0 && mask)
		rc = pki_reassign(st, str_prop(row, "Identity"), mask, err);
	if (rc == 0)
		return store_commit(st, err);
	store_rollback(st, &scratch);
	return -1;
}

/* ---- Issuing ------------------------------------------------------------------ */

static X509 *leaf_make(struct pki_ca *ca, EVP_PKEY *key, const json_t *names, const char *crl,
		       long seconds)
{
	long back = seconds / 10 < 300 ? seconds / 10 : 300; /* clocks a little behind */
	char *san = san_conf(names), *cdp = xasprintf("URI:%s", crl);
	/* the whole validity, back-dating included, is `seconds` (397 days at most) */
	X509 *c = cert_new(key, json_string_value(json_array_get(names, 0)), back, seconds - back);
	int bad = !c || !X509_set_issuer_name(c, X509_get_subject_name(ca->cert)) ||
		  add_ext(c, ca->cert, NID_basic_constraints, "critical,CA:FALSE") ||
		  add_ext(c, ca->cert, NID_key_usage, "critical,digitalSignature") ||
		  add_ext(c, ca->cert, NID_ext_key_usage, "serverAuth,clientAuth") ||
		  add_ext(c, ca->cert, NID_subject_key_identifier, "hash") ||
		  add_ext(c, ca->cert, NID_authority_key_identifier, "keyid") ||
		  add_ext(c, ca->cert, NID_subject_alt_name, san) ||
		  add_ext(c, ca->cert, NID_crl_distribution_points, cdp) ||
		  !X509_sign(c, ca->key, EVP_sha256());
	free(san);
	free(cdp);
	if (bad) {
		X509_free(c);
		return NULL;
	}
	return c;
}

static int issue_with(struct store *st, struct pki_ca *ca, const json_t *pools, unsigned mask,
		      const json_t *extra, long seconds, json_t **row, struct ucsh_err *err)
{
	json_t *names = issue_names_of(pools, extra);
	char *crl = crl_url_of(pools);
	EVP_PKEY *key = NULL;
	X509 *leaf = NULL;
	json_t *r = NULL;
	int rc = pki_check_names(names, err);
	if (rc == 0 && (!(key = EVP_EC_gen("P-256")) ||
			!(leaf = leaf_make(ca, key, names, crl, seconds))))
		rc = pki_ossl_fail(err, "cannot issue a certificate");
	if (rc == 0) {
		r = pki_row_new(leaf, NULL, key);
		rc = pki_store_row(st, r, mask, NULL, err);
	}
	if (rc == 0 && row && store_get(st, "Certificate", str_prop(r, "Identity"), row, err) != 1)
		rc = -1;
	json_decref(r);
	X509_free(leaf);
	EVP_PKEY_free(key);
	json_decref(names);
	free(crl);
	return rc;
}

int pki_issue(struct store *st, struct pki_ca *ca, unsigned mask, const json_t *extra,
	      long seconds, json_t **row, struct ucsh_err *err)
{
	json_t *pools = pools_load(st, err);
	if (row)
		*row = NULL;
	if (!pools)
		return -1;
	int rc = pki_check_names(extra, err) ? -1
		 : issue_with(st, ca, pools, mask, extra, seconds, row, err);
	json_decref(pools);
	return rc;
}

/* The URI of cert's first CRL distribution point, or NULL (caller frees). */
static char *cdp_of(X509 *cert)
{
	STACK_OF(DIST_POINT) *dps = X509_get_ext_d2i(cert, NID_crl_distribution_points, NULL, NULL);
	char *uri = NULL;
	DIST_POINT *dp = sk_DIST_POINT_num(dps) > 0 ? sk_DIST_POINT_value(dps, 0) : NULL;
	if (dp && dp->distpoint && dp->distpoint->type == 0) {
		GENERAL_NAMES *gens = dp->distpoint->name.fullname;
		GENERAL_NAME *g = sk_GENERAL_NAME_num(gens) > 0 ? sk_GENERAL_NAME_value(gens, 0) : NULL;
		if (g && g->type == GEN_URI)
			uri = xstrndup((const char *)ASN1_STRING_get0_data(g->d.uniformResourceIdentifier),
				       (size_t)ASN1_STRING_length(g->d.uniformResourceIdentifier));
	}
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	return uri;
}

bool pki_issued_by(struct pki_ca *ca, X509 *cert)
{
	EVP_PKEY *pub = X509_get0_pubkey(ca->cert);
	bool ok = X509_check_issued(ca->cert, cert) == X509_V_OK && pub &&
		  X509_verify(cert, pub) == 1;
	ERR_clear_error();
	return ok;
}

/* Does row still serve use? (see pki_ensure) */
static bool row_usable(struct pki_ca *ca, const json_t *row, const json_t *need,
		       const json_t *issue_names, const char *crl)
{
	X509 *leaf;
	EVP_PKEY *key;
	struct ucsh_err err;
	if (!json_is_null(json_object_get(row, "Revoked")) ||
	    pki_row_parse(row, &leaf, NULL, &key, &err))
		return false;
	time_t now = time(NULL), nb = pki_time_of(X509_get0_notBefore(leaf));
	time_t na = pki_time_of(X509_get0_notAfter(leaf));
	bool ok = X509_check_private_key(leaf, key) == 1 && nb <= now + 60 && na > now &&
		  !pki_missing_name(leaf, need);
	if (ok && pki_issued_by(ca, leaf)) {
		char *cdp = cdp_of(leaf);
		ok = !pki_missing_name(leaf, issue_names) && cdp && strcmp(cdp, crl) == 0 &&
		     (na - now) * 3 > (na - nb);
		free(cdp);
	}
	ERR_clear_error();
	X509_free(leaf);
	EVP_PKEY_free(key);
	return ok;
}

int pki_ensure(struct store *st, struct pki_ca *ca, long seconds, int *issued,
	       struct ucsh_err *err)
{
	json_t *pools = pools_load(st, err);
	if (issued)
		*issued = 0;
	if (!pools)
		return -1;
	json_t *names = issue_names_of(pools, NULL);
	char *crl = crl_url_of(pools);
	int rc = 0;
	for (int u = 0; u < PKI_NUSES && rc == 0; u++) {
		json_t *row = NULL, *need = use_names_of(pools, (enum pki_use)u);
		rc = pki_current_row(st, (enum pki_use)u, &row, err);
		if (rc >= 0 && !(rc == 1 && row_usable(ca, row, need, names, crl))) {
			rc = issue_with(st, ca, pools, 1u << u, NULL, seconds, NULL, err);
			if (rc == 0 && issued)
				(*issued)++;
		}
		rc = rc < 0 ? -1 : 0;
		json_decref(row);
		json_decref(need);
	}
	json_decref(names);
	json_decref(pools);
	free(crl);
	return rc;
}

/* ---- Assigning and revoking ------------------------------------------------ */

/* The stored certificate whose thumbprint is tp (any case): 1, 0, -1. */
int pki_row_get(struct store *st, const char *tp, json_t **row, struct ucsh_err *err)
{
	char key[41];
	size_t n = tp ? strlen(tp) : 0;
	*row = NULL;
	if (n != 40 || strspn(tp, "0123456789abcdefABCDEF") != 40)
		return err_set(err, "'%.60s' is not a thumbprint (40 hexadecimal digits)",
			       tp ? tp : ""), -1;
	for (size_t i = 0; i <= n; i++)
		key[i] = (char)(tp[i] >= 'a' && tp[i] <= 'f' ? tp[i] - 32 : tp[i]);
	int rc = store_get(st, "Certificate", key, row, err);
	if (rc == 0)
		err_set(err, "no certificate has the thumbprint %s", key);
	return rc;
}

int pki_assign(struct store *st, const char *tp, unsigned mask, struct ucsh_err *err)
{
	json_t *row;
	X509 *leaf = NULL;
	EVP_PKEY *key = NULL;
	int rc = pki_row_get(st, tp, &row, err) == 1 ? 0 : -1;
	if (rc == 0 && !json_is_null(json_object_get(row, "Revoked")))
		rc = err_set(err, "certificate %s was revoked on %s", str_prop(row, "Identity"),
			     str_prop(row, "Revoked"));
	if (rc == 0 && (pki_row_parse(row, &leaf, NULL, &key, err) ||
			X509_check_private_key(leaf, key) != 1))
		rc = err_set(err, "certificate %s has no usable private key",
			     str_prop(row, "Identity"));
	time_t now = time(NULL);
	if (rc == 0 && pki_time_of(X509_get0_notAfter(leaf)) <= now)
		rc = err_set(err, "certificate %s expired on %s", str_prop(row, "Identity"),
			     str_prop(row, "NotAfter"));
	for (int u = 0; u < PKI_NUSES && rc == 0; u++) {
		json_t *need = (mask & (1u << u)) ? pki_use_names_required(st, (enum pki_use)u, err)
						  : json_array();
		const char *miss = need ? pki_missing_name(leaf, need) : NULL;
		if (!need)
			rc = -1;
		else if (miss)
			rc = err_set(err, "certificate %s does not name %s, which %s needs",
				     str_prop(row, "Identity"), miss, pki_use_name((enum pki_use)u));
		json_decref(need);
	}
	if (rc == 0 && store_begin(st, err) == 0) {
		struct ucsh_err scratch;
		rc = pki_reassign(st, str_prop(row, "Identity"), mask, err);
		rc = rc == 0 ? store_commit(st, err) : (store_rollback(st, &scratch), -1);
	} else if (rc == 0) {
		rc = -1;
	}
	ERR_clear_error();
	X509_free(leaf);
	EVP_PKEY_free(key);
	json_decref(row);
	return rc;
}

int pki_revoke(struct store *st, struct pki_ca *ca, const char *tp, struct ucsh_err *err)
{
	json_t *row;
	X509 *leaf = NULL;
	char now[STORE_TIMESTAMP_LEN];
	int rc = pki_row_get(st, tp, &row, err) == 1 ? 0 : -1;
	if (rc == 0 && !json_is_null(json_object_get(row, "Revoked")))
		rc = err_set(err, "certificate %s was already revoked on %s",
			     str_prop(row, "Identity"), str_prop(row, "Revoked"));
	if (rc == 0 && pki_row_parse(row, &leaf, NULL, NULL, err))
		rc = -1;
	if (rc == 0 && !pki_issued_by(ca, leaf)) {
		err_set(err, "certificate %s was issued by %s, not by the private CA",
			str_prop(row, "Identity"), str_prop(row, "Issuer"));
		rc = err_hint(err, "revoke it at the CA that issued it");
	}
	if (rc == 0) {
		store_timestamp(time(NULL), now);
		json_t *ch = json_pack("{s:s,s:n}", "Revoked", now, "Use");
		rc = store_update(st, "Certificate", str_prop(row, "Identity"), ch, err) == 1 ? 0 : -1;
		json_decref(ch);
	}
	X509_free(leaf);
	json_decref(row);
	return rc;
}

/* ---- The CRL --------------------------------------------------------------------- */

static int crl_add_revoked(X509_CRL *crl, struct pki_ca *ca, const json_t *row)
{
	X509 *leaf;
	struct ucsh_err err;
	time_t when;
	if (pki_row_parse(row, &leaf, NULL, NULL, &err))
		return 0;
	int rc = 0;
	/* listed until a day after it expired: a verifier whose clock is behind
	 * still sees it revoked */
	if (pki_issued_by(ca, leaf) && pki_time_of(X509_get0_notAfter(leaf)) + 86400 > time(NULL) &&
	    store_timestamp_parse(str_prop(row, "Revoked"), &when) == 0) {
		X509_REVOKED *r = X509_REVOKED_new();
		ASN1_TIME *t = ASN1_TIME_set(NULL, when);
		if (!r || !t || !X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(leaf)) ||
		    !X509_REVOKED_set_revocationDate(r, t) || !X509_CRL_add0_revoked(crl, r)) {
			X509_REVOKED_free(r);
			rc = -1;
		}
		ASN1_TIME_free(t);
	}
	X509_free(leaf);
	return rc;
}

static int crl_fill(X509_CRL *crl, struct store *st, struct pki_ca *ca, struct ucsh_err *err)
{
	json_t *filter = json_pack("[{s:s,s:s,s:n}]", "Property", "Revoked", "Op", "ne", "Value");
	struct store_cursor *cur = NULL;
	json_t *row;
	int rc = store_query(st, "Certificate", filter, NULL, &cur, err), n;
	json_decref(filter);
	while (rc == 0 && (n = store_cursor_next(cur, &row, err)) != 0) {
		rc = n < 0 ? -1 : crl_add_revoked(crl, ca, row);
		if (n > 0)
			json_decref(row);
	}
	store_cursor_free(cur);
	return rc;
}

int pki_crl_make(struct store *st, struct pki_ca *ca, long seconds, long long number,
		 X509_CRL **out, struct ucsh_err *err)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *last = ASN1_TIME_adj(NULL, time(NULL), 0, -60);
	ASN1_TIME *next = ASN1_TIME_adj(NULL, time(NULL), 0, seconds);
	ASN1_INTEGER *num = ASN1_INTEGER_new();
	X509V3_CTX xctx;
	X509_EXTENSION *aki = NULL;
	int rc = -1;
	*out = NULL;
	if (crl && last && next && num && X509_CRL_set_version(crl, 1) &&
	    X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca->cert)) &&
	    X509_CRL_set1_lastUpdate(crl, last) && X509_CRL_set1_nextUpdate(crl, next) &&
	    ASN1_INTEGER_set_int64(num, number) &&
	    X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0) == 1) {
		X509V3_set_ctx(&xctx, ca->cert, NULL, NULL, crl, 0);
		aki = X509V3_EXT_conf_nid(NULL, &xctx, NID_authority_key_identifier, "keyid:always");
		rc = aki && X509_CRL_add_ext(crl, aki, -1) ? 0 : -1;
	}
	if (rc == 0 && crl_fill(crl, st, ca, err))
		rc = -2;
	if (rc == 0 && (!X509_CRL_sort(crl) || !X509_CRL_sign(crl, ca->key, EVP_sha256())))
		rc = -1;
	if (rc == -1)
		pki_ossl_fail(err, "cannot make the CRL");
	X509_EXTENSION_free(aki);
	ASN1_INTEGER_free(num);
	ASN1_TIME_free(last);
	ASN1_TIME_free(next);
	if (rc == 0)
		*out = crl;
	else
		X509_CRL_free(crl);
	return rc ? -1 : 0;
}
