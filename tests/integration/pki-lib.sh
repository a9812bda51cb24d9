# pki-lib.sh: an "enterprise CA" made with the openssl command, for the
# certificate tests (sourced after test-lib.sh; files go in the current
# directory, under ent/). ECDSA P-256 throughout, so that it is quick.

# ent_ca: ent/root.pem (+key), ent/int.pem (+key), an intermediate signed by
# the root; ent/badint.pem (+key) is an "intermediate" that is not a CA.
ent_ca() {
	mkdir -p ent/newcerts && : >ent/index.txt && echo 1000 >ent/serial &&
	printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n' >ent/ca.ext &&
	printf 'basicConstraints=critical,CA:FALSE\nsubjectKeyIdentifier=hash\n' >ent/notca.ext &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ent/root.key \
		-out ent/root.pem -days 3650 -subj "/O=Contoso/CN=Contoso Root CA" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
		2>/dev/null &&
	ent_sign_ca int "Contoso Issuing CA" ent/ca.ext &&
	ent_sign_ca badint "Contoso Broken CA" ent/notca.ext
}

# ent_sign_ca NAME CN EXTFILE: a certificate signed by the root.
ent_sign_ca() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ent/$1.key \
		-out ent/$1.csr -subj "/O=Contoso/CN=$2" 2>/dev/null &&
	openssl x509 -req -in ent/$1.csr -CA ent/root.pem -CAkey ent/root.key -CAcreateserial \
		-out ent/$1.pem -days 1800 -extfile "$3" 2>/dev/null
}

# ent_leaf NAME "DNS:a,DNS:b" [ISSUER] [openssl ca dates]: ent/NAME.pem and
# ent/NAME.key, a server certificate issued by ent/ISSUER (default: int).
# With START END (YYYYMMDDHHMMSSZ) it is issued for those dates.
ent_leaf() {
	_iss=${3:-int}
	printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$2" >ent/$1.ext &&
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ent/$1.key \
		-out ent/$1.csr -subj "/O=Contoso/CN=$1" 2>/dev/null &&
	ent_sign_csr ent/$1.csr ent/$1.pem ent/$1.ext "$_iss" "${4:-}" "${5:-}"
}

# ent_sign_csr CSR OUT EXTFILE ISSUER [START END]
ent_sign_csr() {
	if [ -n "${5:-}" ]; then
		cat >ent/ca.cnf <<-EOF
		[ca]
		default_ca = d
		[d]
		database = ent/index.txt
		new_certs_dir = ent/newcerts
		serial = ent/serial
		default_md = sha256
		policy = p
		unique_subject = no
		[p]
		commonName = supplied
		EOF
		openssl ca -batch -config ent/ca.cnf -cert ent/$4.pem -keyfile ent/$4.key -in "$1" \
			-out "$2" -startdate "$5" -enddate "$6" -extfile "$3" -notext 2>/dev/null
	else
		openssl x509 -req -in "$1" -CA ent/$4.pem -CAkey ent/$4.key -CAcreateserial \
			-out "$2" -days 300 -extfile "$3" 2>/dev/null
	fi
}

# thumbprint_of FILE: the SHA-1 thumbprint as ucsh shows it
thumbprint_of() {
	openssl x509 -in "$1" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g'
}
