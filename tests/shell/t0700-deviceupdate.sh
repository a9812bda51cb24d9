#!/bin/sh
# Device updates: Import-CsDeviceUpdate of .cab packages built here with
# gcab, the rules it makes (Get, Approve, Restore, Reset, Remove) and the
# image store it writes; bad packages refused with nothing written.
. "$(dirname "$0")/test-lib.sh"
UCSH_POOL_FQDN=pool01.contoso.com
export UCSH_POOL_FQDN
if ! command -v gcab >/dev/null || ! have_store_sql; then
	echo "1..0 # SKIP gcab and sqlite3 are needed (Debian packages gcab, sqlite3)"
	exit 0
fi
IMAGES=$STATE_DIR/images
V1=4.0.7577.4400 V2=4.0.7577.4420

# image TREE MODEL VERSION: the files of one image under TREE
image() {
	d=$1/UCPhone/Polycom/$2/Rev-1/ENU/$3
	mkdir -p "$d/CPE" &&
	printf 'firmware %s %s\n' "$2" "$3" >"$d/CPE/nk.bin" &&
	printf 'notes %s\n' "$3" >"$d/readme.txt"
}
# pack OUT TREE [gcab options]: a package of every file under TREE
pack() {
	out=$1 tree=$2
	shift 2
	(cd "$tree" && gcab -c "$@" "$TEST_DIR/$out" $(find UCPhone -type f | sort))
}
rules() {
	$UCSH -c 'Get-CsDeviceUpdateRule | Sort-Object Model | ForEach-Object { $_.Model + " " + $_.ApprovedVersion + "|" + $_.PendingVersion + "|" + $_.RestoreVersion }'
}
rule_id() {
	$UCSH -c "Get-CsDeviceUpdateRule -Filter { \$_.Model -eq '$1' } | Select-Object -ExpandProperty Identity"
}
sql() {
	store_sql "$1"
}
# Path|Size|Sha256 of every file of every DeviceUpdateImage row
image_files() {
	sql "SELECT $(sql_elem_field Path), $(sql_elem_field Size), $(sql_elem_field Sha256)
	     FROM device_update_image i, $(sql_json_each i Files) ORDER BY 1"
}
# what the image store holds, but its lock file
stored_files() {
	(cd "$IMAGES" 2>/dev/null && find . -type f ! -name .import.lock | sort)
}

image t1 CX600 $V1
image t2 CX600 $V2
image t2 CX500 $V1
pack p1.cab t1 -z
pack p2.cab t2

test_expect_success 'Import-CsDeviceUpdate: an MSZIP package becomes a new rule pending' '
	$UCSH -c "Import-CsDeviceUpdate -FileName p1.cab | ForEach-Object { \$_.Identity + \" \" + \$_.Brand + \"/\" + \$_.Model + \"/\" + \$_.Revision + \"/\" + \$_.Locale + \" \" + \$_.PendingVersion }" >out &&
	grep -E "^service:WebServer:pool01\.contoso\.com/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12} Polycom/CX600/Rev-1/ENU $V1\$" out &&
	test $(wc -l <out) = 1 &&
	rules >actual && echo "CX600 |$V1|" >expected && test_cmp expected actual
'

test_expect_success 'the image store holds the files as packed, 0644 in 0755 folders' '
	d=UCPhone/Polycom/CX600/Rev-1/ENU/$V1 &&
	cmp t1/$d/CPE/nk.bin "$IMAGES/$d/CPE/nk.bin" &&
	cmp t1/$d/readme.txt "$IMAGES/$d/readme.txt" &&
	test "$(stat -c %a "$IMAGES/$d/CPE/nk.bin")" = 644 &&
	test "$(stat -c %a "$IMAGES/$d/CPE")" = 755 &&
	test "$(stat -c %a "$IMAGES/UCPhone")" = 755 &&
	stored_files >actual &&
	printf "./$d/CPE/nk.bin\n./$d/readme.txt\n" >expected && test_cmp expected actual
'

test_expect_success 'each image is a DeviceUpdateImage row listing its files with their SHA-256' '
	d=UCPhone/Polycom/CX600/Rev-1/ENU/$V1 &&
	sql "SELECT \"Identity\", \"UpdateType\", \"Brand\", \"Model\", \"Revision\", \"Locale\", \"Version\" FROM device_update_image" >actual &&
	echo "$d|UCPhone|Polycom|CX600|Rev-1|ENU|$V1" >expected && test_cmp expected actual &&
	image_files >actual &&
	{ printf "CPE/nk.bin|%s|%s\n" $(wc -c <t1/$d/CPE/nk.bin) $(sha256sum t1/$d/CPE/nk.bin | cut -d" " -f1) &&
	  printf "readme.txt|%s|%s\n" $(wc -c <t1/$d/readme.txt) $(sha256sum t1/$d/readme.txt | cut -d" " -f1); } >expected &&
	test_cmp expected actual &&
	test -n "$(sql "SELECT \"Imported\" FROM device_update_image")"
'

test_expect_success 'Get-CsDeviceUpdateRule | Approve-CsDeviceUpdateRule: pending becomes approved' '
	$UCSH -c "Get-CsDeviceUpdateRule | Approve-CsDeviceUpdateRule" &&
	rules >actual && echo "CX600 $V1||" >expected && test_cmp expected actual
'

test_expect_success 'a package of two images: a new rule for CX500, a new pending version for CX600' '
	id=$(rule_id CX600) &&
	$UCSH -c "Import-CsDeviceUpdate p2.cab | Sort-Object Model | ForEach-Object { \$_.Model + \" \" + \$_.PendingVersion }" >actual &&
	printf "CX500 $V1\nCX600 $V2\n" >expected && test_cmp expected actual &&
	rules >actual && printf "CX500 |$V1|\nCX600 $V1|$V2|\n" >expected && test_cmp expected actual &&
	test "$(rule_id CX600)" = "$id" &&
	sql "SELECT \"Identity\" FROM device_update_image ORDER BY 1" >actual &&
	printf "UCPhone/Polycom/CX500/Rev-1/ENU/$V1\nUCPhone/Polycom/CX600/Rev-1/ENU/$V1\nUCPhone/Polycom/CX600/Rev-1/ENU/$V2\n" >expected &&
	test_cmp expected actual
'

test_expect_success 'Approve by identity keeps the previous approved version as RestoreVersion' '
	$UCSH -c "Approve-CsDeviceUpdateRule -Identity $(rule_id CX600)" &&
	rules >actual && printf "CX500 |$V1|\nCX600 $V2||$V1\n" >expected && test_cmp expected actual
'

test_expect_success 'Approve with nothing pending is an error naming the rule; nothing changes' '
	id=$(rule_id CX600) &&
	test_expect_code 1 $UCSH -c "Approve-CsDeviceUpdateRule $id" 2>err &&
	test_grep "the device update rule .$id. has no PendingVersion to approve" err &&
	rules >actual && test_cmp expected actual
'

test_expect_success 'Restore goes back to the RestoreVersion, once' '
	id=$(rule_id CX600) &&
	$UCSH -c "Restore-CsDeviceUpdateRule $id -PassThru | ForEach-Object { \$_.ApprovedVersion }" >actual &&
	echo $V1 >expected && test_cmp expected actual &&
	rules >actual && printf "CX500 |$V1|\nCX600 $V1||\n" >expected && test_cmp expected actual &&
	test_expect_code 1 $UCSH -c "Restore-CsDeviceUpdateRule $id" 2>err &&
	test_grep "has no RestoreVersion to go back to" err
'

test_expect_success 'Reset drops the pending version' '
	$UCSH -c "Get-CsDeviceUpdateRule -Filter { \$_.Model -eq \"CX500\" } | Reset-CsDeviceUpdateRule" &&
	rules >actual && printf "CX500 ||\nCX600 $V1||\n" >expected && test_cmp expected actual &&
	$UCSH -c "Reset-CsDeviceUpdateRule $(rule_id CX500)" 2>err &&
	test_grep "WARNING: .* has no PendingVersion to reset" err
'

test_expect_success 're-importing the same images: nothing written again, pending again' '
	before=$(stat -c %Y.%i "$IMAGES/UCPhone/Polycom/CX500/Rev-1/ENU/$V1/CPE/nk.bin") &&
	$UCSH -c "Import-CsDeviceUpdate p2.cab" >out &&
	after=$(stat -c %Y.%i "$IMAGES/UCPhone/Polycom/CX500/Rev-1/ENU/$V1/CPE/nk.bin") &&
	test "$before" = "$after" &&
	rules >actual && printf "CX500 |$V1|\nCX600 $V1|$V2|\n" >expected && test_cmp expected actual
'

test_expect_success 'an imported version with other files is refused, nothing changes' '
	image t3 CX600 $V2 && echo tampered >>t3/UCPhone/Polycom/CX600/Rev-1/ENU/$V2/CPE/nk.bin &&
	pack p3.cab t3 &&
	stored_files >files.before &&
	test_expect_code 1 $UCSH -c "Import-CsDeviceUpdate p3.cab" 2>err &&
	test_grep "the image UCPhone/Polycom/CX600/Rev-1/ENU/$V2 was imported before with other files" err &&
	stored_files >files.after && test_cmp files.before files.after &&
	cmp t2/UCPhone/Polycom/CX600/Rev-1/ENU/$V2/CPE/nk.bin "$IMAGES/UCPhone/Polycom/CX600/Rev-1/ENU/$V2/CPE/nk.bin"
'

test_expect_success 'Remove-CsDeviceUpdateRule deletes the rule; the images stay' '
	$UCSH -c "Remove-CsDeviceUpdateRule $(rule_id CX500) -Force" &&
	rules >actual && printf "CX600 $V1|$V2|\n" >expected && test_cmp expected actual &&
	test -f "$IMAGES/UCPhone/Polycom/CX500/Rev-1/ENU/$V1/CPE/nk.bin" &&
	test "$(sql "SELECT count(*) FROM device_update_image")" = 3 &&
	test_expect_code 1 $UCSH -c "Remove-CsDeviceUpdateRule service:WebServer:pool01.contoso.com/nope -Force" 2>err &&
	test_grep "no device update rule .service:WebServer:pool01.contoso.com/nope. was found" err
'

test_expect_success 'Get-CsDeviceUpdateRule by identity, by web service, by wildcard' '
	id=$(rule_id CX600) &&
	$UCSH -c "Get-CsDeviceUpdateRule $id | Select-Object -ExpandProperty Model" >actual &&
	echo CX600 >expected && test_cmp expected actual &&
	$UCSH -c "Get-CsDeviceUpdateRule WebServer:pool01.contoso.com | Select-Object -ExpandProperty Model" >actual &&
	test_cmp expected actual &&
	$UCSH -c "Get-CsDeviceUpdateRule service:WebServer:pool01* | Select-Object -ExpandProperty Model" >actual &&
	test_cmp expected actual &&
	$UCSH -c "Get-CsDeviceUpdateRule service:WebServer:pool02.contoso.com" >actual &&
	test ! -s actual
'

test_expect_success 'live completion of rule identities' '
	$UCSH --complete -- "Approve-CsDeviceUpdateRule service:Web" >actual &&
	rule_id CX600 >expected && test_cmp expected actual
'

test_expect_success '-WhatIf checks the package and changes nothing' '
	image t4 CX700 $V1 && pack p4.cab t4 &&
	$UCSH -c "Import-CsDeviceUpdate p4.cab -WhatIf" >out &&
	test_grep "What if: Performing the operation \"Import 1 device update image from p4.cab\" on target \"service:WebServer:pool01.contoso.com\"" out &&
	test ! -e "$IMAGES/UCPhone/Polycom/CX700" &&
	rules >actual && printf "CX600 $V1|$V2|\n" >expected && test_cmp expected actual &&
	$UCSH -c "Approve-CsDeviceUpdateRule $(rule_id CX600) -WhatIf" >out &&
	test_grep "What if: Performing the operation \"Approve device update rule\"" out &&
	rules >actual && test_cmp expected actual
'

test_expect_success '-Identity names the web service; an unknown one is refused' '
	$UCSH -c "New-CsPool pool02.contoso.com -Site site:Default | Out-Null" &&
	$UCSH -c "Import-CsDeviceUpdate p4.cab -Identity WebServer:pool02.contoso.com | Select-Object -ExpandProperty Identity" >out &&
	grep "^service:WebServer:pool02.contoso.com/" out &&
	test_expect_code 1 $UCSH -c "Import-CsDeviceUpdate p4.cab -Identity WebServer:pool09.contoso.com" 2>err &&
	test_grep "there is no pool .pool09.contoso.com." err &&
	test_expect_code 1 $UCSH -c "Import-CsDeviceUpdate p4.cab -Identity Registrar:pool02.contoso.com" 2>err &&
	test_grep "does not name a web service" err
'

test_done
