#!/bin/sh
# The mail gateway with real parts: a private Postfix on loopback (smtpd_milters = mamorid,
# milter_default_action = tempfail) relaying to smtp-sink; corpus and hand-made messages sent
# with smtp-source; what the sink received checked by an independent reader (Python's email
# package); originals decrypted back; the audit log verified. Then failures: a hung worker, a
# killed worker, mamorid down, a full quarantine file system, a read-only instance — each
# must temp-fail (Postfix keeps or the client retries), never pass or lose a message. Also
# an independent milter client measures the reply latency over TCP and the unix socket (no
# 40 ms delayed-ACK stalls). Needs root (Postfix, mounts). Prints TAP.
# Usage: gateway.sh path/to/mamori path/to/source
set -u
export LANG=C.UTF-8 MAMORI_LANG=en
MAMORI=$1
SRC=$2
MAMORID=$(dirname "$MAMORI")/mamorid
CORPUS="$SRC/../shared/corpus/mail/messages"
. "$SRC/tests/lib/postfix.sh"
. "$SRC/tests/lib/tap.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/mamori-gw-XXXXXX")
chmod 755 "$T"
I="$T/inst"
MPID=
cleanup() {
    [ -n "$MPID" ] && kill -9 "$MPID" 2>/dev/null
    pf_stop "$T/pf"
    sink_stop "$T/sink"
    mountpoint -q "$I/quarantine" && umount "$I/quarantine"
    mountpoint -q "$T/full" && umount "$T/full"
    mountpoint -q "$I" && umount "$I"
    rm -rf "$T"
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ]; then
    not_ok "the gateway test runs Postfix and mounts file systems: it needs root"
    echo "1..$n"
    exit 1
fi
for p in postfix smtp-source smtp-sink python3; do
    command -v "$p" >/dev/null || { not_ok "$p is not installed (scripts/install-deps)"; echo "1..$n"; exit 1; }
done

SMTP=$(free_port)
SINK=$(free_port)
MTCP=$(free_port)
SOCK="$T/sock/milter.sock"
mkdir -p "$T/sock"
chmod 755 "$T/sock"

"$MAMORI" init "$I" >/dev/null 2>"$T/init.err" || not_ok "mamori init" "$(cat "$T/init.err")"
# The console (its own test, console.sh) stays off: its default ports are not this test's.
sed -i '/^console =/d; /^upload =/d' "$I/mamorid.conf"
check "mamori init writes the daemon configuration with the milter defaults" \
    grep -q '^milter = unix:run/milter.sock, inet:127.0.0.1:8891' "$I/mamorid.conf"
check "the quarantine key is 32 bytes, mode 0600" \
    test "$(stat -c '%s %a' "$I/keys/quarantine.key")" = "32 600"
check "mamorid --check reads the configuration" "$MAMORID" -C "$I" --check

start_mamorid() {
    readies=$(grep -c "ready" "$T/mamorid.log" 2>/dev/null)
    "$MAMORID" -C "$I" --milter "unix:$SOCK" --milter "inet:127.0.0.1:$MTCP" "$@" \
        >>"$T/mamorid.log" 2>&1 &
    MPID=$!
    for _ in $(seq 1 100); do
        [ "$(grep -c "ready" "$T/mamorid.log")" -gt "$readies" ] && [ -S "$SOCK" ] && return 0
        sleep 0.05
    done
    return 1
}
: >"$T/mamorid.log"
check "mamorid starts and listens on the unix socket and TCP" start_mamorid

sink_start "$T/sink" "$SINK"
pf_start "$T/pf" "$SMTP" "$SINK" "unix:$SOCK" || not_ok "Postfix starts" "$(tail -5 "$T/pf/maillog")"

sink_count() { find "$T/sink" -maxdepth 1 -name 'msg.*' -type f | wc -l; }
wait_delivered() { # count [seconds]
    for _ in $(seq 1 $((${2:-30} * 10))); do
        [ "$(sink_count)" -ge "$1" ] && [ "$(pf_queue_count "$T/pf")" -eq 0 ] && return 0
        sleep 0.1
    done
    return 1
}
send_file() { # file -> exit status of smtp-source (nonzero when the server refused)
    timeout 30 smtp-source -F "$1" -f sender@ext.example -t user@lgwan.example \
        "127.0.0.1:$SMTP" >"$T/source.out" 2>&1 && ! grep -q "fatal\|error" "$T/source.out"
}

# --- corpus and hand-made messages ------------------------------------------------------
# 20 with attachments, 20 with HTML, 20 in ISO-2022-JP (first of each in name order), each
# distinct in content and Message-ID (the corpus has copies), so every one can be counted.
list=$(python3 - "$CORPUS" <<'PY'
import email, hashlib, os, re, sys
d = sys.argv[1]
seen_h, seen_id, out = set(), set(), []
for pat in (rb"(?im)^content-disposition:\s*attachment", rb"(?i)text/html", rb"(?i)iso-2022-jp"):
    k = 0
    for name in sorted(os.listdir(d)):
        raw = open(os.path.join(d, name), "rb").read()
        if k == 20 or not re.search(pat, raw):
            continue
        h = hashlib.sha256(raw).hexdigest()
        mid = str(email.message_from_bytes(raw).get("Message-ID") or "")
        if h in seen_h or (mid and mid in seen_id) or not mid:
            continue
        seen_h.add(h); seen_id.add(mid); out.append(os.path.join(d, name)); k += 1
print("\n".join(out))
PY
)
check "60 distinct corpus messages chosen" test "$(echo "$list" | grep -c .)" -eq 60
mkdir -p "$T/hand"
EICAR='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
{
    printf 'From: =?ISO-2022-JP?B?GyRCOzBFRBsoQg==?= <sato@ext.example>\r\nTo: user@lgwan.example\r\n'
    printf 'Subject: invoice\r\nMIME-Version: 1.0\r\n'
    printf 'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
    printf -- '--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nSee http://evil.example/x\r\n'
    printf -- '--b1\r\nContent-Type: application/octet-stream; name="invoice.pdf.exe"\r\n'
    printf 'Content-Disposition: attachment; filename="invoice.pdf.exe"\r\n'
    printf 'Content-Transfer-Encoding: base64\r\n\r\n'
    printf '%s' "$EICAR" | base64 -w 76 | sed 's/$/\r/'
    printf -- '--b1--\r\n'
} >"$T/hand/eicar.eml"
{
    printf 'From: a@ext.example\r\nTo: user@lgwan.example\r\nSubject: html\r\n'
    printf 'MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n'
    printf '<html><body><p>Hello <b>there</b></p><script>alert(1)</script>'
    printf '<a href="https://phish.example/login">click</a></body></html>\r\n'
} >"$T/hand/html.eml"
sent=0
refused=0
for f in $list "$T/hand/eicar.eml" "$T/hand/html.eml"; do
    if send_file "$f"; then sent=$((sent + 1)); else refused=$((refused + 1)); fi
done
check "Postfix accepted all $((sent + refused)) messages through the milter" test "$refused" -eq 0
if wait_delivered "$sent" 60; then ok "all $sent messages reached the LGWAN side (smtp-sink)"; else
    not_ok "all $sent messages reached the LGWAN side" "sink=$(sink_count) queued=$(pf_queue_count "$T/pf")"; fi
"$MAMORI" -C "$I" quarantine list --json | python3 -c '
import json, sys
for o in json.load(sys.stdin): print(o["id"])' >"$T/kept.txt"
python3 "$SRC/tests/integration/check_sink.py" "$T/sink" "$T/kept.txt" >"$T/sink.json"
field() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, d))" "$T/sink.json" "$1"; }
check "every delivered message is one 7-bit text/plain part with the X-Mamori headers" \
    test "$(field 'len(unsafe)')" -eq 0
[ "$(field 'len(unsafe)')" -eq 0 ] || echo "# $(field 'unsafe[:3]')"
check "the sink counted $sent messages, none twice" test "$(field 'messages')-$(field 'duplicates')" = "$sent-0"
check "every X-Mamori-Original names an original kept in the quarantine" test "$(field 'not_kept')" -eq 0
check "no EICAR bytes anywhere on the LGWAN side" sh -c "! grep -rqF 'EICAR-STANDARD' '$T/sink'"
check "the double extension is shown, defanged link, no script" sh -c \
    "grep -l 'Subject: invoice' '$T'/sink/msg.* | head -1 | xargs python3 -c '
import email, sys
m = email.message_from_bytes(open(sys.argv[1], \"rb\").read())
t = m.get_payload(decode=True).decode()
assert \"invoice.pdf.exe\" in t and \"hxxp\" in t and \"http://evil\" not in t, t
'"
check "quarantine verify: every original decrypts to its id" "$MAMORI" -C "$I" quarantine verify
kept=$(wc -l <"$T/kept.txt")
check "one original kept per distinct message ($kept for $sent)" test "$kept" -eq "$sent"
"$MAMORI" -C "$I" log show --json >"$T/log.json"
count_action() { python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
recs = d["records"] if isinstance(d, dict) else d
print(sum(1 for r in recs if r["action"] == sys.argv[2] and (len(sys.argv) < 4 or sys.argv[3] in r["details"])))' "$T/log.json" "$@"; }
check "the audit log has one mail.sanitize record per message" test "$(count_action mail.sanitize)" -eq "$sent"
check "mamori log verify: the audit log is intact" "$MAMORI" -C "$I" log verify

# --- an independent milter client: latency over TCP and unix, the replies ------------
f1=$(echo "$list" | head -1)
python3 "$SRC/tests/integration/milter_client.py" "127.0.0.1:$MTCP" "$f1" 40 >"$T/tcp.json"
python3 "$SRC/tests/integration/milter_client.py" "unix:$SOCK" "$f1" 40 >"$T/unix.json"
lat() { python3 -c '
import json, sys
l = sorted(json.load(open(sys.argv[1]))["latencies_ms"])
print("%.2f %.2f %.2f" % (l[len(l)//2], l[int(len(l)*0.99)-1], l[-1]))' "$1"; }
echo "# milter reply latency (ms) p50 p99 max, TCP: $(lat "$T/tcp.json"); unix: $(lat "$T/unix.json")"
check "TCP: no reply waits for a delayed ACK (every message < 30 ms)" \
    python3 -c 'import json,sys; assert max(json.load(open(sys.argv[1]))["latencies_ms"]) < 30' "$T/tcp.json"
check "unix socket: every message < 30 ms" \
    python3 -c 'import json,sys; assert max(json.load(open(sys.argv[1]))["latencies_ms"]) < 30' "$T/unix.json"
check "the client sees every original header deleted and the sanitized ones added" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
names = [h[0].lower() for h in d["headers"]]
assert d["final"] == "c" and d["deleted_headers"] > 0, d
assert "x-mamori-sanitized" in names and "x-mamori-original" in names, names
assert all(ord(c) < 128 for c in d["body"])' "$T/tcp.json"

# --- fail closed ---------------------------------------------------------------------------
log_has() { # Postfix writes its log through postlogd: give it a moment
    for _ in $(seq 1 30); do grep -q "$1" "$T/pf/maillog" && return 0; sleep 0.1; done
    return 1
}
before=$(sink_count)
# A worker that hangs: the message is temp-failed at the time limit, the next one passes.
kill "$MPID"; wait "$MPID" 2>/dev/null; MPID=
sed -i 's/^worker_timeout = .*/worker_timeout = 2/; s/^workers = .*/workers = 1/' "$I/mamorid.conf"
start_mamorid || not_ok "mamorid restarts"
send_file "$T/hand/html.eml" # starts the worker
wait_delivered $((before + 1)) 10
child=$(pgrep -P "$MPID" | head -1)
kill -STOP "$child" 2>/dev/null
if send_file "$T/hand/html.eml"; then not_ok "a hung worker: the message is refused with 451"; else
    ok "a hung worker: the message is temp-failed (451), not passed"; fi
check "Postfix logged the milter's temporary failure" log_has "milter-reject: END-OF-MESSAGE .*4.7.1 mamori"
check "mamorid logged the worker timeout and stayed up" sh -c "grep -q 'worker-timeout' '$T/mamorid.log' && kill -0 $MPID"
kill -9 "$child" 2>/dev/null
check "the next message passes (a new worker)" send_file "$T/hand/html.eml"
# A worker killed while idle is replaced before the next message, which passes.
wait_delivered $((before + 2)) 10
kill -9 "$(pgrep -P "$MPID" | head -1)" 2>/dev/null
sleep 0.2
check "after kill -9 of the worker, the next message passes" send_file "$T/hand/html.eml"
check "both passed messages were delivered, the temp-failed one not" wait_delivered $((before + 3)) 10
check "no extra delivery" test "$(sink_count)" -eq $((before + 3))

# mamorid down: Postfix answers 451 (milter_default_action = tempfail); restarted, it passes.
kill -9 "$MPID"; wait "$MPID" 2>/dev/null; MPID=
before=$(sink_count)
if send_file "$T/hand/eicar.eml"; then not_ok "mamorid down: the message is refused"; else
    ok "mamorid down: the message is temp-failed, not passed unsanitized"; fi
check "nothing reached the LGWAN side meanwhile" test "$(sink_count)" -eq "$before"
check "mamorid starts again after kill -9 (stale socket replaced)" start_mamorid
check "the retried message passes sanitized" send_file "$T/hand/eicar.eml"
wait_delivered $((before + 1)) 10

# The quarantine file system is full: temp-fail, then pass once there is room.
before=$(sink_count)
# Filled before it is put in place, so nothing in flight lands on it and vanishes with it.
mkdir -p "$T/full"
mount -t tmpfs -o size=128k tmpfs "$T/full"
dd if=/dev/zero of="$T/full/fill" bs=4k count=64 2>/dev/null
mount --bind "$T/full" "$I/quarantine"
python3 -c "open('$T/hand/big.eml','w').write('From: a@ext.example\r\nSubject: big\r\n\r\n' + ('x' * 70 + '\r\n') * 3000)"
if send_file "$T/hand/big.eml"; then not_ok "quarantine full: refused"; else ok "quarantine full: temp-failed (451)"; fi
check "mamorid named the cause (disk-full)" grep -q "disk-full" "$T/mamorid.log"
umount "$I/quarantine"
umount "$T/full"
check "with room again, the message passes" send_file "$T/hand/big.eml"
check "and is delivered once" wait_delivered $((before + 1)) 10

# The store unavailable (another process holds its write lock past the busy timeout of
# 10 s): temp-fail; released: pass.
before=$(sink_count)
python3 -c "open('$T/hand/locked.eml','w').write('From: a@ext.example\r\nSubject: locked\r\n\r\nnew text\r\n')"
(printf 'BEGIN IMMEDIATE;\n'; sleep 13; printf 'ROLLBACK;\n') | sqlite3 "$I/store.db" &
LOCKER=$!
sleep 0.5
if send_file "$T/hand/locked.eml"; then not_ok "store locked: refused"; else ok "store unavailable: temp-failed (451)"; fi
check "mamorid named the cause (store-error)" grep -q "store-error" "$T/mamorid.log"
wait "$LOCKER"
check "store available again: the message passes" send_file "$T/hand/locked.eml"
check "and is delivered once" wait_delivered $((before + 1)) 10

# The instance's file system made read-only under the running daemon (a bind mount of the
# instance remounted read-only): temp-fail; writable again: pass.
before=$(sink_count)
python3 -c "open('$T/hand/ro.eml','w').write('From: a@ext.example\r\nSubject: read-only\r\n\r\nro text\r\n')"
mount --bind "$I" "$I" && mount -o remount,bind,ro "$I"
if send_file "$T/hand/ro.eml"; then not_ok "read-only instance: refused"; else ok "read-only instance: temp-failed (451)"; fi
check "mamorid named the cause (read-only)" grep -q "(read-only:" "$T/mamorid.log"
umount "$I"
check "writable again: the message passes" send_file "$T/hand/ro.eml"
check "and is delivered once" wait_delivered $((before + 1)) 10

# The quarantine key unreadable: temp-fail (nothing is kept unencrypted, nothing passes).
before=$(sink_count)
mv "$I/keys/quarantine.key" "$T/qkey"
python3 -c "open('$T/hand/nokey.eml','w').write('From: a@ext.example\r\nSubject: no key\r\n\r\ntext\r\n')"
if send_file "$T/hand/nokey.eml"; then not_ok "no quarantine key: refused"; else ok "quarantine key unreadable: temp-failed (451)"; fi
mv "$T/qkey" "$I/keys/quarantine.key"
check "key back: the message passes" send_file "$T/hand/nokey.eml"
check "and is delivered once" wait_delivered $((before + 1)) 10
"$MAMORI" -C "$I" log show --json >"$T/log.json"
check "temporary failures are in the audit log with their reasons" \
    test "$(count_action mail.tempfail worker-timeout)" -ge 1
check "the audit log is intact after the failures" "$MAMORI" -C "$I" log verify
check "every original still decrypts to its id" "$MAMORI" -C "$I" quarantine verify

# --- policy reload and clean stop ------------------------------------------------------------
before=$(sink_count)
cp "$I/mamori.yaml" "$T/policy.orig"
# A trusted partner: its links are kept, its mail is still converted to text.
python3 - "$I/mamori.yaml" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read().replace("sanitize:\n", "sanitize:\n  senders:\n    - {domain: partner.example, urls: keep}\n", 1)
open(p, "w").write(s)
PY
kill -HUP "$MPID"
sleep 0.5
check "SIGHUP reloads the policy" grep -q "policy reloaded" "$T/mamorid.log"
{
    printf 'From: a@partner.example\r\nTo: user@lgwan.example\r\nSubject: url\r\nMIME-Version: 1.0\r\n'
    printf 'Content-Type: multipart/mixed; boundary="p"\r\n\r\n--p\r\n'
    printf 'Content-Type: text/plain\r\n\r\nsee https://partner.example/doc\r\n--p\r\n'
    printf 'Content-Type: application/pdf; name="doc.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
    printf '%%PDF-1.4 partner' | base64
    printf '\r\n--p--\r\n'
} >"$T/hand/url.eml"
timeout 30 smtp-source -F "$T/hand/url.eml" -f a@partner.example -t user@lgwan.example "127.0.0.1:$SMTP" >/dev/null 2>&1
send_file "$T/hand/url.eml" # from sender@ext.example: not the partner
wait_delivered $((before + 2)) 10
check "the partner's links are kept, its attachment still removed; others' links defanged" sh -c "grep -l 'Subject: url' '$T'/sink/msg.* | xargs python3 -c '
import email, sys
seen = set()
for f in sys.argv[1:]:
    m = email.message_from_bytes(open(f, \"rb\").read())
    t = m.get_payload(decode=True).decode()
    assert \"attachments-removed=1\" in m[\"X-Mamori-Sanitized\"], m[\"X-Mamori-Sanitized\"]
    seen.add(\"https://partner.example/doc\" in t)
assert seen == {True, False}, seen'"
check "the audit log names the sender rule applied" sh -c "'$MAMORI' -C '$I' log show --json | grep -q 'sender_rule'"
echo "version: [broken" >"$I/mamori.yaml"
kill -HUP "$MPID"
sleep 0.5
check "a broken policy is refused on reload; the old one stays" grep -q "keeping the old one" "$T/mamorid.log"
check "and mail still passes" send_file "$T/hand/html.eml"
cp "$T/policy.orig" "$I/mamori.yaml"
kill -TERM "$MPID"
rc=0
wait "$MPID" || rc=$?
MPID=
check "SIGTERM stops mamorid cleanly (exit 0)" test "$rc" -eq 0
check "the audit log verifies after the stop" "$MAMORI" -C "$I" log verify

tap_end
