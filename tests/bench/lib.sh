# lib.sh: what the ucsh benchmarks share. Source it after setting NAME (for
# messages); it sets SRC, WORK (removed on exit), UCSH (given, the release
# build in _build/release, or a fresh -O2 build in $WORK/build) and a
# private store, and leaves the caller in $WORK.

SRC=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ucsh-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM

if [ -n "${UCSH:-}" ]; then
	:
elif [ -x "$SRC/_build/release/ucsh" ]; then
	UCSH=$SRC/_build/release/ucsh
else
	[ -x "$SRC/configure" ] || { echo "$NAME: run autoreconf -fi first" >&2; exit 1; }
	echo "building a release ucsh in $WORK/build ..."
	mkdir "$WORK/build"
	(cd "$WORK/build" && "$SRC/configure" --quiet CFLAGS=-O2 >/dev/null &&
		make -j"$(nproc)" ucsh >/dev/null)
	UCSH=$WORK/build/ucsh
fi
UCSH_STORE=$WORK/ucsh.db
UCSH_POOL_FQDN=pool01.contoso.com
export UCSH_STORE UCSH_POOL_FQDN
cd "$WORK"
