#!/bin/sh
# An import killed anywhere (kill -9, through the test hook
# UCSH_TEST_IMPORT_KILL_AT that makes it SIGKILL itself at a chosen step)
# leaves no rule naming an image whose row or files are missing, and no row
# naming a file that is not on disk with its digest; the next import
# removes the temporary files and completes. Imports into one image store
# do not run at once.
. "$(dirname "$0")/test-lib.sh"
UCSH_POOL_FQDN=pool01.contoso.com
export UCSH_POOL_FQDN
for tool in gcab sqlite3 flock sha256sum; do
	command -v $tool >/dev/null || { echo "1..0 # SKIP $tool is not installed"; exit 0; }
done
IMAGES=$STATE_DIR/images
V1=4.0.7577.4400 V2=4.0.7577.4420
# the lock holder of the last case stops when this file goes
trap 'rm -f "$TEST_DIR/hold"' EXIT

image() {
	d=$1/UCPhone/Polycom/$2/Rev-1/ENU/$3
	mkdir -p "$d/CPE" &&
	head -c 300000 /dev/urandom >"$d/CPE/nk.bin" &&
	printf 'notes %s\n' "$3" >"$d/readme.txt"
}
pack() {
	(cd "$2" && gcab -c -z "$TEST_DIR/$1" $(find UCPhone -type f | sort))
}
sql() {
	store_sql "$1"
}
rules() {
	$UCSH -c 'Get-CsDeviceUpdateRule | Sort-Object Model | ForEach-Object { $_.Model + " " + $_.ApprovedVersion + "|" + $_.PendingVersion + "|" + $_.RestoreVersion }'
}
# The invariant the web service relies on.
consistent() {
	k="\"UpdateType\"||'/'||\"Brand\"||'/'||\"Model\"||'/'||\"Revision\"||'/'||\"Locale\""
	missing=$(sql "SELECT id, ver FROM (
		SELECT \"Identity\" AS id, $k AS kind, \"ApprovedVersion\" AS ver FROM device_update_rule
		UNION ALL SELECT \"Identity\", $k, \"PendingVersion\" FROM device_update_rule
		UNION ALL SELECT \"Identity\", $k, \"RestoreVersion\" FROM device_update_rule) AS r
		WHERE ver IS NOT NULL AND kind||'/'||ver NOT IN (SELECT \"Identity\" FROM device_update_image)") &&
	{ [ -z "$missing" ] || { echo "rules without their image: $missing"; return 1; }; } &&
	sql "SELECT i.\"Identity\"||'/'||$(sql_elem_field Path), $(sql_elem_field Sha256)
	     FROM device_update_image i, $(sql_json_each i Files)" >listed &&
	test -s listed &&
	while IFS='|' read -r path sum; do
		echo "$sum  $IMAGES/$path"
	done <listed | sha256sum -c --quiet -
}
temp_files() {
	find "$IMAGES" -name '.ucsh-tmp-*' | wc -l
}

image t1 CX600 $V1
image t2 CX600 $V2
image t2 CX500 $V1
pack p1.cab t1
pack p2.cab t2

test_expect_success 'set-up: one approved image' '
	$UCSH -c "Import-CsDeviceUpdate p1.cab | Approve-CsDeviceUpdateRule" &&
	rules >actual && echo "CX600 $V1||" >expected && test_cmp expected actual &&
	consistent
'

# p2 holds 4 files (steps 1-4); step 5 is the store transaction.
for step in 1 2 3 4 5; do
	test_expect_success "killed at step $step of 5: nothing new is recorded, the rest is whole" '
		test_expect_code 137 env UCSH_TEST_IMPORT_KILL_AT='$step' $UCSH -c "Import-CsDeviceUpdate p2.cab" &&
		rules >actual && echo "CX600 $V1||" >expected && test_cmp expected actual &&
		test "$(sql "SELECT count(*) FROM device_update_image")" = 1 &&
		consistent &&
		if [ '$step' -le 4 ]; then test "$(temp_files)" = 1; else test "$(temp_files)" = 0; fi
	'
done

test_expect_success 'the next import removes the temporary files and completes' '
	$UCSH -c "Import-CsDeviceUpdate p2.cab -Verbose" >out 2>&1 &&
	test "$(temp_files)" = 0 &&
	rules >actual && printf "CX500 |$V1|\nCX600 $V1|$V2|\n" >expected && test_cmp expected actual &&
	consistent &&
	cmp t2/UCPhone/Polycom/CX600/Rev-1/ENU/$V2/CPE/nk.bin "$IMAGES/UCPhone/Polycom/CX600/Rev-1/ENU/$V2/CPE/nk.bin"
'

test_expect_success 'a temporary file a crashed import left in a version folder is removed' '
	echo partial >"$IMAGES/UCPhone/Polycom/CX600/Rev-1/ENU/$V2/CPE/.ucsh-tmp-99999-0" &&
	$UCSH -c "Import-CsDeviceUpdate p1.cab" 2>err &&
	test ! -e "$IMAGES/UCPhone/Polycom/CX600/Rev-1/ENU/$V2/CPE/.ucsh-tmp-99999-0" &&
	consistent
'

test_expect_success 'while another import holds the image store, an import is refused' '
	touch hold &&
	{ flock -x "$IMAGES/.import.lock" sh -c "echo locked >locked; i=0; while [ -e hold ] && [ \$i -lt 600 ]; do sleep 0.1; i=\$((i+1)); done" >/dev/null 2>&1 & } &&
	holder=$! &&
	i=0 && while [ ! -e locked ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done && test -e locked &&
	test_expect_code 1 $UCSH -c "Import-CsDeviceUpdate p1.cab" 2>err &&
	rm -f hold && wait $holder &&
	test_grep "another Import-CsDeviceUpdate is writing to the image store" err &&
	$UCSH -c "Import-CsDeviceUpdate p1.cab" 2>err
'

test_done
