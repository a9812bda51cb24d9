/*
 * devupdate_fetch: Import-CsDeviceUpdate -Uri, the package downloaded over
 * HTTPS with libcurl into a temporary file of the image store. The admin
 * gives the package's SHA-256 with the URL; the download is bounded in size
 * while it runs and checked against that digest before anything reads it,
 * so neither the server nor the network can hand the importer other bytes.
 */
#include "config.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "devupdate_pkg.h"

#define CONNECT_TIMEOUT_S 30L
#define STALL_TIMEOUT_S 60L   /* abort when under 1 byte/s for this long */
#define MAX_REDIRECTS 5L

struct fetch {
	int fd;
	uint64_t max, got;
	bool too_big;
	int write_errno;
	EVP_MD_CTX *md;
	bool (*cancelled)(void *arg);
	void *arg;
	bool was_cancelled;
};

static size_t on_data(char *data, size_t size, size_t n, void *userdata)
{
	struct fetch *f = userdata;
	size_t len = size * n;
	if (len > f->max - f->got) {
		f->too_big = true;
		return 0;
	}
	for (size_t done = 0; done < len;) {
		ssize_t r = write(f->fd, data + done, len - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			f->write_errno = r < 0 ? errno : EIO;
			return 0;
		}
		done += (size_t)r;
	}
	EVP_DigestUpdate(f->md, data, len);
	f->got += len;
	return len;
}

static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct fetch *f = userdata;
	if ((uint64_t)(dltotal > 0 ? dltotal : 0) > f->max)
		f->too_big = true; /* the server announced too much: stop before it is sent */
	if (f->cancelled && f->cancelled(f->arg))
		f->was_cancelled = true;
	return f->too_big || f->was_cancelled;
}

/* The URL as it may be shown: without a user:password@ part. Caller frees. */
static char *url_for_message(const char *url)
{
	const char *host = strstr(url, "://");
	host = host ? host + 3 : url;
	const char *at = strchr(host, '@'), *slash = strchr(host, '/');
	if (at && (!slash || at < slash))
		return xasprintf("%.*s***%s", (int)(host - url), url, at);
	return xasprintf("%.200s", url);
}

static bool is_sha256_hex(const char *s)
{
	size_t n = 0;
	for (; s && isxdigit((unsigned char)s[n]); n++)
		;
	return n == 2 * CAB_SHA256_LEN && s[n] == '\0';
}

static void setup(CURL *c, const char *url, const char *ca_file, struct fetch *f, char *errbuf)
{
	curl_easy_setopt(c, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, MAX_REDIRECTS);
	curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, STALL_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)f->max);
	curl_easy_setopt(c, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, f);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	if (ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
}

/* Why the transfer failed, into err. */
static int transfer_error(const struct fetch *f, CURLcode res, const char *errbuf,
			  const char *shown, struct ucsh_err *err)
{
	if (f->too_big || res == CURLE_FILESIZE_EXCEEDED) {
		err_set(err, "%s is bigger than the limit of %llu bytes", shown,
			(unsigned long long)f->max);
		return err_hint(err, "raise the limit with -MaxPackageSize if the package is right");
	}
	if (f->was_cancelled)
		return err_set(err, "the download of %s was cancelled", shown);
	if (f->write_errno)
		return err_set(err, "cannot write the download of %s: %s", shown,
			       strerror(f->write_errno));
	return err_set(err, "cannot download %s: %s", shown, errbuf[0] ? errbuf
								  : curl_easy_strerror(res));
}

/* The digest of what was written against the one given. */
static int check_digest(struct fetch *f, const char *want, const char *shown, struct ucsh_err *err)
{
	unsigned char sha[CAB_SHA256_LEN];
	char hex[2 * CAB_SHA256_LEN + 1];
	unsigned int len = 0;
	if (!EVP_DigestFinal_ex(f->md, sha, &len))
		return err_set(err, "SHA-256 is not available (OpenSSL)");
	cab_sha256_hex(sha, hex);
	if (strcasecmp(hex, want) == 0)
		return 0;
	err_set(err, "the SHA-256 of %s is %s, not the %s given", shown, hex, want);
	return err_hint(err, "check -Sha256 against the vendor's; nothing was imported");
}

int pkg_download(const char *url, const char *sha256_hex, const char *images_dir, uint64_t max_size,
		 const char *ca_file, bool (*cancelled)(void *arg), void *arg, char **tmp_path,
		 struct ucsh_err *err)
{
	*tmp_path = NULL;
	if (!is_sha256_hex(sha256_hex)) {
		err_set(err, "-Sha256 '%.80s' is not a SHA-256 digest", sha256_hex ? sha256_hex : "");
		return err_hint(err, "give the package's digest as 64 hex digits (sha256sum prints it)");
	}
	if (!str_iprefix("https://", url)) {
		err_set(err, "-Uri must be an https:// URL");
		return err_hint(err, "download the package yourself and give it with -FileName");
	}
	char *path = xasprintf("%s/%sdownload-%ld-XXXXXX", images_dir, PKG_TMP_PREFIX,
			       (long)getpid());
	char *shown = url_for_message(url);
	char errbuf[CURL_ERROR_SIZE] = "";
	struct fetch f = { .max = max_size, .md = EVP_MD_CTX_new(), .cancelled = cancelled,
			   .arg = arg };
	CURL *c = curl_easy_init();
	int rc = -1;
	f.fd = mkostemp(path, O_CLOEXEC);
	if (f.fd < 0)
		err_set(err, "cannot create a file in %s: %s", images_dir, strerror(errno));
	else if (!c || !f.md || !EVP_DigestInit_ex(f.md, EVP_sha256(), NULL))
		err_set(err, "cannot start the download (libcurl, OpenSSL)");
	else {
		setup(c, url, ca_file, &f, errbuf);
		CURLcode res = curl_easy_perform(c);
		if (res != CURLE_OK)
			transfer_error(&f, res, errbuf, shown, err);
		else if (fsync(f.fd) != 0)
			err_set(err, "cannot write the download of %s: %s", shown, strerror(errno));
		else
			rc = check_digest(&f, sha256_hex, shown, err);
	}
	if (f.fd >= 0 && close(f.fd) != 0 && rc == 0)
		rc = err_set(err, "cannot write the download of %s: %s", shown, strerror(errno));
	if (rc == 0) {
		*tmp_path = path;
	} else {
		if (f.fd >= 0)
			unlink(path);
		free(path);
	}
	if (c)
		curl_easy_cleanup(c);
	EVP_MD_CTX_free(f.md);
	free(shown);
	return rc;
}
