#!/bin/sh
# phone-sim.sh: a desk phone as the Device Update web service sees it,
# speaking the protocol of ucshd(8) with curl: it checks for an update,
# downloads the offered image, verifies its size and SHA-256 before
# "installing" it, uploads its logs, and re-registers with SIPp.
#
#   phone-sim.sh check          one update check; prints "update VERSION" or "none"
#   phone-sim.sh update         check, then download, verify and install what is
#                               offered; prints "installed VERSION" or "none"
#   phone-sim.sh upload FILE [TYPE]   PUT FILE as a log; prints the HTTP status
#   phone-sim.sh register       REGISTER with SIPp as the phone (MAC, firmware)
#
# The phone is described by the environment:
#   SIM_BASE     the site: http://127.0.0.1:PORT/RequestHandler (or ...Ext)
#   SIM_DIR      the phone's flash: its firmware version and images live here
#   SIM_MAC SIM_SERIAL SIM_BRAND SIM_MODEL SIM_REV SIM_LOCALE
#   SIM_VERSION  the firmware it runs until it installs another
#   SIM_USER SIM_PIN     sign-in (digest) for the external site
#   SIM_SIP_USER SIM_SIP_PIN  sign-in for SIP (by default SIM_USER, SIM_PIN)
#   SIM_CACERT   the root to trust for https
#   SIM_CONNECT  host name of the URLs ucshd answers with, reached at 127.0.0.1
#   SIM_SIP      127.0.0.1:PORT of the registrar; SIM_SIP_LOCAL_PORT, SIM_DOMAIN,
#                SIM_SIPP_XML (register-phone.xml) for "register"
# Exit status: 0 when the step did what a phone expects, 1 otherwise.
set -u

dir=${SIM_DIR:?SIM_DIR}
mkdir -p "$dir"
[ -f "$dir/version" ] || echo "${SIM_VERSION:?SIM_VERSION}" >"$dir/version"
version=$(cat "$dir/version")

curl_phone() {
	set -- --silent --show-error --max-time 30 "$@"
	[ -n "${SIM_CACERT:-}" ] && set -- --cacert "$SIM_CACERT" "$@"
	[ -n "${SIM_CONNECT:-}" ] && set -- --connect-to "$SIM_CONNECT::127.0.0.1:" "$@"
	[ -n "${SIM_USER:-}" ] && set -- --digest --user "$SIM_USER:$SIM_PIN" "$@"
	curl "$@"
}

request_body() {
	printf '<UpdateRequest>\n  <MacAddress>%s</MacAddress>\n' "$SIM_MAC"
	[ -n "${SIM_SERIAL:-}" ] && printf '  <SerialNumber>%s</SerialNumber>\n' "$SIM_SERIAL"
	printf '  <UpdateType>UCPhone</UpdateType>\n  <Brand>%s</Brand>\n  <Model>%s</Model>\n' \
		"${SIM_BRAND:-Polycom}" "${SIM_MODEL:-CX600}"
	printf '  <Revision>%s</Revision>\n  <Locale>%s</Locale>\n  <Version>%s</Version>\n' \
		"${SIM_REV:-Rev-1}" "${SIM_LOCALE:-ENU}" "$version"
	[ -n "${SIM_USER:-}" ] && printf '  <User>%s</User>\n' "$SIM_USER"
	printf '</UpdateRequest>\n'
}

# check: the answer in $dir/answer.xml; prints "update V" or "none".
check() {
	request_body >"$dir/request.xml"
	code=$(curl_phone -o "$dir/answer.xml" -w '%{http_code}' -X POST \
		-H 'Content-Type: text/xml' --data-binary "@$dir/request.xml" \
		"$SIM_BASE/ucdevice.upx") || return 1
	[ "$code" = 200 ] || { echo "check: HTTP $code"; return 1; }
	if grep -q '<Update available="true">' "$dir/answer.xml"; then
		echo "update $(sed -n 's|.*<Version>\(.*\)</Version>.*|\1|p' "$dir/answer.xml")"
	elif grep -q '<Update available="false"/>' "$dir/answer.xml"; then
		echo none
	else
		echo "check: not an UpdateResponse"
		return 1
	fi
}

# Every <File url= size= sha256=/> of the answer, as "url size sha256" lines.
files() {
	sed -n 's|.*<File url="\([^"]*\)" size="\([0-9]*\)" sha256="\([0-9a-f]*\)"/>.*|\1 \2 \3|p' \
		"$dir/answer.xml" | sed 's/&amp;/\&/g'
}

update() {
	answer=$(check) || { echo "$answer"; return 1; }
	[ "$answer" = none ] && { echo none; return 0; }
	new=${answer#update }
	mkdir -p "$dir/flash.new"
	files >"$dir/files"
	[ -s "$dir/files" ] || { echo "update: no file offered"; return 1; }
	i=0
	while read -r url size sha; do
		i=$((i + 1))
		out="$dir/flash.new/$i.bin"
		curl_phone --fail -o "$out" "$url" || { echo "download failed: $url"; return 1; }
		got_size=$(wc -c <"$out" | tr -d ' ')
		got_sha=$(sha256sum "$out" | cut -c1-64)
		[ "$got_size" = "$size" ] || { echo "size $got_size, offered $size: $url"; return 1; }
		[ "$got_sha" = "$sha" ] || { echo "SHA-256 mismatch: $url"; return 1; }
	done <"$dir/files"
	# installed: the old image stays as the backup, as on a real phone
	rm -rf "$dir/flash.old"
	[ -d "$dir/flash" ] && mv "$dir/flash" "$dir/flash.old"
	mv "$dir/flash.new" "$dir/flash"
	echo "$new" >"$dir/version"
	echo "installed $new"
}

upload() {
	f=$1 type=${2:-}
	name=$(basename "$f")
	q=
	[ -n "$type" ] && q="?type=$type"
	curl_phone -o "$dir/upload.out" -w '%{http_code}\n' -T "$f" \
		"$SIM_BASE/Logs/$SIM_MAC/$name$q"
}

register() {
	mac=$(echo "$SIM_MAC" | tr -d ':.-' | tr 'A-F' 'a-f')
	user=${SIM_SIP_USER:-$SIM_USER} pin=${SIM_SIP_PIN:-$SIM_PIN}
	echo SEQUENTIAL >"$dir/creds.csv"
	echo "$user;[authentication username=$user password=$pin]" >>"$dir/creds.csv"
	timeout -k 5 60 sipp "$SIM_SIP" -sf "$SIM_SIPP_XML" -inf "$dir/creds.csv" \
		-key domain "$SIM_DOMAIN" -key expires 600 -key mac "$mac" \
		-key ua "${SIM_BRAND:-Polycom}/$version ${SIM_MODEL:-CX600}" -auth_uri "$SIM_DOMAIN" \
		-t u1 -i 127.0.0.1 -p "$SIM_SIP_LOCAL_PORT" -recv_timeout 5000 -timeout 50s \
		-nostdin -default_behaviors abortunexp -m 1 >"$dir/sipp.out" 2>&1 &&
		echo registered || { echo "register failed"; return 1; }
}

case "${1:-}" in
check) check ;;
update) update ;;
upload) shift; upload "$@" ;;
register) register ;;
*) sed -n '2,14p' "$0"; exit 2 ;;
esac
