#!/bin/sh
# Releasing an original (添付ファイル分離・原本の取り出し): originals kept by a running mamorid
# (fed by an independent milter client), persons with roles and units of the example city,
# then request → approval by the role the policy names (never the requester, never a manager
# of another unit) → a real clamd (with a signature database this test builds) → the file.
# EICAR is refused by clamd; clamd down releases nothing; every step is in the audit log.
# Prints TAP. Usage: release.sh path/to/mamori path/to/source
set -u
export LANG=C.UTF-8 MAMORI_LANG=en
MAMORI=$1
SRC=$2
MAMORID=$(dirname "$MAMORI")/mamorid
. "$SRC/tests/lib/tap.sh"
. "$SRC/tests/lib/postfix.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/mamori-release-XXXXXX")
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
for p in clamd python3 smtp-sink; do
    command -v "$p" >/dev/null || { not_ok "$p is not installed (scripts/install-deps)"; tap_end; exit 1; }
done
M() { "$MAMORI" -C "$I" "$@"; }
expect() { # description, expected exit status, command...
    d=$1 want=$2; shift 2
    "$@" >"$T/out" 2>&1
    got=$?
    if [ "$got" -eq "$want" ]; then ok "$d"; else not_ok "$d" "exit $got, wanted $want: $*" "$(head -3 "$T/out")"; fi
}

# --- clamd with a signature database made here (EICAR as a content signature) -------------
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
start_clamd() {
    clamd --config-file="$T/clamd.conf" >/dev/null 2>&1 &
    CPID=$!
    for _ in $(seq 1 100); do [ -S "$T/clamd.sock" ] && return 0; sleep 0.1; done
    return 1
}
check "clamd starts with the test signature database" start_clamd

# --- an instance with originals --------------------------------------------------------------
M init "$I" >/dev/null 2>&1
MTCP=$(free_port)
printf 'milter = inet:127.0.0.1:%s\nclamd = unix:%s\n' "$MTCP" "$T/clamd.sock" >"$I/mamorid.conf"
"$MAMORID" -C "$I" 2>"$T/mamorid.log" &
MPID=$!
for _ in $(seq 1 100); do grep -q ready "$T/mamorid.log" && break; sleep 0.05; done
mail_with() { # file, attachment name, attachment bytes (base64), subject
    {
        printf 'From: partner@ext.example\r\nTo: someone@lgwan.example\r\nSubject: %s\r\n' "$4"
        printf 'Message-ID: <%s@ext.example>\r\nMIME-Version: 1.0\r\n' "$4"
        printf 'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        printf 'Content-Type: text/plain; charset=us-ascii\r\n\r\nPlease see the attachment.\r\n'
        printf -- '--b\r\nContent-Type: application/octet-stream; name="%s"\r\n' "$2"
        printf 'Content-Disposition: attachment; filename="%s"\r\n' "$2"
        printf 'Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--b--\r\n' "$3"
    } >"$1"
}
mail_with "$T/clean.eml" mitsumori.pdf "$(printf '%%PDF-1.4 quote' | base64)" clean
mail_with "$T/eicar.eml" invoice.com "$(printf '%s' "$EICAR" | base64 -w0)" eicar
mail_with "$T/clean2.eml" memo.pdf "$(printf '%%PDF-1.4 memo' | base64)" clean2
mail_with "$T/kacho.eml" plan.pdf "$(printf '%%PDF-1.4 plan' | base64)" kacho
send() { python3 "$SRC/tests/integration/milter_client.py" "127.0.0.1:$MTCP" "$1" 1 "$2" >/dev/null; }
send "$T/clean.eml" tanaka@lgwan.example
send "$T/eicar.eml" tanaka@lgwan.example
send "$T/clean2.eml" tanaka@lgwan.example
send "$T/kacho.eml" kacho@lgwan.example
kill "$MPID"; wait "$MPID" 2>/dev/null; MPID=
sha() { python3 -c 'import hashlib,sys; print("sha256:" + hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$1"; }
orig_of() { M quarantine list --json | python3 -c '
import json, sys
for o in json.load(sys.stdin):
    if o["subject"] == sys.argv[1]: print(o["id"])' "$1"; }
CLEAN=$(orig_of clean)
EVIL=$(orig_of eicar)
CLEAN2=$(orig_of clean2)
KACHO=$(orig_of kacho)
check "four originals kept" test -n "$CLEAN" -a -n "$EVIL" -a -n "$CLEAN2" -a -n "$KACHO"

# --- persons ------------------------------------------------------------------------------------
printf 'correct horse battery staple\n' >"$T/pw"
printf 'short\n' >"$T/shortpw"
expect "the first user needs no --as (first set-up)" 0 \
    M user add admin --role system_admin --unit somu-johoseisaku --password-file "$T/pw"
expect "a later user needs --as" 64 M user add x --role staff --password-file "$T/pw"
expect "a short password is refused" 65 M user add x --role staff --password-file "$T/shortpw" --as admin
expect "an unknown role is refused" 64 M user add x --role janitor --password-file "$T/pw" --as admin
add() { M user add "$1" --role "$2" --unit "$3" --mail "$4" --password-file "$T/pw" --as admin >/dev/null; }
add tanaka staff shimin-zeimu tanaka@lgwan.example
add kacho section_manager shimin-zeimu kacho@lgwan.example
add yoso section_manager fukushi-kaigo yoso@lgwan.example
add bucho dept_manager shimin bucho@lgwan.example
add suzuki staff shimin-zeimu suzuki@lgwan.example
expect "a staff member may not add users" 77 M user add y --role staff --password-file "$T/pw" --as tanaka
check "user list shows six persons, no password hashes" sh -c \
    "'$MAMORI' -C '$I' user list --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d)==6 and all(\"password_hash\" not in p for p in d)'"
check "the password is stored as Argon2id" sh -c "sqlite3 '$I/store.db' \"select password_hash from person where id='tanaka'\" | grep -q '^\\\$argon2id\\\$'"

# Changing a person: only an administrator; the change is in the audit log.
expect "a staff member may not change roles" 77 M user set-role suzuki --role section_manager --as tanaka
expect "an unknown role is refused" 64 M user set-role suzuki --role janitor --as admin
expect "admin moves suzuki to the welfare division's staff" 0 M user set-role suzuki --role staff --unit fukushi-kaigo --as admin
check "user show has the new unit" sh -c "'$MAMORI' -C '$I' user show suzuki --json | grep -q '\"unit\": *\"fukushi-kaigo\"'"
old_hash=$(sqlite3 "$I/store.db" "select password_hash from person where id='suzuki'")
expect "a short new password is refused" 65 M user reset-password suzuki --password-file "$T/shortpw" --as admin
printf 'another long passphrase here\n' >"$T/pw2"
expect "admin resets suzuki's password" 0 M user reset-password suzuki --password-file "$T/pw2" --as admin
check "the stored hash changed and is Argon2id" sh -c "new=\$(sqlite3 '$I/store.db' \"select password_hash from person where id='suzuki'\"); test \"\$new\" != '$old_hash' && case \"\$new\" in '\$argon2id\$'*) true;; *) false;; esac"

# --- requests and approvals -----------------------------------------------------------------------
expect "only a recipient may ask for an original" 77 M quarantine request "$CLEAN" --as suzuki
expect "an unknown person may not ask" 77 M quarantine request "$CLEAN" --as nobody
expect "tanaka asks for the clean original" 0 M quarantine request "$CLEAN" --as tanaka --reason "need the quote"
expect "tanaka cannot approve (not the role the policy names)" 77 M quarantine approve 1 --as tanaka
expect "a department manager is not the named role either" 77 M quarantine approve 1 --as bucho
expect "the section manager of another unit may not approve" 77 M quarantine approve 1 --as yoso
check "the refusal named the other unit" grep -q "may not decide for tanaka" "$T/out"
expect "kacho asks for his own original" 0 M quarantine request "$KACHO" --as kacho
expect "kacho may not approve his own request (兼務の禁止)" 77 M quarantine approve 2 --as kacho
check "the refusal says why" grep -q "own request" "$T/out"
expect "release before approval is refused" 65 M quarantine release 1 -o "$T/out.eml" --as tanaka
expect "kacho approves tanaka's request" 0 M quarantine approve 1 --as kacho
expect "a decided request cannot be decided again" 65 M quarantine deny 1 --as kacho
expect "only the requester receives the original" 77 M quarantine release 1 -o "$T/x.eml" --as kacho
expect "tanaka receives it after clamd finds it clean" 0 M quarantine release 1 -o "$T/released.eml" --as tanaka
check "the released file is exactly the original" test "$(sha "$T/released.eml")" = "$CLEAN"
check "and only tanaka can read it (0600)" test "$(stat -c %a "$T/released.eml")" = 600

# EICAR: approved, but clamd refuses; nothing is written.
M quarantine request "$EVIL" --as tanaka >/dev/null
M quarantine approve 3 --as kacho >/dev/null
expect "clamd finds EICAR: not released (exit 1)" 1 M quarantine release 3 -o "$T/evil.eml" --as tanaka
check "clamd named the signature" grep -q "Mamori.Test.EICAR" "$T/out"
check "no file was written" test ! -e "$T/evil.eml"

# clamd down: nothing released, the request stays approved; clamd back: released.
M quarantine request "$CLEAN2" --as tanaka >/dev/null
M quarantine approve 4 --as kacho >/dev/null
kill "$CPID"; wait "$CPID" 2>/dev/null; CPID=
rm -f "$T/clamd.sock"
expect "clamd down: nothing released (temporary failure, 75)" 75 M quarantine release 4 -o "$T/c2.eml" --as tanaka
check "no file was written" test ! -e "$T/c2.eml"
start_clamd
expect "clamd back: released" 0 M quarantine release 4 -o "$T/c2.eml" --as tanaka

# Into the mailbox: through the LGWAN-side MTA (here smtp-sink) as a mail with the original.
chmod 755 "$T"
SINK=$(free_port)
sink_start "$T/sink" "$SINK"
printf 'mail_relay = inet:127.0.0.1:%s\n' "$SINK" >>"$I/mamorid.conf"
M quarantine request "$CLEAN" --as tanaka >/dev/null
M quarantine approve 5 --as kacho >/dev/null
expect "release --deliver mails the original to tanaka's LGWAN mailbox" 0 M quarantine release 5 --deliver --as tanaka
for _ in $(seq 1 50); do ls "$T"/sink/msg.* >/dev/null 2>&1 && break; sleep 0.1; done
check "the mail reached tanaka with the original attached, byte for byte" python3 - "$T/sink" "$CLEAN" <<'PY'
import email, glob, hashlib, sys
from email.header import decode_header, make_header
files = glob.glob(sys.argv[1] + "/msg.*")
assert len(files) == 1, files
m = email.message_from_bytes(open(files[0], "rb").read())
assert "tanaka@lgwan.example" in m["To"] and m["Auto-Submitted"] == "auto-generated", m["To"]
assert "原本" in str(make_header(decode_header(m["Subject"])))
att = [p for p in m.walk() if p.get_filename() == "original.eml"]
assert len(att) == 1
assert "sha256:" + hashlib.sha256(att[0].get_payload(decode=True)).hexdigest() == sys.argv[2]
PY
cp "$I/mamori.yaml" "$T/policy.orig"
sed -i 's/^sanitize:$/sanitize:\n  release: file/' "$I/mamori.yaml"
M quarantine request "$CLEAN" --as tanaka >/dev/null
M quarantine approve 6 --as kacho >/dev/null
expect "a policy that releases as files only refuses --deliver" 77 M quarantine release 6 --deliver --as tanaka
cp "$T/policy.orig" "$I/mamori.yaml"
sink_stop "$T/sink"
expect "the MTA down: nothing released (75), the request stays approved" 75 M quarantine release 6 --deliver --as tanaka

# Denial, expiry, a disabled person.
M quarantine request "$CLEAN2" --as tanaka >/dev/null
expect "kacho denies request 7" 0 M quarantine deny 7 --as kacho --reason "not needed"
expect "a denied request is not released" 65 M quarantine release 7 -o "$T/d.eml" --as tanaka
M quarantine request "$CLEAN2" --as tanaka >/dev/null
later=$(($(date +%s) + 8 * 86400))
expect "after a week undecided, the request has expired" 65 env MAMORI_NOW=$later "$MAMORI" -C "$I" quarantine approve 8 --as kacho
M user disable kacho --as admin >/dev/null
M quarantine request "$CLEAN2" --as tanaka >/dev/null
expect "a disabled person may not approve" 77 M quarantine approve 9 --as kacho
M quarantine requests --json >"$T/req.json"
check "request states: released, pending, refused, released, released (mailed), approved, denied, expired, requested" \
    python3 -c '
import json, sys
s = [r["state"] for r in json.load(open(sys.argv[1]))]
assert s == ["released", "requested", "refused", "released", "released", "approved", "denied",
             "expired", "requested"], s' "$T/req.json"

# Every step in the audit log, and the log intact.
M log show --json >"$T/log.json"
check "the audit log has every step (requests, refusals with reasons, approvals, release, clamd's finding)" \
    python3 -c '
import json, sys
recs = json.load(open(sys.argv[1]))
acts = [(r["action"], r["decision"]) for r in recs]
for want in [("quarantine.request", "requested"), ("quarantine.request", "refused"),
             ("quarantine.approve", "refused"), ("quarantine.approve", "approved"),
             ("quarantine.deny", "denied"), ("quarantine.release", "released"),
             ("quarantine.release", "refused"), ("quarantine.release", "tempfail"),
             ("quarantine.expire", "expired"), ("user.add", "ok"), ("user.disable", "ok"),
             ("user.set-role", "ok"), ("user.reset-password", "ok")]:
    assert want in acts, want
assert any("self-approval" in r["details"] for r in recs)
assert any("outside-unit" in r["details"] for r in recs)
assert any(r["action"] == "user.set-role" and "role_before" in r["details"] for r in recs)
assert any("Mamori.Test.EICAR" in r["details"] for r in recs)' "$T/log.json"
check "mamori log verify" M log verify

# TOTP second factors (My Number zone logins): enrolled by an administrator, the secret shown
# once as an otpauth:// URI, kept sealed; codes computed independently (RFC 6238 in Python)
# are accepted, wrong ones are not; pam_oath's usersfile is exported for the terminals.
expect "a staff member may not enrol second factors" 77 M user enrol-totp tanaka --as suzuki
expect "the administrator enrols tanaka" 0 M user enrol-totp tanaka --as admin
URI=$(grep '^otpauth://totp/mamori:tanaka?secret=' "$T/out")
check "the otpauth URI names the account, a 160-bit secret, SHA1, 6 digits, 30 s" python3 -c '
import base64, sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1]); q = urllib.parse.parse_qs(u.query)
assert u.path == "/mamori:tanaka" and q["digits"] == ["6"] and q["period"] == ["30"], u
assert len(base64.b32decode(q["secret"][0])) == 20' "$URI"
totp() { python3 -c '
import base64, hashlib, hmac, struct, sys, time, urllib.parse
q = urllib.parse.parse_qs(urllib.parse.urlparse(sys.argv[1]).query)
key = base64.b32decode(q["secret"][0])
t = int(time.time()) // 30 + int(sys.argv[2])
h = hmac.new(key, struct.pack(">Q", t), hashlib.sha1).digest()
o = h[-1] & 15
print("%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7fffffff) % 1000000))' "$URI" "$1"; }
expect "the current code (computed independently) is valid" 0 M user verify-totp tanaka "$(totp 0)"
expect "the previous step's code is accepted (clock drift)" 0 M user verify-totp tanaka "$(totp -1)"
expect "a code from ten minutes ago is not" 1 M user verify-totp tanaka "$(totp -20)"
expect "a wrong code is not valid" 1 M user verify-totp tanaka 000000
expect "kacho has no second factor" 65 M user verify-totp kacho 123456
secret_hex=$(python3 -c 'import base64,sys,urllib.parse; q=urllib.parse.parse_qs(urllib.parse.urlparse(sys.argv[1]).query); print(base64.b32decode(q["secret"][0]).hex())' "$URI")
check "the secret is not in the store in the clear" sh -c "! sqlite3 '$I/store.db' .dump | grep -qi '$secret_hex'"
expect "export pam_oath's usersfile" 0 M user export-oath -o "$T/users.oath" --as admin
check "usersfile: one line for tanaka, HOTP/T30/6, the secret in hex, mode 0600" sh -c \
    "test \"\$(stat -c %a '$T/users.oath')\" = 600 && grep -qx \"HOTP/T30/6	tanaka	-	$secret_hex\" '$T/users.oath' && test \$(wc -l <'$T/users.oath') -eq 1"
if command -v oathtool >/dev/null; then
    expect "oathtool's code from the exported secret is valid too" 0 M user verify-totp tanaka "$(oathtool --totp "$secret_hex")"
fi

# Purge: the original is gone for good.
expect "purge one original" 0 M quarantine purge "$CLEAN2" --as admin
expect "a purged original cannot be asked for" 65 M quarantine request "$CLEAN2" --as tanaka
check "its file is gone" sh -c "! find '$I/quarantine' -name '${CLEAN2#sha256:}' | grep -q ."
check "its sealed key is gone from the store" test "$(sqlite3 "$I/store.db" "select count(*) from original where id='$CLEAN2'")" -eq 0
tap_end
