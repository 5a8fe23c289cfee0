#!/bin/sh
# The mamori command as a user drives it: init, policy check, flow check with --record,
# every log command, offline verification of an export, and tampering with the store on disk
# caught by `mamori log verify`. Prints TAP.
# Usage: cli.sh path/to/mamori path/to/source
set -u
MAMORI=$1
SRC=$2
EXAMPLE="$SRC/examples/city/mamori.yaml"
T=$(mktemp -d "${TMPDIR:-/tmp}/mamori-cli-XXXXXX")
trap 'rm -rf "$T"' EXIT
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
# check NAME EXPECTED-EXIT COMMAND...: runs COMMAND, keeps stdout in $T/out, stderr in $T/err
check() {
    name=$1 want=$2
    shift 2
    "$@" >"$T/out" 2>"$T/err"
    rc=$?
    if [ "$rc" -eq "$want" ]; then ok "$name"; else not_ok "$name" "exit $rc, want $want" "$(head -5 "$T/err")"; fi
}
# expect NAME FILE PATTERN: the file has a line matching PATTERN (grep -E)
expect() {
    if grep -Eq -- "$3" "$2"; then ok "$1"; else not_ok "$1" "no line matching: $3" "$(head -5 "$2")"; fi
}

export LANG=C.UTF-8 MAMORI_LANG=en
unset MAMORI_HOME

# --- policy check ------------------------------------------------------------------------
check "example policy checks clean" 0 "$MAMORI" policy check "$EXAMPLE"
check "a broken policy exits 1" 1 "$MAMORI" policy check "$SRC/tests/data/policy/bad/mynumber-internet.yaml"
expect "diagnostics are FILE:LINE:COL with the clause" "$T/out" \
    "mynumber-internet.yaml:8:5: error: flow 'leak': nothing may flow between mynumber and internet .*6\(3\)①"
check "policy check --json" 1 "$MAMORI" policy check --json "$SRC/tests/data/policy/bad/undefined-ref.yaml"
expect "json names the line" "$T/out" '"valid":false,.*"line":[0-9]+,"col":[0-9]+,"severity":"error"'
check "a missing file is EX_NOINPUT-like (1 with a message)" 1 "$MAMORI" policy check "$T/nope.yaml"
expect "the message says it cannot be read" "$T/out" "nope.yaml: error: cannot read"

# Japanese is the default language for people.
check "policy check in Japanese" 1 env -u MAMORI_LANG LANG=C.UTF-8 "$MAMORI" policy check "$SRC/tests/data/policy/bad/mynumber-internet.yaml"
expect "the diagnostic is in Japanese with the clause" "$T/out" \
    "mynumber-internet.yaml:8:5: error: 通信規則 'leak': マイナンバー利用事務系とインターネット接続系の間は.*［基本方針 6\\(3\\)①］"
check "an error message in Japanese" 65 env -u MAMORI_LANG "$MAMORI" flow check nowhere lgwan smtp
expect "it says what is wrong, in Japanese" "$T/err" "'nowhere' はゾーン・セグメント・システムの名前でもIPアドレスでもありません"

# --- flow check without an instance (the example city) ------------------------------------
check "flow check internet lgwan smtp" 0 "$MAMORI" flow check internet lgwan smtp
expect "internet mail reaches LGWAN as text" "$T/out" "^mail_text rule=mail-in clause=6\(3\)②$"
check "flow check mynumber internet https" 0 "$MAMORI" flow check mynumber internet https
expect "My Number never reaches the internet" "$T/out" "^deny rule=default clause=6\(3\)①$"
check "flow check by address" 0 "$MAMORI" flow check 10.10.0.30 10.20.0.30 tcp/443
expect "the pinned exception is found by address" "$T/out" "^pinned_exception rule=chukan clause=6\(3\)①$"
check "flow check --json" 0 "$MAMORI" flow check --json internet mynumber smtp
expect "json verdict" "$T/out" '"verdict":"deny","method":"deny","rule":"no-internet-to-mynumber","clause":"6\(3\)①"'
check "an unknown endpoint is a data error" 65 "$MAMORI" flow check nowhere lgwan smtp
check "wrong number of words is a usage error" 64 "$MAMORI" flow check internet lgwan
check "an option a command does not take" 64 "$MAMORI" flow check --since 3 internet lgwan smtp
check "an unknown command" 64 "$MAMORI" frobnicate

# --- instance ----------------------------------------------------------------------------
I="$T/city"
check "init creates an instance" 0 "$MAMORI" init "$I"
if [ -f "$I/mamori.yaml" ] && [ -f "$I/store.db" ] && [ -d "$I/quarantine" ] && [ -d "$I/spool" ]; then
    ok "instance layout"
else
    not_ok "instance layout" "$(ls -la "$I")"
fi
mode=$(stat -c %a "$I/keys/audit.key")
if [ "$mode" = 600 ]; then ok "signing key is 0600"; else not_ok "signing key is 0600" "mode $mode"; fi
check "init refuses an existing instance" 73 "$MAMORI" init "$I"
check "init refuses a broken policy" 65 "$MAMORI" init "$T/other" --policy "$SRC/tests/data/policy/bad/overlap.yaml"
if [ ! -e "$T/other/store.db" ]; then ok "nothing created for a broken policy"; else not_ok "nothing created for a broken policy"; fi

check "flow check --record" 0 "$MAMORI" -C "$I" flow check --record --as tanaka internet lgwan smtp
check "a second decision recorded" 0 "$MAMORI" -C "$I" flow check --record lgwan internet https
check "MAMORI_HOME works like -C" 0 env MAMORI_HOME="$I" "$MAMORI" flow check --record mynumber lgwan https
check "log show --json" 0 "$MAMORI" -C "$I" log show --json
expect "the init record is first" "$T/out" '^\[\{"seq":0,"time":"[0-9T:.-]+Z","actor":"system","action":"instance.init"'
expect "the recorded decision names actor, decision and clause" "$T/out" \
    '"seq":1,[^}]*"actor":"tanaka","action":"flow.check","object":"internet -> lgwan smtp","decision":"mail_text","clause":"6\(3\)②"'
expect "the denied flow is recorded as deny" "$T/out" '"seq":3,[^}]*"decision":"deny","clause":"6\(3\)①"'
check "log verify on an intact log" 0 "$MAMORI" -C "$I" log verify
expect "verify says intact with 4 records" "$T/out" "intact 4 records"
check "log prove 2" 0 "$MAMORI" -C "$I" log prove 2 --json
expect "the proof has a path" "$T/out" '"seq":2,"tree_size":4,.*"inclusion_path":\["[0-9a-f]{64}","[0-9a-f]{64}"\]'
check "log prove past the end" 65 "$MAMORI" -C "$I" log prove 99
check "log consistency 1 4" 0 "$MAMORI" -C "$I" log consistency 1 4 --json
expect "consistency path" "$T/out" '"old_size":1,"new_size":4,.*"consistency_path":\['
check "log checkpoint" 0 "$MAMORI" -C "$I" log checkpoint -o "$T/witness.txt"
expect "checkpoint is a signed note of size 4" "$T/witness.txt" "^4$"
check "log export" 0 "$MAMORI" -C "$I" log export -o "$T/log.export"
check "offline verify of the export" 0 "$MAMORI" log verify --file "$T/log.export" --key "$I/keys/audit.pub" --checkpoint "$T/witness.txt"

# Tamper with a stored record on disk: the verifier names it.
sqlite3 "$I/store.db" "UPDATE audit_record SET body = CAST(replace(CAST(body AS TEXT), 'tanaka', 'suzuki') AS BLOB) WHERE seq = 1" 2>"$T/err"
check "log verify after tampering exits 1" 1 "$MAMORI" -C "$I" log verify
expect "it names record 1" "$T/out" "first bad record 1: record 1 does not match its stored hash"
check "the export taken before still verifies offline" 0 "$MAMORI" log verify --file "$T/log.export" --key "$I/keys/audit.pub"

# A damaged export is refused.
head -c 200 "$T/log.export" >"$T/cut.export"
check "a cut export fails" 1 "$MAMORI" log verify --file "$T/cut.export" --key "$I/keys/audit.pub"

# --- sanitize mail -----------------------------------------------------------------------
D="$SRC/tests/data/mail"
check "sanitize mail from standard input" 0 sh -c "\"$MAMORI\" sanitize mail < \"$D/ppap-encrypted-zip.eml\""
expect "the output says what was done" "$T/out" "^X-Mamori-Sanitized: text-converted attachments-removed=1$"
expect "and names the original" "$T/out" "^X-Mamori-Original: sha256:[0-9a-f]{64}$"
expect "one text/plain UTF-8 part" "$T/out" "^Content-Type: text/plain; charset=UTF-8$"
if LC_ALL=C grep -q "$(printf '[\200-\377]')" "$T/out"; then not_ok "the output is 7-bit"; else ok "the output is 7-bit"; fi
check "sanitize mail -o and --report" 0 "$MAMORI" sanitize mail "$D/iso2022jp-nec.eml" -o "$T/nec.out" --report "$T/nec.json"
expect "the report has the decoded subject" "$T/nec.json" '"subject": "①㈱Ⅰ№～ test"'
expect "the report lists the verdict" "$T/nec.json" '"verdict": "sanitized"'
check "a held message still exits 0 with a notice" 0 "$MAMORI" sanitize mail "$D/conflicting-content-type.eml" -o "$T/held.out"
expect "the notice says held and why" "$T/held.out" "^X-Mamori-Sanitized: held reason=conflicting-header$"
check "batch into a directory" 0 "$MAMORI" sanitize mail "$D/plain-ascii.eml" "$D/zip-as-text.eml" --out-dir "$T/batch" --report "$T/batch.json"
if [ -f "$T/batch/plain-ascii.eml" ] && [ -f "$T/batch/zip-as-text.eml" ]; then ok "one output per input"; else not_ok "one output per input" "$(ls "$T/batch")"; fi
expect "the batch report is an array with both" "$T/batch.json" '"input": ".*zip-as-text.eml"'
check "several inputs without --out-dir is a usage error" 64 "$MAMORI" sanitize mail "$D/plain-ascii.eml" "$D/zip-as-text.eml"
check "an unreadable input exits 65" 65 "$MAMORI" sanitize mail "$T/no-such.eml" -o "$T/x.out"
if [ ! -e "$T/x.out" ]; then ok "nothing written for an unreadable input"; else not_ok "nothing written for an unreadable input"; fi
check "the policy's url mode applies (keep)" 0 sh -c "sed 's/  urls: defang/  urls: keep/' \"$EXAMPLE\" > \"$T/keep.yaml\" && \"$MAMORI\" sanitize mail --policy \"$T/keep.yaml\" \"$D/plain-ascii.eml\" | sed '1,/^\$/d' | base64 -d"
expect "URLs kept as written" "$T/out" "https://docs.example.com/a/b"
check "and by default they are defanged" 0 sh -c "\"$MAMORI\" sanitize mail \"$D/plain-ascii.eml\" | sed '1,/^\$/d' | base64 -d"
expect "hxxps[:]// in the text" "$T/out" "hxxps\\[:\\]//docs\\[\\.\\]example"

I2="$T/city2"
check "a second instance" 0 "$MAMORI" init "$I2"
check "sanitize mail --record into the instance's log" 0 "$MAMORI" -C "$I2" sanitize mail --record --as gateway "$D/ppap-encrypted-zip.eml" -o "$T/rec.out"
check "log show after a recorded sanitize" 0 "$MAMORI" -C "$I2" log show --json
expect "the decision is in the log with its report" "$T/out" '"actor":"gateway","action":"mail.sanitize","object":"[^"]*","decision":"sanitized","clause":"6\(3\)②","details":"\{.*mitsumori.zip'
check "the log still verifies" 0 "$MAMORI" -C "$I2" log verify

# --- matrix ------------------------------------------------------------------------------
check "policy matrix in Japanese" 0 "$MAMORI" --lang ja policy matrix --policy "$EXAMPLE"
expect "matrix shows メールテキスト化 for internet to LGWAN" "$T/out" "メールテキスト化 +smtp +internet → lgwan \(mail-in\)"
check "policy matrix --json" 0 "$MAMORI" policy matrix --json --policy "$EXAMPLE"
expect "matrix json" "$T/out" '"network_model":"alpha"'

# --- firewall (compiling needs no root; tests/integration/netns.sh puts it on the wire) ---
check "fw compile of the example city" 0 "$MAMORI" fw compile --policy "$EXAMPLE" -o "$T/city.nft"
# (line 2 names the policy file as given on the command line)
sed 2d "$T/city.nft" >"$T/city.body"
sed 2d "$SRC/tests/data/fw/example.nft" >"$T/golden.body"
if cmp -s "$T/city.body" "$T/golden.body"; then ok "the ruleset is the reviewed one (tests/data/fw/example.nft)"
else not_ok "the ruleset is the reviewed one (tests/data/fw/example.nft)" "$(diff "$T/golden.body" "$T/city.body" | head -8)"; fi
expect "the pinned exception carries the MAC" "$T/city.nft" 'ip saddr \{ 10\.10\.0\.30 \} .*ether saddr \{ [0-9a-f:, ]+ \} tcp dport \{ 443 \} accept comment "chukan"'
expect "the internet zone is everything outside the private zones" "$T/city.nft" 'ip saddr != @z_private_v4 ip daddr != @z_private_v4 accept'
expect "the default drops and logs to nflog group 7 (mamorid's monitor)" "$T/city.nft" 'log group 7 prefix "mamori:deny:default " drop'
if grep -Eq '^[[:space:]]+(meta nfproto ipv6 )?accept' "$T/city.nft"; then not_ok "no rule accepts without an address test" "$(grep -En '^[[:space:]]+(meta nfproto ipv6 )?accept' "$T/city.nft")"
else ok "no rule accepts without an address test"; fi
check "fw compile --format json" 0 "$MAMORI" fw compile --format json --policy "$EXAMPLE"
expect "json names each rule with its clause" "$T/out" '"id": "chukan",'
check "fw compile --format xml is a usage error" 64 "$MAMORI" fw compile --format xml --policy "$EXAMPLE"
expect "... naming the option" "$T/err" "--format"
check "fw compile of a broken policy exits 78 and compiles nothing" 78 "$MAMORI" fw compile --policy "$SRC/tests/data/policy/bad/mynumber-internet.yaml"
if [ -s "$T/out" ]; then not_ok "... with nothing on stdout" "$(head -3 "$T/out")"; else ok "... with nothing on stdout"; fi

check "fw apply without an instance is a usage error" 64 "$MAMORI" fw apply --policy "$EXAMPLE"
expect "... saying why" "$T/err" "needs an instance"

# fw verify on rulesets read back from a kernel (nft -j list table inet mamori, saved in
# tests/data/fw/live-*.json; tests/integration/netns.sh does the same on a live router)
F="$SRC/tests/data/fw"
check "fw verify: the applied ruleset matches" 0 "$MAMORI" fw verify --policy "$EXAMPLE" --file "$F/live-example.json"
expect "... and says so" "$T/out" "matches the policy"
check "fw verify: a rule added by hand is excess (exit 1)" 1 "$MAMORI" fw verify --policy "$EXAMPLE" --file "$F/live-hand-rule.json"
expect "... by zone pair and service, naming the live rule" "$T/out" '^excess lgwan -> internet tcp/22 .*live=added by hand policy=default'
expect "... also towards My Number" "$T/out" '^excess lgwan -> mynumber tcp/22 '
if grep -q -- '-> lgwan' "$T/out"; then not_ok "... and nothing inside LGWAN (lgwan-internal allows it)" "$(cat "$T/out")"; else ok "... and nothing inside LGWAN (lgwan-internal allows it)"; fi
check "fw verify: a deleted allow rule is reported, not excess (exit 0)" 0 "$MAMORI" fw verify --policy "$EXAMPLE" --file "$F/live-mail-in-deleted.json"
expect "... as missing, naming the policy rule" "$T/out" '^missing dmz -> lgwan tcp/25 .*policy=mail-in'
# (live-chukan-no-mac.json: live-example.json with the MAC match taken out of the pinned rule)
check "fw verify: the pinned exception without its MAC is excess" 1 "$MAMORI" fw verify --policy "$EXAMPLE" --file "$F/live-chukan-no-mac.json"
expect "... from other MAC addresses, between the pinned hosts" "$T/out" '^excess mynumber -> lgwan tcp/443 \(e\.g\. 10\.10\.0\.30 -> 10\.20\.0\.30\) live=chukan policy=default$'
check "fw verify: a rule mamori cannot follow (jump) fails" 1 "$MAMORI" fw verify --policy "$EXAMPLE" --file "$F/live-jump.json"
expect "... naming it" "$T/out" "cannot check: rule handle [0-9]+: jump"
echo '{"nftables": []}' >"$T/empty.json"
check "fw verify: no table loaded fails" 1 "$MAMORI" fw verify --policy "$EXAMPLE" --file "$T/empty.json"
expect "... saying the zones are not separated" "$T/out" "no mamori firewall is loaded"
check "fw verify --json" 1 "$MAMORI" fw verify --json --policy "$EXAMPLE" --file "$F/live-hand-rule.json"
expect "... lists the differences" "$T/out" '"ok":false,.*"kind":"excess","from":"lgwan","to":"internet","service":"tcp/22"'
if [ "$(id -u)" -eq 0 ]; then
    # without CAP_NET_ADMIN the live table cannot be read: that is not "no firewall"
    check "fw verify without the right to read the ruleset exits 77" 77 setpriv --reuid=65534 --regid=65534 --clear-groups "$MAMORI" fw verify --policy "$EXAMPLE"
    expect "... saying it needs CAP_NET_ADMIN" "$T/err" "cannot read the live firewall \(this needs CAP_NET_ADMIN"
    if grep -q "no mamori firewall" "$T/out"; then not_ok "... and not that no firewall is loaded"; else ok "... and not that no firewall is loaded"; fi
fi
echo 'not json' >"$T/bad.json"
check "fw verify: not JSON exits 65" 65 "$MAMORI" fw verify --policy "$EXAMPLE" --file "$T/bad.json"
expect "... naming the file" "$T/err" "bad.json: not an nftables JSON ruleset"

# --- check time: compared with an independent reading of the kernel clock state ----------
"$MAMORI" check time --json >"$T/time.json" 2>"$T/err"
rc=$?
python3 - "$T/time.json" "$rc" >"$T/time.cmp" 2>&1 <<'PY'
import ctypes, json, sys
class Timeval(ctypes.Structure):
    _fields_ = [("sec", ctypes.c_long), ("usec", ctypes.c_long)]
class Timex(ctypes.Structure):  # struct timex, Linux x86-64
    _fields_ = [("modes", ctypes.c_uint), ("offset", ctypes.c_long), ("freq", ctypes.c_long),
                ("maxerror", ctypes.c_long), ("esterror", ctypes.c_long), ("status", ctypes.c_int),
                ("constant", ctypes.c_long), ("precision", ctypes.c_long),
                ("tolerance", ctypes.c_long), ("time", Timeval), ("tick", ctypes.c_long),
                ("ppsfreq", ctypes.c_long), ("jitter", ctypes.c_long), ("shift", ctypes.c_int),
                ("stabil", ctypes.c_long), ("jitcnt", ctypes.c_long), ("calcnt", ctypes.c_long),
                ("errcnt", ctypes.c_long), ("stbcnt", ctypes.c_long), ("tai", ctypes.c_int),
                ("pad", ctypes.c_int * 11)]
t = Timex()
state = ctypes.CDLL(None).adjtimex(ctypes.byref(t))
synced = state != 5 and not (t.status & 0x40)
got = json.load(open(sys.argv[1]))
want_ok = synced and t.maxerror <= 1000000
problems = []
if got["synchronised"] != synced: problems.append("synchronised %s, kernel says %s" % (got["synchronised"], synced))
if abs(got["max_error_us"] - t.maxerror) > 100000: problems.append("max error %d, kernel %d" % (got["max_error_us"], t.maxerror))
if got["ok"] != want_ok or (int(sys.argv[2]) == 0) != want_ok: problems.append("verdict %s exit %s, want ok=%s" % (got["ok"], sys.argv[2], want_ok))
if not want_ok and not got["reason"]: problems.append("a failure without a reason")
print("; ".join(problems) or "agree (synchronised=%s, max error %d us)" % (synced, t.maxerror))
sys.exit(1 if problems else 0)
PY
if [ $? -eq 0 ]; then ok "check time agrees with the kernel: $(cat "$T/time.cmp")"; else not_ok "check time agrees with the kernel" "$(cat "$T/time.cmp")"; fi
check "check time (text) exits like --json" "$rc" "$MAMORI" check time
expect "... and shows the maximum error and its limit" "$T/out" "^maximum error: [0-9.]+ ms \(limit 1000 ms\)"

echo "1..$n"
[ "$failed" -eq 0 ]
