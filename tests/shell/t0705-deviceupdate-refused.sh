#!/bin/sh
# Import-CsDeviceUpdate refuses bad packages whole, naming the entry, with
# nothing written: names that climb out (..), absolute names, control
# characters, another layout, versions that are not dotted, files over the
# size limit, too many files, clashing names, and files that are not
# cabinets. gcab will not write such names, so the cases build a package
# with a placeholder of the same length and patch the placeholder.
. "$(dirname "$0")/test-lib.sh"
UCSH_POOL_FQDN=pool01.contoso.com
export UCSH_POOL_FQDN
for tool in gcab sqlite3 perl; do
	command -v $tool >/dev/null || { echo "1..0 # SKIP $tool is not installed"; exit 0; }
done
IMAGES=$STATE_DIR/images
IMG=UCPhone/Polycom/CX600/Rev-1/ENU/4.0.7577.4400
BS='\'

# package OUT PATH...: a package of the files PATH (made with some content)
package() {
	out=$1
	shift
	rm -rf tree && mkdir tree &&
	for p in "$@"; do
		mkdir -p "tree/$(dirname "$p")" && printf 'data of %s\n' "$p" >"tree/$p" || return 1
	done &&
	(cd tree && gcab -c "$TEST_DIR/$out" "$@")
}
# patch CAB FROM TO: replace bytes in the package (same length)
patch() {
	perl -0777 -pi -e 'BEGIN { ($f, $t) = splice(@ARGV, 0, 2) } s/\Q$f\E/$t/g or die "no $f\n"' "$2" "$3" "$1"
}
# nothing of any refused import is anywhere: no file, no image, no rule
nothing_written() {
	test ! -e "$IMAGES" &&
	test "$(store_sql "SELECT count(*) FROM device_update_image")" = 0 &&
	test "$(store_sql "SELECT count(*) FROM device_update_rule")" = 0
}
# refused CAB MESSAGE [parameters]: the import fails with MESSAGE, writing nothing
refused() {
	cab=$1 msg=$2
	shift 2
	test_expect_code 1 $UCSH -c "Import-CsDeviceUpdate $cab $*" 2>err &&
	test_grep "$msg" err &&
	nothing_written
}

$UCSH -c 'Get-CsDeviceUpdateRule' >/dev/null # creates the store

test_expect_success 'a name that climbs out of its image (..) is refused, naming the entry' '
	package up.cab $IMG/CPE/nk.bin $IMG/QQ/evil.bin && patch up.cab QQ .. &&
	refused up.cab "up.cab: package entry .UCPhone" &&
	test_grep -F "UCPhone${BS}Polycom${BS}CX600${BS}Rev-1${BS}ENU${BS}4.0.7577.4400${BS}..${BS}evil.bin" err &&
	test_grep -F "evil.bin'"'"' climbs out of its folder (..)" err
'

test_expect_success '.. in place of the model or the version is refused too' '
	package up2.cab UCPhone/Polycom/QQ/Rev-1/ENU/4.0.7577.4400/x.bin && patch up2.cab QQ .. &&
	refused up2.cab "climbs out of its folder (..)" &&
	package up3.cab UCPhone/Polycom/CX600/Rev-1/ENU/QQ/x.bin && patch up3.cab QQ .. &&
	refused up3.cab "climbs out of its folder (..)"
'

test_expect_success 'absolute names are refused' '
	package abs.cab Q$IMG/nk.bin && patch abs.cab QUCPhone "\\UCPhone" &&
	refused abs.cab "is an absolute path" &&
	package abs2.cab Q$IMG/nk.bin && patch abs2.cab QUCPhone /UCPhone &&
	refused abs2.cab "is an absolute path"
'

test_expect_success 'control characters and characters outside the allowed set are refused' '
	package ctl.cab $IMG/nkQ.bin && patch ctl.cab nkQ "nk$(printf "\\001")" &&
	refused ctl.cab "contains a control character" &&
	package sp.cab "$IMG/nk Q.bin" && refused sp.cab "contains . ., which a package name cannot"
'

test_expect_success 'another layout, or a file outside a version folder, is refused' '
	package other.cab Firmware/Polycom/CX600/Rev-1/ENU/4.0.7577.4400/nk.bin &&
	refused other.cab "is not under UCPhone" &&
	package short.cab UCPhone/Polycom/CX600/nk.bin &&
	refused short.cab "is not inside a UCPhone"
'

test_expect_success 'a version that is not a dotted number is refused' '
	package ver.cab UCPhone/Polycom/CX600/Rev-1/ENU/4.0-beta/nk.bin &&
	refused ver.cab "has a version folder that is not a dotted version"
'

test_expect_success 'a file over -MaxFileSize, or a package over -MaxPackageSize, is refused' '
	mkdir -p big/$IMG && head -c 4096 /dev/zero >big/$IMG/nk.bin && printf x >big/$IMG/small.txt &&
	(cd big && gcab -c -z "$TEST_DIR/big.cab" $IMG/nk.bin $IMG/small.txt) &&
	refused big.cab "nk.bin. is 4096 bytes, more than the limit of 1024" -MaxFileSize 1kb &&
	test_grep "raise the limit with -MaxFileSize" err &&
	refused big.cab "the package.s files add up to more than the limit of 4000 bytes" -MaxPackageSize 4000
'

test_expect_success 'more files than -MaxFileCount is refused' '
	package many.cab $IMG/1.bin $IMG/2.bin $IMG/3.bin $IMG/4.bin &&
	refused many.cab "the package holds 4 files, more than the limit of 3" -MaxFileCount 3
'

test_expect_success 'the same path twice in another case, or a file where a folder is, is refused' '
	package twice.cab $IMG/CPE/nk.bin $IMG/CPE/NK.BIN &&
	refused twice.cab "holds .CPE/NK.BIN. twice" &&
	package clash.cab $IMG/CPE $IMG/cpe/nk.bin &&
	refused clash.cab "holds .cpe. both as a file and as a folder"
'

test_expect_success 'a file that is not a cabinet, or no file, is refused' '
	echo "not a cabinet" >short.cab &&
	refused short.cab "short.cab: not a valid cabinet" &&
	seq 1000 >text.cab &&
	refused text.cab "text.cab: not a valid cabinet: it is not a cabinet (no MSCF signature)" &&
	refused missing.cab "missing.cab: cannot open missing.cab" &&
	head -c 100 up.cab >cut.cab && refused cut.cab "cut.cab: not a valid cabinet"
'

test_expect_success 'bad limits and parameters are refused' '
	package good.cab $IMG/CPE/nk.bin &&
	refused good.cab "MaxFileSize must be a positive number, not 0" -MaxFileSize 0 &&
	refused good.cab "give either -FileName or -Uri" -Uri https://127.0.0.1/x.cab -Sha256 00 &&
	test_expect_code 1 $UCSH -c "Import-CsDeviceUpdate" 2>err &&
	test_grep "give either -FileName or -Uri" err && nothing_written
'

test_expect_success 'the same package without its bad entry imports' '
	$UCSH -c "Import-CsDeviceUpdate good.cab | Select-Object -ExpandProperty PendingVersion" >actual &&
	echo 4.0.7577.4400 >expected && test_cmp expected actual &&
	test -f "$IMAGES/$IMG/CPE/nk.bin"
'

test_done
