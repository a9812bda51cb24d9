/*
 * cab: libmspack's cabinet decompressor behind a small interface. libmspack
 * does all I/O through a struct mspack_system; ours knows exactly two
 * "file names": the cabinet (a file descriptor or a memory buffer, read with
 * pread or memcpy at our own offset) and the output (a descriptor, written
 * with a byte bound and hashed as it goes). Any other name fails to open, so
 * a crafted cabinet can make libmspack neither read nor write anywhere else.
 */
#include "config.h"
#include "cab.h"

#include <errno.h>
#include <fcntl.h>
#include <mspack.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The only names our mspack_system opens. */
#define CAB_SOURCE_NAME "\x01" "ucsh-cab-source"
#define CAB_SINK_NAME "\x01" "ucsh-cab-sink"

/* What our mspack_file handles point to (mspack.h declares a dummy
 * struct mspack_file for implementations to cast). */
struct cab_stream {
	bool sink;
	struct cab *cab;
	off_t pos;               /* source: the read offset */
};

/* The extraction in progress: where its bytes go and how many may. */
struct cab_out {
	int fd;
	uint64_t max, written;
	bool too_big;
	int write_errno;
	EVP_MD_CTX *md;
};

struct cab {
	struct mspack_system sys; /* first: libmspack hands it back as self */
	int src_fd;               /* -1 for a memory cabinet */
	const unsigned char *mem;
	off_t src_len;
	struct mscab_decompressor *d;
	struct mscabd_cabinet *cabinet;
	struct mscabd_file **files;
	size_t nfiles;
	struct cab_out out;
};

/* ---- The mspack_system ------------------------------------------------- */

#define STREAM(f) ((struct cab_stream *)(void *)(f))

static struct mspack_file *sys_open(struct mspack_system *self, const char *name, int mode)
{
	struct cab *c = (struct cab *)self;
	bool source = mode == MSPACK_SYS_OPEN_READ && strcmp(name, CAB_SOURCE_NAME) == 0;
	bool sink = mode == MSPACK_SYS_OPEN_WRITE && strcmp(name, CAB_SINK_NAME) == 0;
	if (!source && !sink)
		return NULL;
	struct cab_stream *f = calloc(1, sizeof(*f));
	if (f) {
		f->sink = sink;
		f->cab = c;
	}
	return (struct mspack_file *)(void *)f;
}

static void sys_close(struct mspack_file *f)
{
	free(f);
}

/*
 * libmspack 0.11 can call read() with a NULL handle on some damaged
 * cabinets (the fuzz target found one: tests/fuzz/corpus/cab/null-read.cab);
 * every callback below treats a NULL handle as a failed call.
 */

static int sys_read(struct mspack_file *file, void *buf, int bytes)
{
	struct cab_stream *f = STREAM(file);
	if (!f || f->sink || bytes < 0)
		return -1;
	struct cab *c = f->cab;
	off_t left = c->src_len - f->pos;
	size_t n = (size_t)bytes < (size_t)(left > 0 ? left : 0) ? (size_t)bytes : (size_t)(left > 0 ? left : 0);
	if (c->src_fd < 0) {
		memcpy(buf, c->mem + f->pos, n);
	} else {
		ssize_t r;
		do
			r = pread(c->src_fd, buf, n, f->pos);
		while (r < 0 && errno == EINTR);
		if (r < 0)
			return -1;
		n = (size_t)r;
	}
	f->pos += (off_t)n;
	return (int)n;
}

static int sys_write(struct mspack_file *file, void *buf, int bytes)
{
	struct cab_stream *f = STREAM(file);
	if (!f || !f->sink || bytes < 0)
		return -1;
	struct cab_out *o = &f->cab->out;
	if ((uint64_t)bytes > o->max - o->written) {
		o->too_big = true;
		return -1;
	}
	for (size_t done = 0; o->fd >= 0 && done < (size_t)bytes;) {
		ssize_t r = write(o->fd, (char *)buf + done, (size_t)bytes - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			o->write_errno = r < 0 ? errno : EIO;
			return -1;
		}
		done += (size_t)r;
	}
	EVP_DigestUpdate(o->md, buf, (size_t)bytes);
	o->written += (uint64_t)bytes;
	return bytes;
}

static int sys_seek(struct mspack_file *file, off_t off, int mode)
{
	struct cab_stream *f = STREAM(file);
	if (!f)
		return -1;
	off_t base = mode == MSPACK_SYS_SEEK_START ? 0
		     : mode == MSPACK_SYS_SEEK_CUR ? f->pos
		     : f->cab->src_len;
	if (f->sink || (off > 0 && base > f->cab->src_len - off) || base + off < 0 ||
	    base + off > f->cab->src_len)
		return -1;
	f->pos = base + off;
	return 0;
}

static off_t sys_tell(struct mspack_file *file)
{
	struct cab_stream *f = STREAM(file);
	if (!f)
		return -1;
	return f->sink ? (off_t)f->cab->out.written : f->pos;
}

/* libmspack's warnings (a bad checksum it salvages, ...) are not ours to print. */
static void sys_message(struct mspack_file *f, const char *fmt, ...)
{
}

static void *sys_alloc(struct mspack_system *self, size_t n)
{
	return malloc(n);
}

static void sys_free(void *p)
{
	free(p);
}

static void sys_copy(void *src, void *dst, size_t n)
{
	memmove(dst, src, n);
}

/* ---- Opening ----------------------------------------------------------- */

static const char *mspack_strerror(int code)
{
	switch (code) {
	case MSPACK_ERR_OPEN: return "it cannot be opened";
	case MSPACK_ERR_READ: return "it cannot be read (truncated?)";
	case MSPACK_ERR_WRITE: return "the output cannot be written";
	case MSPACK_ERR_SEEK: return "it is truncated";
	case MSPACK_ERR_NOMEMORY: return "out of memory";
	case MSPACK_ERR_SIGNATURE: return "it is not a cabinet (no MSCF signature)";
	case MSPACK_ERR_DATAFORMAT: return "its structure is damaged";
	case MSPACK_ERR_CHECKSUM: return "a data block fails its checksum";
	case MSPACK_ERR_DECRUNCH: return "its compressed data is damaged";
	default: return "libmspack failed";
	}
}

void cab_name_for_message(const char *name, char *buf, size_t n)
{
	size_t i = 0;
	for (; name && name[i] && i + 1 < n; i++)
		buf[i] = name[i] >= 0x20 && name[i] < 0x7f ? name[i] : '?';
	if (n)
		buf[i < n ? i : n - 1] = '\0';
}

static int open_cabinet(struct cab *c, struct cab **out, struct ucsh_err *err)
{
	c->sys = (struct mspack_system){
		.open = sys_open, .close = sys_close, .read = sys_read, .write = sys_write,
		.seek = sys_seek, .tell = sys_tell, .message = sys_message, .alloc = sys_alloc,
		.free = sys_free, .copy = sys_copy,
	};
	c->d = mspack_create_cab_decompressor(&c->sys);
	if (!c->d) {
		cab_close(c);
		return err_set(err, "the cabinet reader cannot start (libmspack)");
	}
	c->cabinet = c->d->open(c->d, CAB_SOURCE_NAME);
	if (!c->cabinet) {
		err_set(err, "not a valid cabinet: %s", mspack_strerror(c->d->last_error(c->d)));
		cab_close(c);
		return -1;
	}
	if (c->cabinet->flags & (MSCAB_HDR_PREVCAB | MSCAB_HDR_NEXTCAB)) {
		cab_close(c);
		err_set(err, "the cabinet is one part of a set spanning several files");
		return err_hint(err, "give a package that is a single .cab file");
	}
	for (struct mscabd_file *f = c->cabinet->files; f; f = f->next)
		c->nfiles++;
	c->files = xcalloc(c->nfiles ? c->nfiles : 1, sizeof(*c->files));
	size_t i = 0;
	for (struct mscabd_file *f = c->cabinet->files; f; f = f->next)
		c->files[i++] = f;
	*out = c;
	return 0;
}

int cab_open_path(const char *path, struct cab **out, struct ucsh_err *err)
{
	struct stat stbuf;
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, "cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &stbuf) != 0 || !S_ISREG(stbuf.st_mode)) {
		close(fd);
		return err_set(err, "%s is not a regular file", path);
	}
	struct cab *c = xcalloc(1, sizeof(*c));
	c->src_fd = fd;
	c->src_len = stbuf.st_size;
	return open_cabinet(c, out, err);
}

int cab_open_mem(const void *data, size_t len, struct cab **out, struct ucsh_err *err)
{
	struct cab *c = xcalloc(1, sizeof(*c));
	*out = NULL;
	c->src_fd = -1;
	c->mem = data;
	c->src_len = (off_t)len;
	return open_cabinet(c, out, err);
}

void cab_close(struct cab *c)
{
	if (!c)
		return;
	if (c->d) {
		if (c->cabinet)
			c->d->close(c->d, c->cabinet);
		mspack_destroy_cab_decompressor(c->d);
	}
	if (c->src_fd >= 0)
		close(c->src_fd);
	free(c->files);
	free(c);
}

size_t cab_file_count(const struct cab *c)
{
	return c->nfiles;
}

void cab_file_at(const struct cab *c, size_t i, struct cab_file *out)
{
	out->name = c->files[i]->filename;
	out->size = c->files[i]->length;
}

/* ---- Extracting -------------------------------------------------------- */

int cab_extract(struct cab *c, size_t i, int fd, uint64_t max, unsigned char sha256[CAB_SHA256_LEN],
		uint64_t *written, struct ucsh_err *err)
{
	char name[120];
	cab_name_for_message(c->files[i]->filename, name, sizeof(name));
	c->out = (struct cab_out){ .fd = fd, .max = max, .md = EVP_MD_CTX_new() };
	if (!c->out.md || !EVP_DigestInit_ex(c->out.md, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(c->out.md);
		return err_set(err, "'%s': SHA-256 is not available (OpenSSL)", name);
	}
	int rc = c->d->extract(c->d, c->files[i], CAB_SINK_NAME);
	unsigned int mdlen = 0;
	if (rc == MSPACK_ERR_OK && !EVP_DigestFinal_ex(c->out.md, sha256, &mdlen))
		rc = MSPACK_ERR_ARGS;
	EVP_MD_CTX_free(c->out.md);
	c->out.md = NULL;
	*written = c->out.written;
	if (rc == MSPACK_ERR_OK)
		return 0;
	if (c->out.too_big)
		return err_set(err, "'%s' is bigger than %llu bytes", name, (unsigned long long)max);
	if (c->out.write_errno)
		return err_set(err, "'%s' cannot be written: %s", name, strerror(c->out.write_errno));
	return err_set(err, "'%s' cannot be extracted: %s", name, mspack_strerror(rc));
}

void cab_sha256_hex(const unsigned char sha256[CAB_SHA256_LEN], char hex[2 * CAB_SHA256_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < CAB_SHA256_LEN; i++) {
		hex[2 * i] = digits[sha256[i] >> 4];
		hex[2 * i + 1] = digits[sha256[i] & 15];
	}
	hex[2 * CAB_SHA256_LEN] = '\0';
}
