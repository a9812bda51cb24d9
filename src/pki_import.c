/*
 * pki_import: certificates from an enterprise CA. Request-CsCertificate
 * -Output makes a key and a CSR (the key waits in the store as a pending
 * request); Import-CsCertificate reads what the CA sent back (PEM or
 * PKCS#12), checks it completely and only then stores it, so that a bad
 * file never replaces the certificate being served. See pki.h.
 */
#include "config.h"
#include "pki.h"
#include "pki_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509v3.h>

#include "secret.h"
#include "store.h"

#define IMPORT_MAX_BYTES (1 << 20)
#define IMPORT_MAX_CERTS 16
#define RSA_MIN_BITS 2048

void pki_bundle_clear(struct pki_bundle *b)
{
	EVP_PKEY_free(b->key);
	X509_free(b->leaf);
	pki_chain_free(b->chain);
	free(b->pending);
	memset(b, 0, sizeof(*b));
}

/* The file, at most IMPORT_MAX_BYTES, in a read-only memory BIO (so that
 * BIO_reset rewinds it) over *buf, which the caller wipes and frees. */
static BIO *read_file(const char *path, char **buf, size_t *n, struct ucsh_err *err)
{
	FILE *f = fopen(path, "re");
	*buf = NULL;
	*n = 0;
	if (!f)
		return err_set(err, "cannot read %s: %s", path, strerror(errno)), NULL;
	*buf = xmalloc(IMPORT_MAX_BYTES + 1);
	*n = fread(*buf, 1, IMPORT_MAX_BYTES + 1, f);
	bool bad = ferror(f);
	fclose(f);
	if (bad)
		err_set(err, "cannot read %s", path);
	else if (*n > IMPORT_MAX_BYTES)
		err_set(err, "%s is larger than %d bytes: not a certificate file", path,
			IMPORT_MAX_BYTES);
	else if (*n == 0)
		err_set(err, "%s is empty", path);
	else
		return BIO_new_mem_buf(*buf, (int)*n);
	return NULL;
}

struct pass {
	const char *password;
	bool asked;
};

static int pass_cb(char *buf, int size, int rwflag, void *u)
{
	struct pass *p = u;
	(void)rwflag;
	p->asked = true;
	if (!p->password)
		return -1;
	size_t n = strlen(p->password);
	if (n >= (size_t)size)
		return -1;
	memcpy(buf, p->password, n);
	return (int)n;
}

/* PKCS#12: key, certificate and CA certificates into certs (key's first). */
static int load_p12(BIO *in, const char *path, const char *password, EVP_PKEY **key,
		    STACK_OF(X509) *certs, struct ucsh_err *err)
{
	PKCS12 *p12 = d2i_PKCS12_bio(in, NULL);
	X509 *cert = NULL;
	STACK_OF(X509) *cas = NULL;
	int rc = -1;
	ERR_clear_error();
	if (!p12)
		return err_set(err, "%s is neither PEM nor PKCS#12", path);
	const char *pw = password ? password : "";
	if (!PKCS12_verify_mac(p12, pw, -1) && !(password == NULL && PKCS12_verify_mac(p12, NULL, 0)))
		err_set(err, password ? "wrong password for %s" : "%s is protected: give -Password",
			path);
	else if (!PKCS12_parse(p12, pw, key, &cert, &cas))
		pki_ossl_fail(err, "cannot read the PKCS#12 file");
	else
		rc = 0;
	if (cert)
		sk_X509_push(certs, cert);
	while (sk_X509_num(cas) > 0)
		sk_X509_push(certs, sk_X509_shift(cas));
	sk_X509_free(cas);
	PKCS12_free(p12);
	ERR_clear_error();
	return rc;
}

/* PEM: every certificate, and the private key if there is one. */
static int load_pem_file(BIO *in, const char *path, const char *password, EVP_PKEY **key,
			 STACK_OF(X509) *certs, struct ucsh_err *err)
{
	X509 *c;
	struct pass pw = { password, false };
	while (sk_X509_num(certs) <= IMPORT_MAX_CERTS && (c = PEM_read_bio_X509(in, NULL, NULL, NULL)))
		sk_X509_push(certs, c);
	ERR_clear_error();
	if (sk_X509_num(certs) > IMPORT_MAX_CERTS)
		return err_set(err, "%s holds more than %d certificates", path, IMPORT_MAX_CERTS);
	(void)BIO_reset(in);
	char *text;
	long n = BIO_get_mem_data(in, &text);
	if (n <= 0 || !memmem(text, (size_t)n, "PRIVATE KEY-----", 16))
		return 0; /* a certificate alone: the key may be a pending request's */
	*key = PEM_read_bio_PrivateKey(in, NULL, pass_cb, &pw);
	ERR_clear_error();
	if (!*key && pw.asked)
		return err_set(err, password ? "wrong password for the key in %s"
					     : "the key in %s is encrypted: give -Password", path);
	if (!*key)
		return err_set(err, "the private key in %s cannot be read", path);
	return 0;
}

/* The key of a pending request whose public key is leaf's; 1, 0, -1. */
static int pending_key(struct store *st, X509 *leaf, EVP_PKEY **key, char **id,
		       struct ucsh_err *err)
{
	json_t *filter = json_pack("[{s:s,s:s,s:s}]", "Property", "Identity", "Op", "like",
				   "Value", "Request:*");
	struct store_cursor *cur = NULL;
	json_t *row;
	int rc = store_query(st, "Certificate", filter, NULL, &cur, err), n = 0;
	json_decref(filter);
	while (rc == 0 && !*key && (n = store_cursor_next(cur, &row, err)) == 1) {
		const char *pem = json_string_value(json_object_get(row, "PrivateKeyPem"));
		BIO *b = pem ? BIO_new_mem_buf(pem, -1) : NULL;
		EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
		BIO_free(b);
		if (k && EVP_PKEY_eq(k, X509_get0_pubkey(leaf)) == 1) {
			*key = k;
			*id = xstrdup(json_string_value(json_object_get(row, "Identity")));
		} else {
			EVP_PKEY_free(k);
		}
		json_decref(row);
	}
	store_cursor_free(cur);
	ERR_clear_error();
	return rc < 0 || n < 0 ? -1 : *key ? 1 : 0;
}

/* Pick the leaf (the certificate of the key, else the first that is not a
 * CA) out of certs; the rest become b->chain. */
static int pick_leaf(struct store *st, const char *path, STACK_OF(X509) *certs,
		     struct pki_bundle *b, struct ucsh_err *err)
{
	int i, n = sk_X509_num(certs);
	if (n == 0)
		return err_set(err, "%s holds no certificate", path);
	for (i = 0; b->key && i < n; i++)
		if (X509_check_private_key(sk_X509_value(certs, i), b->key) == 1)
			break;
	ERR_clear_error();
	if (b->key && i == n) {
		char *subj = X509_NAME_oneline(X509_get_subject_name(sk_X509_value(certs, 0)), NULL, 0);
		err_set(err, "the private key in %s does not match the certificate %s", path,
			subj ? subj : "?");
		OPENSSL_free(subj);
		return -1;
	}
	for (i = b->key ? i : 0; !b->key && i < n; i++)
		if (X509_check_ca(sk_X509_value(certs, i)) == 0)
			break;
	b->leaf = sk_X509_delete(certs, i < n ? i : 0);
	int found = b->key ? 1 : pending_key(st, b->leaf, &b->key, &b->pending, err);
	if (found < 0)
		return -1;
	if (found == 0) {
		err_set(err, "%s holds no private key, and no pending request has the key of "
			"its certificate", path);
		return err_hint(err, "import the PKCS#12 (.pfx) file the CA gave, or the answer to "
				     "a Request-CsCertificate -Output request");
	}
	return 0;
}

static int check_validity(X509 *c, const char *what, struct ucsh_err *err)
{
	time_t now = time(NULL);
	char *subj = X509_NAME_oneline(X509_get_subject_name(c), NULL, 0);
	char when[STORE_TIMESTAMP_LEN];
	int rc = 0;
	if (pki_time_of(X509_get0_notAfter(c)) <= now) {
		store_timestamp(pki_time_of(X509_get0_notAfter(c)), when);
		rc = err_set(err, "the %s %s expired on %s", what, subj ? subj : "?", when);
	} else if (pki_time_of(X509_get0_notBefore(c)) > now) {
		store_timestamp(pki_time_of(X509_get0_notBefore(c)), when);
		rc = err_set(err, "the %s %s is not valid before %s", what, subj ? subj : "?", when);
	}
	OPENSSL_free(subj);
	return rc;
}

/* The chain verifies from b->leaf through the file's other certificates to
 * a root in the file or in the system's trust store. */
static int check_chain(struct pki_bundle *b, STACK_OF(X509) *others, struct ucsh_err *err)
{
	X509_STORE *roots = X509_STORE_new();
	X509_STORE_CTX *vx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	int rc = -1;
	if (!roots || !vx || !untrusted)
		goto out;
	X509_STORE_set_default_paths(roots);
	for (int i = 0; i < sk_X509_num(others); i++) {
		X509 *c = sk_X509_value(others, i);
		if (X509_check_issued(c, c) == X509_V_OK)
			X509_STORE_add_cert(roots, c);
		else
			sk_X509_push(untrusted, c);
	}
	ERR_clear_error();
	if (!X509_STORE_CTX_init(vx, roots, b->leaf, untrusted))
		goto out;
	X509_STORE_CTX_set_purpose(vx, X509_PURPOSE_SSL_SERVER);
	if (X509_verify_cert(vx) == 1) {
		STACK_OF(X509) *full = X509_STORE_CTX_get1_chain(vx);
		b->chain = sk_X509_new_null();
		for (int i = 1; i < sk_X509_num(full); i++) { /* not the leaf, not a root */
			X509 *c = sk_X509_value(full, i);
			if (X509_check_issued(c, c) != X509_V_OK && X509_up_ref(c))
				sk_X509_push(b->chain, c);
		}
		pki_chain_free(full);
		rc = 0;
	} else {
		int e = X509_STORE_CTX_get_error(vx);
		X509 *at = X509_STORE_CTX_get_current_cert(vx);
		char *subj = at ? X509_NAME_oneline(X509_get_subject_name(at), NULL, 0) : NULL;
		char *iss = at ? X509_NAME_oneline(X509_get_issuer_name(at), NULL, 0) : NULL;
		if (e == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
		    e == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT)
			err_set(err, "the chain is incomplete: the issuer of %s (%s) is neither in the "
				"file nor in the system's trust store", subj ? subj : "?", iss ? iss : "?");
		else
			err_set(err, "the chain does not verify at %s: %s", subj ? subj : "?",
				X509_verify_cert_error_string(e));
		OPENSSL_free(subj);
		OPENSSL_free(iss);
	}
out:
	if (rc && !err->msg[0])
		pki_ossl_fail(err, "cannot verify the chain");
	ERR_clear_error();
	sk_X509_free(untrusted);
	X509_STORE_CTX_free(vx);
	X509_STORE_free(roots);
	return rc;
}

static int check_names(struct store *st, X509 *leaf, unsigned mask, struct ucsh_err *err)
{
	int rc = 0;
	for (int u = 0; u < PKI_NUSES && rc == 0; u++) {
		if (!(mask & (1u << u)))
			continue;
		json_t *need = pki_use_names_required(st, (enum pki_use)u, err);
		const char *miss = need ? pki_missing_name(leaf, need) : NULL;
		if (!need)
			rc = -1;
		else if (miss)
			rc = err_set(err, "the certificate does not name %s, which %s needs", miss,
				     pki_use_name((enum pki_use)u));
		json_decref(need);
	}
	return rc;
}

static int check_key(EVP_PKEY *key, struct ucsh_err *err)
{
	if (EVP_PKEY_is_a(key, "RSA") && EVP_PKEY_get_bits(key) < RSA_MIN_BITS)
		return err_set(err, "the RSA key has %d bits; %d or more are needed",
			       EVP_PKEY_get_bits(key), RSA_MIN_BITS);
	if (!EVP_PKEY_is_a(key, "RSA") && !EVP_PKEY_is_a(key, "EC"))
		return err_set(err, "the key is neither RSA nor ECDSA");
	return 0;
}

int pki_bundle_load(struct store *st, const char *path, const char *password, unsigned mask,
		    struct pki_bundle *b, struct ucsh_err *err)
{
	STACK_OF(X509) *certs = sk_X509_new_null();
	memset(b, 0, sizeof(*b));
	err_clear(err);
	char *buf;
	size_t n;
	BIO *in = read_file(path, &buf, &n, err);
	int rc = in ? 0 : -1;
	if (rc == 0) /* PEM says so in its text; PKCS#12 is DER, a SEQUENCE */
		rc = memmem(buf, n, "-----BEGIN ", 11)
			     ? load_pem_file(in, path, password, &b->key, certs, err)
			     : load_p12(in, path, password, &b->key, certs, err);
	if (rc == 0)
		rc = pick_leaf(st, path, certs, b, err);
	if (rc == 0)
		rc = check_key(b->key, err);
	if (rc == 0)
		rc = check_validity(b->leaf, "certificate", err);
	for (int i = 0; rc == 0 && i < sk_X509_num(certs); i++)
		rc = check_validity(sk_X509_value(certs, i), "chain certificate", err);
	if (rc == 0)
		rc = check_chain(b, certs, err);
	if (rc == 0)
		rc = check_names(st, b->leaf, mask, err);
	BIO_free(in);
	if (buf)
		secret_wipe(buf, n < IMPORT_MAX_BYTES ? n : IMPORT_MAX_BYTES);
	free(buf);
	pki_chain_free(certs);
	if (rc)
		pki_bundle_clear(b);
	return rc;
}

int pki_bundle_store(struct store *st, const struct pki_bundle *b, unsigned mask, json_t **row,
		     struct ucsh_err *err)
{
	json_t *r = pki_row_new(b->leaf, b->chain, b->key);
	int rc = pki_store_row(st, r, mask, b->pending, err);
	if (row)
		*row = NULL;
	if (rc == 0 && row && store_get(st, "Certificate",
					json_string_value(json_object_get(r, "Identity")), row, err) != 1)
		rc = -1;
	json_decref(r);
	return rc;
}

/* ---- Requests ------------------------------------------------------------ */

static X509_REQ *csr_make(EVP_PKEY *key, const json_t *names)
{
	X509_REQ *req = X509_REQ_new();
	X509_NAME *name = X509_NAME_new();
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	struct strbuf san = STRBUF_INIT;
	size_t i;
	json_t *v;
	json_array_foreach(names, i, v) {
		const char *s = json_string_value(v);
		sb_addf(&san, "%s%s:%s", i ? "," : "", pki_name_is_ip(s) ? "IP" : "DNS", s);
	}
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, sb_str(&san));
	const char *cn = json_string_value(json_array_get(names, 0));
	bool ok = req && name && exts && ext && sk_X509_EXTENSION_push(exts, ext) &&
		  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn,
					     -1, -1, 0) &&
		  X509_REQ_set_version(req, 0) && X509_REQ_set_subject_name(req, name) &&
		  X509_REQ_set_pubkey(req, key) && X509_REQ_add_extensions(req, exts) &&
		  X509_REQ_sign(req, key, EVP_sha256());
	if (!ok && ext && sk_X509_EXTENSION_num(exts) == 0)
		X509_EXTENSION_free(ext);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_NAME_free(name);
	sb_free(&san);
	if (!ok) {
		X509_REQ_free(req);
		return NULL;
	}
	return req;
}

/* What a request names: mask's names, then extra. A new array. */
static json_t *request_names(struct store *st, unsigned mask, const json_t *extra,
			     struct ucsh_err *err)
{
	json_t *names = json_array(), *v;
	size_t i;
	for (int u = 0; u < PKI_NUSES; u++) {
		json_t *need = (mask & (1u << u)) ? pki_use_names_required(st, (enum pki_use)u, err)
						  : json_array();
		if (!need) {
			json_decref(names);
			return NULL;
		}
		json_array_extend(names, need);
		json_decref(need);
	}
	json_array_foreach(extra, i, v)
		json_array_append_new(names, json_string(json_string_value(v)));
	json_t *uniq = json_array();
	json_array_foreach(names, i, v) {
		size_t j;
		json_t *w;
		bool dup = false;
		json_array_foreach(uniq, j, w)
			dup = dup || strcasecmp(json_string_value(v), json_string_value(w)) == 0;
		if (!dup)
			json_array_append(uniq, v);
	}
	json_decref(names);
	return uniq;
}

/* The pending request's row: Identity "Request:" + SHA-1 of the public key. */
static json_t *pending_row(EVP_PKEY *key, const json_t *names)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	char hex[41] = "";
	unsigned char *der = NULL;
	int len = i2d_PUBKEY(key, &der);
	if (len > 0)
		EVP_Digest(der, (size_t)len, md, &n, EVP_sha1(), NULL);
	OPENSSL_free(der);
	for (unsigned i = 0; i < n && i < 20; i++)
		snprintf(hex + 2 * i, 3, "%02X", md[i]);
	char *kpem = pki_pem_of(key, NULL, NULL, NULL);
	char *subj = xasprintf("CN=%s", json_string_value(json_array_get(names, 0)));
	json_t *row = json_pack("{s:s+, s:s, s:O, s:s}", "Identity", "Request:", hex, "Subject",
				subj, "AlternativeNames", names, "PrivateKeyPem", kpem ? kpem : "");
	free(subj);
	if (kpem)
		secret_wipe(kpem, strlen(kpem));
	free(kpem);
	return row;
}

int pki_request(struct store *st, unsigned mask, const json_t *extra, bool rsa, char **csr,
		struct ucsh_err *err)
{
	json_t *names = pki_check_names(extra, err) ? NULL : request_names(st, mask, extra, err);
	EVP_PKEY *key = NULL;
	X509_REQ *req = NULL;
	int rc = names ? 0 : -1;
	*csr = NULL;
	if (rc == 0 && json_array_size(names) == 0)
		rc = err_set(err, "the request names nothing: give -Type or -DomainName");
	if (rc == 0 && pki_check_names(names, err))
		rc = -1;
	if (rc == 0 && (!(key = rsa ? EVP_RSA_gen(3072) : EVP_EC_gen("P-256")) ||
			!(req = csr_make(key, names)) || !(*csr = pki_pem_of(NULL, NULL, req, NULL))))
		rc = pki_ossl_fail(err, "cannot make the certificate request");
	if (rc == 0) {
		json_t *row = pending_row(key, names);
		rc = store_insert(st, "Certificate", row, err);
		json_decref(row);
	}
	if (rc) {
		free(*csr);
		*csr = NULL;
	}
	X509_REQ_free(req);
	EVP_PKEY_free(key);
	json_decref(names);
	return rc;
}
