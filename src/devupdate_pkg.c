/*
 * devupdate_pkg: checking a package's directory, writing its images into
 * the image store, and recording them (images, then rules) in one store
 * transaction. The order of the writes is the whole point: see the comment
 * at the top of devupdate_pkg.h.
 */
#include "config.h"
#include "devupdate_pkg.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "devupdate_rule.h"

#define MAX_NAME_LEN 1024     /* a whole entry name */
#define MAX_PART_LEN 128      /* one folder or file name */
#define MAX_FIELD_LEN 64      /* Brand, Model, ... */
#define MAX_PATH_DEPTH 16     /* folders inside an image */
#define MAX_WALK_DEPTH 32     /* pkg_cleanup's descent */
#define LOCK_NAME ".import.lock"

const char *const pkg_field_names[PKG_NFIELDS] = {
	"UpdateType", "Brand", "Model", "Revision", "Locale", "Version",
};

/* ---- Names ------------------------------------------------------------- */

static int bad_entry(struct ucsh_err *err, const char *name, const char *why)
{
	char shown[160];
	cab_name_for_message(name, shown, sizeof(shown));
	err_set(err, "package entry '%s' %s", shown, why);
	return err_hint(err, "a package holds files under UCPhone\\<Brand>\\<Model>\\<Revision>\\"
			     "<Locale>\\<Version>\\, named with A-Z a-z 0-9 . _ + ~ -");
}

/* 4.0.7577.4400: two to six groups of one to nine digits. */
static bool is_dotted_version(const char *s, size_t n)
{
	size_t groups = 1, digits = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (digits == 0)
				return false;
			groups++;
			digits = 0;
		} else if (isdigit((unsigned char)s[i]) && ++digits <= 9) {
			continue;
		} else {
			return false;
		}
	}
	return digits > 0 && groups >= 2 && groups <= 6;
}

/* What is wrong with one part of a name (why: room for the reason), or false. */
static bool part_is_bad(const char *s, size_t n, size_t max, char *why, size_t whylen)
{
	if (n == 0)
		snprintf(why, whylen, "has an empty folder or file name");
	else if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
		snprintf(why, whylen, "climbs out of its folder (%.*s)", (int)n, s);
	else if (n > max)
		snprintf(why, whylen, "has a name part longer than %zu characters", max);
	else if (s[0] == '.')
		snprintf(why, whylen, "has a name starting with '.'");
	else
		why[0] = '\0';
	for (size_t i = 0; !why[0] && i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			snprintf(why, whylen, "contains a control character");
		else if (c >= 0x80)
			snprintf(why, whylen, "contains a non-ASCII character");
		else if (!isalnum(c) && !strchr("._+~-", c))
			snprintf(why, whylen, "contains '%c', which a package name cannot", c);
	}
	return why[0] != '\0';
}

static bool is_sep(char c)
{
	return c == '\\' || c == '/'; /* CAB names use '\'; accept '/' as the same */
}

/* Check the fields of the image and the path inside it; fill fields. */
static int split_name(const char *name, char **fields, struct strbuf *path, struct ucsh_err *err)
{
	char why[96];
	const char *p = name;
	size_t depth = 0;
	if (strlen(name) > MAX_NAME_LEN)
		return bad_entry(err, name, "is longer than 1024 characters");
	if (is_sep(*name) || (isalpha((unsigned char)name[0]) && name[1] == ':'))
		return bad_entry(err, name, "is an absolute path");
	for (size_t i = 0;; i++) {
		size_t n = strcspn(p, "\\/");
		bool last = p[n] == '\0';
		if (part_is_bad(p, n, i < PKG_NFIELDS ? MAX_FIELD_LEN : MAX_PART_LEN, why, sizeof(why)))
			return bad_entry(err, name, why);
		if (i == PKG_UPDATE_TYPE && (n != 7 || strncmp(p, "UCPhone", 7) != 0))
			return bad_entry(err, name, "is not under UCPhone\\");
		if (i == PKG_VERSION && !is_dotted_version(p, n))
			return bad_entry(err, name, "has a version folder that is not a dotted version "
					 "(4.0.7577.4400)");
		if (i < PKG_NFIELDS && last)
			return bad_entry(err, name, "is not inside a UCPhone\\<Brand>\\<Model>\\"
					 "<Revision>\\<Locale>\\<Version>\\ folder");
		if (i < PKG_NFIELDS) {
			fields[i] = xstrndup(p, n);
		} else {
			if (++depth > MAX_PATH_DEPTH)
				return bad_entry(err, name, "is nested more than 16 folders deep");
			if (path->len)
				sb_addc(path, '/');
			sb_add(path, p, n);
		}
		if (last)
			return 0;
		p += n + 1;
	}
}

int pkg_parse_name(const char *name, char **identity, char **fields, char **path,
		   struct ucsh_err *err)
{
	char *f[PKG_NFIELDS] = { 0 };
	struct strbuf rel = STRBUF_INIT;
	*identity = *path = NULL;
	int rc = split_name(name, f, &rel, err);
	if (rc == 0) {
		*identity = xasprintf("%s/%s/%s/%s/%s/%s", f[0], f[1], f[2], f[3], f[4], f[5]);
		*path = sb_detach(&rel);
	}
	for (size_t i = 0; i < PKG_NFIELDS; i++) {
		if (fields && rc == 0)
			fields[i] = f[i];
		else
			free(f[i]);
	}
	sb_free(&rel);
	return rc;
}

/* ---- The plan ---------------------------------------------------------- */

void pkg_free(struct pkg *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nimages; i++) {
		struct pkg_image *img = &p->images[i];
		free(img->identity);
		for (size_t f = 0; f < PKG_NFIELDS; f++)
			free(img->field[f]);
		for (size_t f = 0; f < img->nfiles; f++)
			free(img->path[f]);
		free(img->entry);
		free(img->path);
	}
	free(p->images);
	free(p);
}

/* The image named identity, added when new; NULL when another image's name
 * differs from it only in case (the store and URLs would not tell them apart). */
static struct pkg_image *image_for(struct pkg *p, char *identity, char **fields, size_t max)
{
	for (size_t i = 0; i < p->nimages; i++) {
		if (strcasecmp(p->images[i].identity, identity) != 0)
			continue;
		if (strcmp(p->images[i].identity, identity) != 0)
			return NULL;
		free(identity);
		for (size_t f = 0; f < PKG_NFIELDS; f++)
			free(fields[f]);
		return &p->images[i];
	}
	if (p->nimages == 0)
		p->images = xcalloc(max, sizeof(*p->images));
	struct pkg_image *img = &p->images[p->nimages++];
	img->identity = identity;
	memcpy(img->field, fields, sizeof(img->field));
	img->entry = xcalloc(max, sizeof(*img->entry));
	img->path = xcalloc(max, sizeof(*img->path));
	return img;
}

static int size_checks(const struct cab_file *f, const struct pkg_limits *lim, struct pkg *p,
		       struct ucsh_err *err)
{
	char why[160];
	if (f->size > lim->max_file_size) {
		snprintf(why, sizeof(why), "is %llu bytes, more than the limit of %llu",
			 (unsigned long long)f->size, (unsigned long long)lim->max_file_size);
		bad_entry(err, f->name, why);
		return err_hint(err, "raise the limit with -MaxFileSize if the package is right");
	}
	p->total_size += f->size;
	if (p->total_size > lim->max_package_size) {
		err_set(err, "the package's files add up to more than the limit of %llu bytes",
			(unsigned long long)lim->max_package_size);
		return err_hint(err, "raise the limit with -MaxPackageSize if the package is right");
	}
	return 0;
}

static int add_entry(struct cab *cab, size_t i, const struct pkg_limits *lim, struct pkg *p,
		     struct ucsh_err *err)
{
	struct cab_file f;
	char *identity, *fields[PKG_NFIELDS], *path;
	cab_file_at(cab, i, &f);
	if (pkg_parse_name(f.name, &identity, fields, &path, err) < 0)
		return -1;
	struct pkg_image *img = size_checks(&f, lim, p, err) < 0 ? NULL
				: image_for(p, identity, fields, cab_file_count(cab));
	if (!img) {
		if (!err->msg[0])
			bad_entry(err, f.name, "names an image that another entry spells in another case");
		free(identity);
		for (size_t k = 0; k < PKG_NFIELDS; k++)
			free(fields[k]);
		free(path);
		return -1;
	}
	img->entry[img->nfiles] = i;
	img->path[img->nfiles++] = path;
	return 0;
}

static int cmp_path(const void *a, const void *b)
{
	return strcasecmp(*(char *const *)a, *(char *const *)b);
}

/* No two paths of an image are one in another case, and no path is both a
 * file and a folder ("CPE" and "CPE/nk.bin"). */
static int check_clashes(const struct pkg_image *img, struct ucsh_err *err)
{
	char **sorted = xcalloc(img->nfiles, sizeof(*sorted));
	memcpy(sorted, img->path, img->nfiles * sizeof(*sorted));
	qsort(sorted, img->nfiles, sizeof(*sorted), cmp_path);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < img->nfiles; i++) {
		if (i && strcasecmp(sorted[i - 1], sorted[i]) == 0) {
			err_set(err, "package image %s holds '%s' twice (letter case aside)",
				img->identity, sorted[i]);
			rc = -1;
		}
		for (const char *slash = strchr(sorted[i], '/'); rc == 0 && slash;
		     slash = strchr(slash + 1, '/')) {
			char *dir = xstrndup(sorted[i], (size_t)(slash - sorted[i]));
			if (bsearch(&dir, sorted, img->nfiles, sizeof(*sorted), cmp_path)) {
				err_set(err, "package image %s holds '%s' both as a file and as a "
					"folder", img->identity, dir);
				rc = -1;
			}
			free(dir);
		}
	}
	free(sorted);
	return rc;
}

int pkg_plan(struct cab *cab, const struct pkg_limits *lim, struct pkg **out,
	     struct ucsh_err *err)
{
	size_t n = cab_file_count(cab);
	*out = NULL;
	err_clear(err);
	if (n == 0)
		return err_set(err, "the package holds no files");
	if (n > lim->max_files) {
		err_set(err, "the package holds %zu files, more than the limit of %zu", n,
			lim->max_files);
		return err_hint(err, "raise the limit with -MaxFileCount if the package is right");
	}
	struct pkg *p = xcalloc(1, sizeof(*p));
	for (size_t i = 0; i < n; i++) {
		if (add_entry(cab, i, lim, p, err) < 0) {
			pkg_free(p);
			return -1;
		}
	}
	for (size_t i = 0; i < p->nimages; i++) {
		if (check_clashes(&p->images[i], err) < 0) {
			pkg_free(p);
			return -1;
		}
	}
	*out = p;
	return 0;
}

/* ---- The image store's folders ----------------------------------------- */

/* The folder rel ('/'-separated, names already checked) under base, created
 * 0755 where missing when create, never through a symbolic link. A new
 * descriptor, or -1 with err. */
static int open_dirs(int base, const char *rel, bool create, struct ucsh_err *err)
{
	int fd = fcntl(base, F_DUPFD_CLOEXEC, 0), saved = errno;
	for (const char *p = rel; fd >= 0 && *p;) {
		size_t n = strcspn(p, "/");
		char *part = xstrndup(p, n);
		bool made = create && mkdirat(fd, part, 0755) == 0;
		int sub = -1;
		saved = errno;
		if (made || !create || saved == EEXIST) {
			sub = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			saved = errno;
		}
		if (sub >= 0 && made)
			fchmod(sub, 0755); /* whatever the umask: the web service reads these */
		close(fd);
		fd = sub;
		free(part);
		p += n + (p[n] == '/');
	}
	if (fd < 0)
		err_set(err, "cannot open the folder %s of the image store: %s", rel, strerror(saved));
	return fd;
}

char *pkg_images_dir(const char *store_dir, struct ucsh_err *err)
{
	char *dir = xasprintf("%s/%s", store_dir, PKG_IMAGES_DIR);
	if (mkdir_all(store_dir, 0700) != 0) { /* a PostgreSQL store's is $XDG_DATA_HOME/ucsh */
		err_set(err, "cannot create %s: %s", store_dir, strerror(errno));
	} else if (mkdir(dir, 0755) == 0) {
		if (chmod(dir, 0755) == 0)
			return dir;
		err_set(err, "cannot set the mode of %s: %s", dir, strerror(errno));
	} else if (errno == EEXIST) {
		return dir;
	} else {
		err_set(err, "cannot create the image store %s: %s", dir, strerror(errno));
	}
	free(dir);
	return NULL;
}

int pkg_lock(const char *images_dir, struct ucsh_err *err)
{
	char *path = xasprintf("%s/%s", images_dir, LOCK_NAME);
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		err_set(err, "cannot open %s: %s", path, strerror(errno));
	} else if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		close(fd);
		fd = -1;
		if (e == EWOULDBLOCK) {
			err_set(err, "another Import-CsDeviceUpdate is writing to the image store %s",
				images_dir);
			err_hint(err, "run it again when the other one has finished");
		} else {
			err_set(err, "cannot lock %s: %s", path, strerror(e));
		}
	}
	free(path);
	return fd;
}

void pkg_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the flock */
}

/* Remove PKG_TMP_PREFIX files under the folder dfd (which this takes). */
static int cleanup_walk(int dfd, int depth, size_t *removed, struct ucsh_err *err)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	struct stat st;
	int rc = 0;
	if (!d) {
		close(dfd);
		return err_set(err, "cannot read a folder of the image store: %s", strerror(errno));
	}
	while (rc == 0 && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (S_ISREG(st.st_mode) && strncmp(de->d_name, PKG_TMP_PREFIX,
						   strlen(PKG_TMP_PREFIX)) == 0) {
			if (unlinkat(dirfd(d), de->d_name, 0) == 0)
				(*removed)++;
		} else if (S_ISDIR(st.st_mode) && depth < MAX_WALK_DEPTH) {
			int sub = openat(dirfd(d), de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				rc = cleanup_walk(sub, depth + 1, removed, err);
		}
	}
	closedir(d);
	return rc;
}

int pkg_cleanup(const char *images_dir, size_t *removed, struct ucsh_err *err)
{
	*removed = 0;
	int fd = open(images_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, "cannot open the image store %s: %s", images_dir, strerror(errno));
	return cleanup_walk(fd, 0, removed, err);
}

/* ---- Installing -------------------------------------------------------- */

struct install {
	struct store *st;
	struct cab *cab;
	const struct pkg *p;
	const char *images_dir;
	int images_fd;
	json_t **files;        /* per image: its Files array, once known */
	bool *existing;        /* per image: already in the store with these files */
	json_t *written;       /* paths (under images_dir) this install renamed into place */
	unsigned tmp_seq;
	long kill_at, steps;
};

/*
 * A test hook: UCSH_TEST_IMPORT_KILL_AT=N makes the import kill itself
 * (SIGKILL, as kill -9 would) at its Nth step, a step being each file,
 * after its temporary copy is written and before it is renamed, and
 * finally the store transaction, before it begins. Tests use it to prove
 * that an import interrupted anywhere leaves nothing served half-done.
 */
static void kill_point(struct install *in)
{
	if (in->kill_at > 0 && ++in->steps == in->kill_at)
		raise(SIGKILL);
}

static json_t *file_entry(const char *path, uint64_t size, const unsigned char *sha)
{
	char hex[2 * CAB_SHA256_LEN + 1];
	cab_sha256_hex(sha, hex);
	return json_pack("{s:s, s:I, s:s}", "Path", path, "Size", (json_int_t)size, "Sha256", hex);
}

/* Extract entry to dirfd/name through a temporary name: fsync'd, then renamed. */
static int write_file(struct install *in, size_t entry, int dirfd, const char *name,
		      unsigned char *sha, uint64_t *size, struct ucsh_err *err)
{
	struct cab_file f;
	char tmp[64];
	cab_file_at(in->cab, entry, &f);
	snprintf(tmp, sizeof(tmp), "%s%ld-%u", PKG_TMP_PREFIX, (long)getpid(), in->tmp_seq++);
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_set(err, "cannot create a file in the image store: %s", strerror(errno));
	int rc = cab_extract(in->cab, entry, fd, f.size, sha, size, err);
	if (rc == 0 && *size != f.size)
		rc = err_set(err, "'%s' holds %llu bytes where the package said %llu", name,
			     (unsigned long long)*size, (unsigned long long)f.size);
	if (rc == 0 && (fchmod(fd, 0644) != 0 || fsync(fd) != 0))
		rc = err_set(err, "cannot write %s to the image store: %s", name, strerror(errno));
	if (close(fd) != 0 && rc == 0)
		rc = err_set(err, "cannot write %s to the image store: %s", name, strerror(errno));
	if (rc == 0)
		kill_point(in);
	if (rc == 0 && renameat(dirfd, tmp, dirfd, name) != 0)
		rc = err_set(err, "cannot put %s in place in the image store: %s", name,
			     strerror(errno));
	if (rc != 0)
		unlinkat(dirfd, tmp, 0);
	else if (fsync(dirfd) != 0)
		rc = err_set(err, "cannot write the image store's folder: %s", strerror(errno));
	return rc;
}

/* Write image i's files; fill in->files[i]. */
static int write_image(struct install *in, size_t i, struct ucsh_err *err)
{
	const struct pkg_image *img = &in->p->images[i];
	in->files[i] = json_array();
	for (size_t f = 0; f < img->nfiles; f++) {
		const char *slash = strrchr(img->path[f], '/');
		char *dir = slash ? xasprintf("%s/%.*s", img->identity,
					      (int)(slash - img->path[f]), img->path[f])
				  : xstrdup(img->identity);
		unsigned char sha[CAB_SHA256_LEN];
		uint64_t size = 0;
		int dirfd = open_dirs(in->images_fd, dir, true, err);
		int rc = dirfd < 0 ? -1 : write_file(in, img->entry[f], dirfd,
						     slash ? slash + 1 : img->path[f], sha, &size, err);
		if (dirfd >= 0)
			close(dirfd);
		free(dir);
		if (rc < 0)
			return -1;
		json_array_append_new(in->written, json_sprintf("%s/%s", img->identity, img->path[f]));
		json_array_append_new(in->files[i], file_entry(img->path[f], size, sha));
	}
	return 0;
}

/* The files of image i as the package has them, hashed without writing. */
static json_t *hash_image(struct install *in, size_t i, struct ucsh_err *err)
{
	const struct pkg_image *img = &in->p->images[i];
	json_t *files = json_array();
	for (size_t f = 0; f < img->nfiles; f++) {
		struct cab_file cf;
		unsigned char sha[CAB_SHA256_LEN];
		uint64_t size;
		cab_file_at(in->cab, img->entry[f], &cf);
		if (cab_extract(in->cab, img->entry[f], -1, cf.size, sha, &size, err) < 0) {
			json_decref(files);
			return NULL;
		}
		json_array_append_new(files, file_entry(img->path[f], size, sha));
	}
	return files;
}

/* Do two Files arrays list the same files (in any order)? */
static bool same_files(const json_t *a, const json_t *b)
{
	size_t i, j;
	const json_t *x, *y;
	if (json_array_size(a) != json_array_size(b))
		return false;
	json_array_foreach(a, i, x) {
		bool found = false;
		json_array_foreach(b, j, y)
			found = found || json_equal(x, y);
		if (!found)
			return false;
	}
	return true;
}

/* Images already in the store: the same files are skipped, others refused. */
static int check_existing(struct install *in, size_t i, struct ucsh_err *err)
{
	const struct pkg_image *img = &in->p->images[i];
	json_t *row = NULL, *files;
	int rc = store_get(in->st, "DeviceUpdateImage", img->identity, &row, err);
	if (rc <= 0)
		return rc;
	const char *stored = json_string_value(json_object_get(row, "Identity"));
	if (!stored || strcmp(stored, img->identity) != 0) {
		err_set(err, "the package's image %s was imported before as %s", img->identity,
			stored ? stored : "?");
		rc = -1;
	} else if (!(files = hash_image(in, i, err))) {
		rc = -1;
	} else if (!same_files(files, json_object_get(row, "Files"))) {
		json_decref(files);
		err_set(err, "the image %s was imported before with other files", img->identity);
		err_hint(err, "a version's files never change once imported: give the new "
			      "firmware a new version");
		rc = -1;
	} else {
		in->files[i] = files;
		in->existing[i] = true;
	}
	json_decref(row);
	return rc < 0 ? -1 : 0;
}

static json_t *image_row(const struct pkg_image *img, json_t *files, const char *now)
{
	json_t *row = json_pack("{s:s, s:O, s:s}", "Identity", img->identity, "Files", files,
				"Imported", now);
	for (size_t f = 0; f < PKG_NFIELDS; f++)
		json_object_set_new(row, pkg_field_names[f], json_string(img->field[f]));
	return row;
}

/* The image rows, then the rules, in one transaction. */
static int record(struct install *in, const char *pool, json_t *rules, struct ucsh_err *err)
{
	char now[STORE_TIMESTAMP_LEN];
	store_timestamp(time(NULL), now);
	kill_point(in);
	if (store_begin(in->st, err) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < in->p->nimages; i++) {
		if (in->existing[i])
			continue;
		json_t *row = image_row(&in->p->images[i], in->files[i], now);
		rc = store_insert(in->st, "DeviceUpdateImage", row, err);
		json_decref(row);
	}
	for (size_t i = 0; rc == 0 && i < in->p->nimages; i++) {
		json_t *rule = NULL;
		bool changed = false;
		rc = devupdate_rule_set_pending(in->st, pool, (const char *const *)in->p->images[i].field,
						&rule, &changed, err);
		if (rc == 0 && changed)
			json_array_append(rules, rule);
		json_decref(rule);
	}
	if (rc == 0 && store_commit(in->st, err) == 0)
		return 0;
	struct ucsh_err ignored;
	store_rollback(in->st, &ignored);
	return -1;
}

/* After a failure: the files this install put in place are not served (no
 * row names them), but they are not left behind either. */
static void remove_written(struct install *in)
{
	size_t i;
	json_t *v;
	json_array_foreach(in->written, i, v)
		unlinkat(in->images_fd, json_string_value(v), 0);
}

int pkg_install(struct store *st, struct cab *cab, const struct pkg *p, const char *images_dir,
		const char *pool, json_t **rules, struct ucsh_err *err)
{
	const char *kill_at = getenv("UCSH_TEST_IMPORT_KILL_AT");
	struct install in = {
		.st = st, .cab = cab, .p = p, .images_dir = images_dir,
		.files = xcalloc(p->nimages, sizeof(json_t *)),
		.existing = xcalloc(p->nimages, sizeof(bool)), .written = json_array(),
		.kill_at = kill_at ? atol(kill_at) : 0,
	};
	int rc = 0;
	*rules = json_array();
	in.images_fd = open(images_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (in.images_fd < 0)
		rc = err_set(err, "cannot open the image store %s: %s", images_dir, strerror(errno));
	for (size_t i = 0; rc == 0 && i < p->nimages; i++)
		rc = check_existing(&in, i, err);
	for (size_t i = 0; rc == 0 && i < p->nimages; i++)
		if (!in.existing[i])
			rc = write_image(&in, i, err);
	if (rc == 0)
		rc = record(&in, pool, *rules, err);
	if (rc != 0 && in.images_fd >= 0)
		remove_written(&in);
	if (rc != 0) {
		json_decref(*rules);
		*rules = NULL;
	}
	if (in.images_fd >= 0)
		close(in.images_fd);
	for (size_t i = 0; i < p->nimages; i++)
		json_decref(in.files[i]);
	free(in.files);
	free(in.existing);
	json_decref(in.written);
	return rc;
}
