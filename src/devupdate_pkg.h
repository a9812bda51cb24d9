/*
 * devupdate_pkg: device update packages (.cab) into the image store, the
 * library half of Import-CsDeviceUpdate.
 *
 * A package's files sit under UCPhone/<Brand>/<Model>/<Revision>/<Locale>/
 * <Version>/<path>; every such folder is one image. Importing is three
 * steps, so that a bad package is refused before anything is written and an
 * interrupted import never leaves a rule naming an image that is not there:
 *
 *   1. pkg_plan reads the cabinet's directory and checks every name, size
 *      and count against the limits (nothing is written);
 *   2. pkg_install extracts each new image's files into
 *      <images dir>/<image>/<path>, each through a temporary name in the
 *      same folder, fsync'd and renamed;
 *   3. then, in one store transaction, it writes a DeviceUpdateImage row per
 *      image and makes each image the PendingVersion of its rule (creating
 *      the rule when new).
 * The web service serves only files listed in a DeviceUpdateImage row, so
 * files written by an import that dies before step 3 are never served;
 * their temporary files are removed by the next import.
 *
 * Imports into one image store are serialised by a lock file
 * (<images dir>/.import.lock); a second one fails at once rather than wait.
 */
#ifndef UCSH_DEVUPDATE_PKG_H
#define UCSH_DEVUPDATE_PKG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cab.h"
#include "store.h"
#include "util.h"

#define PKG_IMAGES_DIR "images"                       /* under the store's directory */
#define PKG_TMP_PREFIX ".ucsh-tmp-"                   /* no package name starts with '.' */
#define PKG_DEFAULT_MAX_FILE_SIZE (512ULL << 20)      /* one file of an image */
#define PKG_DEFAULT_MAX_PACKAGE_SIZE (2ULL << 30)     /* a download; all files together */
#define PKG_DEFAULT_MAX_FILES 4096                    /* files in a package */

struct pkg_limits {
	uint64_t max_file_size;
	uint64_t max_package_size;
	size_t max_files;
};

/* The fields of an image, and of the rule it belongs to. */
enum pkg_field {
	PKG_UPDATE_TYPE, PKG_BRAND, PKG_MODEL, PKG_REVISION, PKG_LOCALE, PKG_VERSION,
	PKG_NFIELDS,
};
extern const char *const pkg_field_names[PKG_NFIELDS]; /* "UpdateType", "Brand", ... */

struct pkg_image {
	char *identity;               /* UCPhone/Polycom/CX600/Rev-1/ENU/4.0.7577.4400 */
	char *field[PKG_NFIELDS];
	size_t nfiles;
	size_t *entry;                /* the cabinet index of each file */
	char **path;                  /* its path inside the image, '/'-separated */
};

struct pkg {
	struct pkg_image *images;
	size_t nimages;
	uint64_t total_size;
};

/*
 * Split one cabinet name into its image's identity and fields and the path
 * inside the image, checking every part (see pkg_plan). For the fuzz target
 * and unit tests. *identity and *path: caller frees; fields (may be NULL):
 * PKG_NFIELDS strings the caller frees. 0, or -1 with err naming the entry.
 */
int pkg_parse_name(const char *name, char **identity, char **fields, char **path,
		   struct ucsh_err *err);

/*
 * Check the cabinet's directory: every name has the image layout and no
 * part that climbs out (..), is absolute, empty, hidden, or holds a control
 * character or anything outside [A-Za-z0-9._+~-]; versions are dotted
 * numbers; no file is over lim->max_file_size, all together over
 * lim->max_package_size, or more than lim->max_files; no two names clash
 * (same path in another case, a file where another has a folder). *out:
 * caller owns (pkg_free). 0, or -1 with err naming the first bad entry.
 */
int pkg_plan(struct cab *cab, const struct pkg_limits *lim, struct pkg **out,
	     struct ucsh_err *err);
void pkg_free(struct pkg *p); /* NULL is a no-op */

/* "<store_dir>/images", created 0755 when missing. Caller frees; NULL with err. */
char *pkg_images_dir(const char *store_dir, struct ucsh_err *err);

/* The image store's lock. Returns a descriptor to pass to pkg_unlock, or -1
 * with err (another import holds it). */
int pkg_lock(const char *images_dir, struct ucsh_err *err);
void pkg_unlock(int fd);

/* Remove the temporary files (PKG_TMP_PREFIX*) interrupted imports left
 * anywhere under images_dir. Hold the lock. *removed: how many. 0 / -1. */
int pkg_cleanup(const char *images_dir, size_t *removed, struct ucsh_err *err);

/*
 * Steps 2 and 3 above, for the web service `service:WebServer:<pool>`:
 * images already imported with the same files are not written again (with
 * other files, the import is refused before anything is written); every
 * image becomes its rule's PendingVersion, unless that version is already
 * the rule's ApprovedVersion. Hold the lock. *rules: a new array of the
 * rules created or changed, as stored. On error nothing of this package is
 * in the store and the files this call wrote are removed. 0, or -1.
 */
int pkg_install(struct store *st, struct cab *cab, const struct pkg *p, const char *images_dir,
		const char *pool, json_t **rules, struct ucsh_err *err);

/*
 * Download an https:// URL into a new temporary file in images_dir (hold
 * the lock), at most max_size bytes, and check that its SHA-256 is
 * sha256_hex (64 hex digits) before returning. ca_file: a PEM bundle to
 * trust instead of the system's (NULL: the system's). cancelled (may be
 * NULL) is polled to abort. *tmp_path: caller owns the file and the string.
 * On any error no file is left. 0, or -1.
 */
int pkg_download(const char *url, const char *sha256_hex, const char *images_dir, uint64_t max_size,
		 const char *ca_file, bool (*cancelled)(void *arg), void *arg, char **tmp_path,
		 struct ucsh_err *err);

#endif
