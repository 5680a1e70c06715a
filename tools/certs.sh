#!/usr/bin/env bash
# Makes development certificates for riskflowd's mTLS (docs/security.md):
#
#   tools/certs.sh OUT_DIR [IDENTITY...]
#
# OUT_DIR/ca.pem, ca.key           the dev CA (trust it with --tls_client_ca
#                                  on the daemon and --tls_ca on clients)
# OUT_DIR/server.pem, server.key   riskflowd's certificate: CN riskflowd,
#                                  SAN 127.0.0.1, ::1, localhost
# OUT_DIR/<identity>.pem, .key     one client certificate per identity, the
#                                  identity as its CN (default identities:
#                                  ingest-card ingest-wallet consumer-freeze
#                                  consumer-notify admin reader)
# OUT_DIR/wrong-ca.pem, .key       a second, untrusted CA, and
# OUT_DIR/wrong-admin.pem, .key    a client certificate CN=admin signed by
#                                  it (what an impostor would present)
#
# EC P-256 keys, valid for DAYS (default 30) days from now: run it when you
# need certificates (tests run it into a temp dir), never check the output
# in. Needs openssl (Debian package openssl). Not for production: the CA
# key sits unencrypted next to the certificates.
set -euo pipefail

if [[ $# -lt 1 || "$1" == -h || "$1" == --help ]]; then
  sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'
  exit $([[ $# -lt 1 ]] && echo 1 || echo 0)
fi
out=$1
shift
identities=("$@")
if ((${#identities[@]} == 0)); then
  identities=(ingest-card ingest-wallet consumer-freeze consumer-notify admin reader)
fi
days=${DAYS:-30}
command -v openssl >/dev/null || {
  echo "certs.sh: openssl not found (apt-get install openssl)" >&2
  exit 1
}
mkdir -p "$out"
umask 077
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# ca NAME CN: a self-signed CA.
ca() {
  key "$out/$1.key"
  openssl req -x509 -new -key "$out/$1.key" -sha256 -days "$days" \
    -subj "/O=riskflow dev/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$out/$1.pem" 2>/dev/null
}

# leaf NAME CN CA EXTENSIONS: a certificate signed by CA.
leaf() {
  key "$out/$1.key"
  openssl req -new -key "$out/$1.key" -subj "/O=riskflow dev/CN=$2" \
    -out "$tmp/$1.csr" 2>/dev/null
  printf '%s\n' "$4" >"$tmp/$1.ext"
  openssl x509 -req -in "$tmp/$1.csr" -CA "$out/$3.pem" -CAkey "$out/$3.key" \
    -CAcreateserial -CAserial "$tmp/$3.srl" -sha256 -days "$days" \
    -extfile "$tmp/$1.ext" -out "$out/$1.pem" 2>/dev/null
}

client_ext="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"

ca ca "riskflow dev CA"
leaf server riskflowd ca "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost"
for id in "${identities[@]}"; do
  [[ "$id" =~ ^[A-Za-z0-9._-]+$ ]] || {
    echo "certs.sh: identity '$id': use letters, digits, '.', '_', '-'" >&2
    exit 1
  }
  leaf "$id" "$id" ca "$client_ext"
done
ca wrong-ca "riskflow impostor CA"
leaf wrong-admin admin wrong-ca "$client_ext"
# Certificates are public; keys stay 0600.
chmod 0644 "$out"/*.pem
echo "certs.sh: CA, server and ${#identities[@]} client certificates in $out (valid $days days)"
