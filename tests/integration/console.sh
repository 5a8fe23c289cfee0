#!/bin/sh
# The web console inside a running mamorid, over real HTTP on loopback: originals kept from
# mails an independent milter client sends, persons of the example city with second factors,
# a real clamd (its own signature database) and an SMTP sink for released originals. Then
#   - console_http.py: sign-in (password, TOTP, first-login change, lockout, throttle),
#     sessions and cookies, CSRF, RBAC (units, roles, 兼務の禁止), releases, the audit log
#     viewer, the two faces kept apart, hostile requests (traversal, oversize, slow clients);
#   - tests/browser/console.mjs: the same workflow clicked through in Debian's Chromium, with
#     screenshots kept in the build directory;
#   - TLS with a certificate made here, and a face off loopback refused without one.
# Prints TAP. Usage: console.sh path/to/mamori path/to/source
set -u
export LANG=C.UTF-8 MAMORI_LANG=en
MAMORI=$1
SRC=$2
BUILD=$(cd "$(dirname "$MAMORI")" && pwd)
MAMORID=$BUILD/mamorid
. "$SRC/tests/lib/tap.sh"
. "$SRC/tests/lib/postfix.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/mamori-console-XXXXXX")
I="$T/inst"
MPID=
CPID=
cleanup() {
    [ -n "$MPID" ] && kill "$MPID" 2>/dev/null
    [ -n "$CPID" ] && kill "$CPID" 2>/dev/null
    sink_stop "$T/sink"
    rm -rf "$T"
}
trap cleanup EXIT
for p in clamd python3 smtp-sink openssl curl; do
    command -v "$p" >/dev/null || { not_ok "$p is not installed (scripts/install-deps)"; tap_end; exit 1; }
done
M() { "$MAMORI" -C "$I" "$@"; }

# --- clamd with a signature database made here (EICAR as a content signature) ---------------
mkdir -p "$T/clamdb"
EICAR='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
printf 'Mamori.Test.EICAR:0:*:%s\n' "$(printf '%s' "$EICAR" | od -An -tx1 | tr -d ' \n')" \
    >"$T/clamdb/mamori-test.ndb"
cat >"$T/clamd.conf" <<EOF
DatabaseDirectory $T/clamdb
LocalSocket $T/clamd.sock
Foreground yes
LogFile $T/clamd.log
User $(id -un)
EOF
clamd --config-file="$T/clamd.conf" >/dev/null 2>&1 &
CPID=$!
for _ in $(seq 1 100); do [ -S "$T/clamd.sock" ] && break; sleep 0.1; done
check "clamd starts with the test signature database" test -S "$T/clamd.sock"

# --- the instance, its persons and their second factors -----------------------------------------
M init "$I" >/dev/null 2>&1
MTCP=$(free_port)
LGWAN=$(free_port)
INET=$(free_port)
SINK=$(free_port)
sink_start "$T/sink" "$SINK"
write_conf() { # extra lines...
    {
        printf 'milter = inet:127.0.0.1:%s\nclamd = unix:%s\n' "$MTCP" "$T/clamd.sock"
        printf 'console = 127.0.0.1:%s\nupload = 127.0.0.1:%s\n' "$LGWAN" "$INET"
        printf 'mail_relay = inet:127.0.0.1:%s\n' "$SINK"
        for l in "$@"; do printf '%s\n' "$l"; done
    } >"$I/mamorid.conf"
}
write_conf
printf 'correct horse battery staple\n' >"$T/pw"
M user add admin --role system_admin --unit somu-johoseisaku --mail admin@lgwan.example \
    --password-file "$T/pw" >/dev/null
add() { M user add "$1" --role "$2" --unit "$3" --mail "$4" --password-file "$T/pw" --as admin >/dev/null; }
add tanaka staff shimin-zeimu tanaka@lgwan.example
add sato staff shimin-zeimu sato@lgwan.example
add kacho section_manager shimin-zeimu kacho@lgwan.example
add yoso section_manager fukushi-kaigo yoso@lgwan.example
add suzuki staff fukushi-kaigo suzuki@lgwan.example
add kansa auditor somu-somu kansa@lgwan.example
add locky staff shimin-zeimu locky@lgwan.example
add ito staff fukushi-kaigo ito@lgwan.example
for u in admin kacho yoso kansa; do
    M user enrol-totp "$u" --as admin 2>/dev/null | sed -n 's/.*secret=\([A-Z2-7]*\).*/\1/p' >"$T/totp.$u"
done
check "second factors enrolled for the privileged persons" test -s "$T/totp.kacho" -a -s "$T/totp.kansa"
check "a person added by an administrator must change the password at first sign-in" sh -c \
    "'$MAMORI' -C '$I' user show tanaka --json | grep -q '\"must_change_password\": *true'"

# --- originals: mails to the persons, sent through mamorid by an independent milter client ---
"$MAMORID" -C "$I" 2>"$T/mamorid.log" &
MPID=$!
for _ in $(seq 1 200); do grep -q ready "$T/mamorid.log" && break; sleep 0.05; done
check "mamorid starts with both console faces" grep -q "console (internet face" "$T/mamorid.log"
mail_with() { # file, subject, attachment name, attachment bytes (base64)
    {
        printf 'From: partner@ext.example\r\nTo: someone@lgwan.example\r\n'
        printf 'Subject: =?UTF-8?B?%s?=\r\n' "$(printf '%s' "$2" | base64 -w0)"
        printf 'Message-ID: <%s@ext.example>\r\nMIME-Version: 1.0\r\n' "$(printf '%s' "$2" | md5sum | cut -c1-12)"
        printf 'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        printf 'Content-Type: text/plain; charset=us-ascii\r\n\r\nPlease see the attachment.\r\n'
        printf -- '--b\r\nContent-Type: application/octet-stream; name="%s"\r\n' "$3"
        printf 'Content-Disposition: attachment; filename="%s"\r\n' "$3"
        printf 'Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--b--\r\n' "$4"
    } >"$1"
}
send() { python3 "$SRC/tests/integration/milter_client.py" "127.0.0.1:$MTCP" "$1" 1 "$2" >/dev/null; }
mail_with "$T/m1.eml" '<script>alert("x")</script> 見積書' mitsumori.pdf "$(printf '%%PDF-1.4 quote' | base64)"
mail_with "$T/m2.eml" 'invoice' invoice.com "$(printf '%s' "$EICAR" | base64 -w0)"
mail_with "$T/m3.eml" '福祉の資料' shiryo.pdf "$(printf '%%PDF-1.4 fukushi' | base64)"
mail_with "$T/m4.eml" '課長あて' plan.pdf "$(printf '%%PDF-1.4 plan' | base64)"
mail_with "$T/m5.eml" '<img src=x onerror=alert(2)> 佐藤さんへ' memo.pdf "$(printf '%%PDF-1.4 memo' | base64)"
send "$T/m1.eml" tanaka@lgwan.example
send "$T/m2.eml" tanaka@lgwan.example
send "$T/m3.eml" suzuki@lgwan.example
send "$T/m4.eml" kacho@lgwan.example
send "$T/m5.eml" sato@lgwan.example
# For the browser: a hostile subject to ito, and an original of the approver's own.
mail_with "$T/m6.eml" '<img src=x onerror=alert(3)> 伊藤さんへ <script>alert(4)</script>' kaigo.pdf "$(printf '%%PDF-1.4 kaigo' | base64)"
mail_with "$T/m7.eml" '課長自身の原本' own.pdf "$(printf '%%PDF-1.4 own' | base64)"
send "$T/m6.eml" ito@lgwan.example
send "$T/m7.eml" yoso@lgwan.example
check "seven originals kept" sh -c "test \$('$MAMORI' -C '$I' quarantine list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') -eq 7"
M quarantine list --json >"$T/originals.json"
# Files for the transfer: the hand-made samples of the file engine's test.
mkdir -p "$T/samples"
/usr/bin/python3 "$SRC/tests/integration/cdr_samples.py" "$T/samples" || not_ok "the sample files are made"

# --- HTTP probes ----------------------------------------------------------------------------------
python3 "$SRC/tests/integration/console_http.py" --start "$n" --count-file "$T/count" \
    --lgwan "127.0.0.1:$LGWAN" --internet "127.0.0.1:$INET" --instance "$I" --mamori "$MAMORI" \
    --originals "$T/originals.json" --totp-dir "$T" --password "correct horse battery staple" \
    --sink "$T/sink" --samples "$T/samples"
read -r n failed_py <"$T/count" || { n=$((n + 1)); failed_py=1; echo "not ok $n - console_http.py ran to the end"; }
failed=$((failed + failed_py))

# --- the browser --------------------------------------------------------------------------------
SHOTS="$BUILD/meson-logs/console-screenshots"
mkdir -p "$SHOTS"
if ! command -v chromium >/dev/null || ! command -v node >/dev/null; then
    not_ok "chromium and node are installed (scripts/install-deps)"
elif [ ! -d "$SRC/tests/browser/node_modules/playwright-core" ]; then
    not_ok "playwright-core is installed (make test runs npm ci in tests/browser)"
else
    node "$SRC/tests/browser/console.mjs" --start "$n" --count-file "$T/count" \
        --lgwan "http://127.0.0.1:$LGWAN" --internet "http://127.0.0.1:$INET" \
        --originals "$T/originals.json" --totp-dir "$T" --password "correct horse battery staple" \
        --shots "$SHOTS" --samples "$T/samples"
    read -r n failed_js <"$T/count" || { n=$((n + 1)); failed_js=1; echo "not ok $n - console.mjs ran to the end"; }
    failed=$((failed + failed_js))
fi

kill "$MPID"; wait "$MPID" 2>/dev/null; MPID=
check "mamorid stopped cleanly" grep -q stopping "$T/mamorid.log"
check "no sanitizer report from mamorid (in the ASan build)" sh -c \
    "! grep -E 'Sanitizer|runtime error' '$T/mamorid.log'"
check "the audit log verifies after everything" M log verify

# --- TLS -------------------------------------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1" -keyout "$T/console.key" -out "$T/console.crt" \
    >/dev/null 2>&1
write_conf "console_tls_cert = $T/console.crt" "console_tls_key = $T/console.key"
: >"$T/mamorid.log"
"$MAMORID" -C "$I" 2>"$T/mamorid.log" &
MPID=$!
for _ in $(seq 1 200); do grep -q ready "$T/mamorid.log" && break; sleep 0.05; done
curl -s -D "$T/tls.h" -o "$T/tls.body" --cacert "$T/console.crt" "https://127.0.0.1:$LGWAN/login"
check "with a certificate the console speaks HTTPS" grep -q '^HTTP/1.1 200' "$T/tls.h"
check "HTTPS responses carry Strict-Transport-Security" grep -qi '^Strict-Transport-Security: max-age=' "$T/tls.h"
curl -s -D "$T/tls2.h" -o /dev/null --cacert "$T/console.crt" \
    --data-urlencode user=tanaka --data-urlencode "password=wrong" "https://127.0.0.1:$LGWAN/login"
curl -s -D "$T/tls3.h" -o /dev/null --cacert "$T/console.crt" \
    --data-urlencode user=admin --data-urlencode "password=correct horse battery staple" \
    "https://127.0.0.1:$LGWAN/login"
check "over HTTPS the session cookie is Secure, HttpOnly, SameSite=Strict" \
    grep -qi '^Set-Cookie: mamori_session=.*HttpOnly; SameSite=Strict; Secure' "$T/tls3.h"
if curl -s -o /dev/null "http://127.0.0.1:$LGWAN/login" 2>/dev/null; then
    not_ok "plain HTTP is not answered on the TLS face"
else
    ok "plain HTTP is not answered on the TLS face"
fi
kill "$MPID"; wait "$MPID" 2>/dev/null; MPID=
write_conf "console = 192.0.2.10:8443"
"$MAMORID" -C "$I" >"$T/notls.out" 2>&1 &
MPID=$!
for _ in $(seq 1 100); do kill -0 "$MPID" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$MPID" 2>/dev/null; then
    not_ok "a face off loopback without a certificate stops mamorid"
    kill "$MPID"
else
    ok "a face off loopback without a certificate stops mamorid"
fi
wait "$MPID" 2>/dev/null; MPID=
check "... and says it needs TLS" grep -q "needs TLS" "$T/notls.out"

tap_end
