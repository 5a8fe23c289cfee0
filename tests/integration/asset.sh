#!/bin/sh
# 情報資産台帳: the register through the CLI and the console, on the example city's policy.
#   - a city's own 台帳 (500 rows, CP932, its own column names, the older 3-level scheme) made
#     by this test: a dry run lists every bad row by row and column, nothing is written while
#     any row is bad, then the fixed file imports all at once;
#   - export (CP932 and UTF-8 CSV, XLSX read back by openpyxl) and import into a second
#     instance give the same register (round trip);
#   - rules: a combined asset takes the highest level per axis and follows a reclassified
#     part, with history; restrictions derived; an override needs a reason;
#   - lifecycle events: carrying a 機密性2+ asset waits for the section manager of its unit,
#     never its requester, another unit's manager or another role; disposal records date,
#     person and method; 機密性1 events are recorded at once;
#   - risks: impact from the class, acceptance by risk.accept's role with an expiry;
#   - every change in the audit log, which verifies;
#   - the console's register pages in Debian's Chromium (tests/browser/assets.mjs).
# Prints TAP. Usage: asset.sh path/to/mamori path/to/source
set -u
export LANG=C.UTF-8 MAMORI_LANG=en
MAMORI=$1
SRC=$2
MAMORID=$(dirname "$MAMORI")/mamorid
. "$SRC/tests/lib/tap.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/mamori-asset-XXXXXX")
I="$T/inst"
MPID=
cleanup() {
    [ -n "$MPID" ] && kill "$MPID" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
M() { "$MAMORI" -C "$I" "$@"; }
expect() { # description, expected exit status, command...
    d=$1 want=$2; shift 2
    "$@" >"$T/out" 2>&1
    got=$?
    if [ "$got" -eq "$want" ]; then ok "$d"; else not_ok "$d" "exit $got, wanted $want: $*" "$(head -5 "$T/out")"; fi
}
has() { # description, file, fixed string
    if grep -qF -- "$3" "$2"; then ok "$1"; else not_ok "$1" "no '$3' in:" "$(head -5 "$2")"; fi
}
json() { # python expression over j (the JSON of file $1)
    /usr/bin/python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print(($2))" "$1"
}

M init "$I" >/dev/null 2>&1
printf 'correct horse battery staple\n' >"$T/pw"
M user add admin --role system_admin --unit somu-johoseisaku --password-file "$T/pw" >/dev/null
add() { M user add "$1" --role "$2" --unit "$3" --password-file "$T/pw" --as admin >/dev/null; }
add tokatsu general_manager somu
add kacho section_manager shimin-shimin
add zeikacho section_manager shimin-zeimu
add bucho dept_manager shimin
add shokuin staff shimin-shimin
add jimu system_staff shimin-shimin
add kansa auditor somu-somu
M user enrol-totp kacho --as admin 2>/dev/null | sed -n 's/.*secret=\([A-Z2-7]*\).*/\1/p' >"$T/totp.kacho"

# --- a city's own 台帳: dry run, all or nothing, then the import ---------------------------
/usr/bin/python3 "$SRC/tests/integration/asset_samples.py" "$T" --rows 500 --bad "$T/expected.tsv"
M asset import "$T/old.csv" --mapping "$T/old.map" --dry-run --json --as tokatsu \
    >"$T/dry-only.json" 2>"$T/err"
rc=$?
if [ "$rc" -eq 65 ]; then ok "a 台帳 with bad rows is refused (exit 65)"; else not_ok "a 台帳 with bad rows is refused (exit 65)" "exit $rc" "$(head -3 "$T/err")"; fi
missing=$(/usr/bin/python3 - "$T/dry-only.json" "$T/expected.tsv" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
got = {(p["row"], p.get("column")) for p in j["problems"]}
want = [tuple(l.split("\t")) for l in open(sys.argv[2]).read().split("\n") if l]
print(" ".join(f"{r}/{c}" for r, c in want if (int(r), c) not in got) or "none")
EOF
)
if [ "$missing" = none ]; then ok "the dry run names every bad row by row number and column"; else not_ok "the dry run names every bad row by row number and column" "missing: $missing"; fi
check "the dry run reads the file as CP932" sh -c "grep -q '\"encoding\": \"CP932\"' '$T/dry-only.json'"
check "problems are said in Japanese with MAMORI_LANG=ja" sh -c \
    "MAMORI_LANG=ja '$MAMORI' -C '$I' asset import '$T/old.csv' --mapping '$T/old.map' --dry-run --as tokatsu 2>&1 | grep -q '行 502、列 機密:'"
M asset list --json >"$T/list.json"
check "nothing was written while any row was bad" test "$(json "$T/list.json" 'len(j)')" = 0
expect "without --dry-run the same file is refused just the same" 65 M asset import "$T/old.csv" \
    --mapping "$T/old.map" --as tokatsu
M asset list --json >"$T/list.json"
check "... and still nothing was written (all or nothing)" test "$(json "$T/list.json" 'len(j)')" = 0
/usr/bin/python3 "$SRC/tests/integration/asset_samples.py" "$T" --rows 500
M asset import "$T/old.csv" --mapping "$T/old.map" --json --as tokatsu >"$T/imp.json" 2>"$T/err"
rc=$?
if [ "$rc" -eq 0 ]; then ok "the fixed 台帳 (500 rows) imports"; else not_ok "the fixed 台帳 (500 rows) imports" "exit $rc" "$(head -3 "$T/err")"; fi
check "500 added, 0 changed" test "$(json "$T/imp.json" 'j["added"], j["changed"]')" = "(500, 0)"
check "the older scheme's 3 was mapped by the policy's aliases and counted" \
    test "$(json "$T/imp.json" 'j["levels_from_aliases"] > 0')" = True
M asset show OLD-00003 --json >"$T/a3.json"
check "old level '3' / '機密性3' became 3B (examples/city/mamori.yaml aliases)" sh -c \
    "/usr/bin/python3 -c \"import json,sys; j=json.load(open('$T/a3.json')); c=j['asset']['conf']; assert c in ('3B','2','1'), c\""
M asset show OLD-00007 --json >"$T/a7.json"
M asset show OLD-00011 --json >"$T/a11.json"
check "the city's own words map the old 3 onto 3A and 3C (the mapping file)" test \
    "$(json "$T/a7.json" 'j["asset"]["conf"]') $(json "$T/a11.json" 'j["asset"]["conf"]')" = "3A 3C"
M asset show OLD-00050 --json >"$T/a50.json"
check "NEC special characters survive the CP932 import (①㈱Ⅲ№～)" sh -c \
    "grep -q '①㈱Ⅲ№～' '$T/a50.json'"
M asset show OLD-00097 --json >"$T/a97.json"
check "a note that looks like a formula is kept as text" sh -c "grep -q '=HYPERLINK' '$T/a97.json'"
expect "importing the same file again changes nothing" 0 M asset import "$T/old.csv" \
    --mapping "$T/old.map" --as tokatsu
has "... and says so" "$T/out" "0 added, 0 changed"
expect "a system administrator may not import other units' assets" 65 M asset import "$T/old.csv" \
    --mapping "$T/old.map" --as admin
has "... and is told which rows and unit" "$T/out" "may not register assets of unit"

# --- export and round trip ------------------------------------------------------------------
expect "export as CP932 CSV" 0 M asset export -o "$T/export.csv"
check "the export is CP932 (iconv reads it)" sh -c "iconv -f CP932 -t UTF-8 '$T/export.csv' >'$T/export.utf8'"
check "the export has Japanese headers and the asset number first" sh -c \
    "head -1 '$T/export.utf8' | grep -q '^資産番号,名称,種別,所管課'"
check "a formula-looking note is written guarded ('=...)" sh -c "grep -q \"\\\"'=HYPERLINK\" '$T/export.utf8'"
"$MAMORI" init "$T/inst2" >/dev/null 2>&1
"$MAMORI" -C "$T/inst2" user add tokatsu --role general_manager --unit somu --password-file "$T/pw" >/dev/null
expect "the export imports into another instance" 0 "$MAMORI" -C "$T/inst2" asset import "$T/export.csv" --as tokatsu
"$MAMORI" -C "$T/inst2" asset export -o "$T/export2.csv"
check "export → import → export is lossless (every field of every asset)" sh -c \
    "iconv -f CP932 -t UTF-8 '$T/export2.csv' | /usr/bin/python3 -c \"
import csv,sys
a=list(csv.reader(open('$T/export.utf8', newline='')))
b=list(csv.reader(sys.stdin))
assert len(a)==501 and len(a)==len(b), (len(a), len(b))
assert [r[:20] for r in a]==[r[:20] for r in b]\""
expect "export as UTF-8 CSV" 0 M asset export --encoding utf-8 -o "$T/export-u.csv"
check "the UTF-8 export starts with the BOM Excel needs" sh -c \
    "head -c 3 '$T/export-u.csv' | od -An -tx1 | grep -q 'ef bb bf'"
expect "export as XLSX" 0 M asset export --format xlsx -o "$T/export.xlsx"
check "openpyxl reads the XLSX: Japanese headers, 500 assets, notes as text not formulas" \
    /usr/bin/python3 -c "
import openpyxl
ws = openpyxl.load_workbook('$T/export.xlsx').active
rows = list(ws.iter_rows(values_only=True))
assert rows[0][:3] == ('資産番号', '名称', '種別'), rows[0]
assert len(rows) == 501, len(rows)
notes = [r[19] for r in rows[1:] if r[19]]
assert any(n.startswith('=HYPERLINK') for n in notes)
assert all(c.data_type != 'f' for row in ws.iter_rows() for c in row)"
expect "CP932 cannot hold 😀: the export refuses and says which line" 65 sh -c \
    "'$MAMORI' -C '$I' asset edit OLD-00002 'note=絵文字😀' --as tokatsu >/dev/null && '$MAMORI' -C '$I' asset export -o '$T/x.csv'"
has "... naming the character and the way out" "$T/out" "U+1F600"

# --- rules: combined assets, restrictions, overrides -----------------------------------------
expect "register a 3A information asset" 0 M asset add JUKI-DATA name=住民記録 type=information \
    unit=shimin-shimin manager=市民課長 conf=3A integ=2 avail=2 rto_hours=24 --as kacho
expect "register its server (機密性2)" 0 M asset add JUKI-SRV name=住基サーバ type=equipment \
    unit=shimin-shimin manager=係長 conf=2 integ=2 avail=1 --as jimu
expect "register the system as a combined asset (parts=, no levels typed)" 0 M asset add JUKI-SYS \
    name=住基システム type=system unit=shimin-shimin manager=課長 parts=JUKI-DATA,JUKI-SRV \
    rto_hours=8 --as kacho
M asset show JUKI-SYS --json >"$T/sys.json"
check "the combined asset takes the highest level per axis (3A, 2, 2)" test \
    "$(json "$T/sys.json" 'j["asset"]["conf"], j["asset"]["integ"], j["asset"]["avail"]')" = "('3A', '2', '2')"
check "its label reads 機密性3A 完全性2 可用性2" test "$(json "$T/sys.json" 'j["asset"]["label"]')" = "機密性3A 完全性2 可用性2"
check "restrictions are derived: issued devices only, backup, recovery time" test \
    "$(json "$T/sys.json" 'all(r in j["asset"]["restrictions"] for r in ("issued_devices_only","backup","recovery_time"))')" = True
expect "typing levels on a combined asset that differ from its parts is refused" 65 M asset add BAD-SYS \
    name=x type=system unit=shimin-shimin manager=y parts=JUKI-SRV conf=1 --as kacho
has "... saying the levels are computed" "$T/out" "highest level of its parts"
expect "a part that is not registered is refused" 65 M asset add BAD-SYS2 name=x type=system \
    unit=shimin-shimin manager=y parts=NOPE --as kacho
expect "an asset cannot be part of itself through another" 65 M asset classify JUKI-SRV parts=JUKI-SYS \
    --reason test --as kacho
expect "a reclassification without a reason is refused" 65 M asset classify JUKI-DATA conf=3B --as kacho
expect "reclassify the data 3A → 3B with a reason" 0 M asset classify JUKI-DATA conf=3B \
    --reason "特定個人情報を含まないと確認" --as kacho
M asset show JUKI-SYS --json >"$T/sys.json"
check "the combined asset followed (now 3B)" test "$(json "$T/sys.json" 'j["asset"]["conf"]')" = 3B
check "... and both classifications are in its history" test "$(json "$T/sys.json" '[h["conf"] for h in j["history"]]')" = "['3A', '3B']"
M asset show JUKI-DATA --json >"$T/data.json"
check "the reclassified asset keeps its history with the reason" test \
    "$(json "$T/data.json" '[h["reason"] for h in j["history"]][-1]')" = "特定個人情報を含まないと確認"
expect "removing a restriction without a reason is refused" 65 M asset edit JUKI-SRV \
    restrict_remove=lockable_media --as kacho
expect "removing it with a reason is accepted" 0 M asset edit JUKI-SRV restrict_remove=lockable_media \
    "override_reason=媒体を使わない機器" --as kacho
M asset show JUKI-SRV --json >"$T/srv.json"
check "the removed restriction no longer applies" test "$(json "$T/srv.json" '"lockable_media" in j["asset"]["restrictions"]')" = False
expect "staff may not register assets" 77 M asset add STAFF-1 name=x type=information unit=shimin-shimin \
    manager=y conf=1 integ=1 avail=1 --as shokuin
expect "another unit's manager may not change this unit's assets" 77 M asset edit JUKI-SRV note=x --as zeikacho
expect "a name with a right-to-left override is refused" 65 M asset add RLO-1 "name=請求書$(printf '\342\200\256')gpj.exe" \
    type=information unit=shimin-shimin manager=y conf=1 integ=1 avail=1 --as kacho
has "... naming the character" "$T/out" "U+202E"
expect "an asset number with a slash is refused" 65 M asset add "A/1" name=x type=information \
    unit=shimin-shimin manager=y conf=1 integ=1 avail=1 --as kacho
expect "list filtered: unit shimin (and below), 3B" 0 M asset list unit=shimin conf=3B --json
check "... only assets of 市民生活部's units" test \
    "$(json "$T/out" 'all(a["unit"].startswith("shimin-") for a in j) and len(j) > 0')" = True

# --- lifecycle events and their approval -----------------------------------------------------
M asset event JUKI-SRV carry "purpose=修理のため業者へ" --json --as shokuin >"$T/ev.json" 2>&1
check "carrying a 機密性2 asset is requested, not recorded" test "$(json "$T/ev.json" 'j["state"]')" = requested
EV=$(json "$T/ev.json" 'j["id"]')
expect "the requester may not approve (兼務の禁止)" 77 M asset approve "$EV" --as shokuin
expect "a section manager of another unit may not approve" 77 M asset approve "$EV" --as zeikacho
has "... outside the unit" "$T/out" "unit does not include"
expect "the department manager is not the role the matrix names" 77 M asset approve "$EV" --as bucho
expect "the section manager of the asset's unit approves" 0 M asset approve "$EV" --as kacho
expect "a decided event cannot be decided again" 65 M asset approve "$EV" --as kacho
M asset event JUKI-DATA carry purpose=自分で --json --as kacho >"$T/ev2.json" 2>&1
EV2=$(json "$T/ev2.json" 'j["id"]')
expect "a manager's own request: self-approval refused" 77 M asset approve "$EV2" --as kacho
has "... as 兼務の禁止" "$T/out" "兼務の禁止"
expect "a denial needs a reason" 64 M asset deny "$EV2" --as bucho
M asset add PUB-1 name=広報誌 type=printed unit=shimin-shimin manager=係長 conf=1 integ=1 avail=1 --as kacho >/dev/null
M asset event PUB-1 provide purpose=市民へ配布 --json --as shokuin >"$T/ev3.json" 2>&1
check "providing a 機密性1 asset is recorded at once" test "$(json "$T/ev3.json" 'j["state"]')" = recorded
expect "a disposal without date, person and method is refused" 65 M asset event JUKI-SRV dispose --as shokuin
for f in date person method; do has "... naming $f as missing" "$T/out" "$f is missing"; done
M asset event JUKI-SRV dispose date=2026-12-01 "person=情報政策課 山田" "method=物理破壊（証明書あり）" \
    --json --as shokuin >"$T/ev4.json" 2>&1
EV4=$(json "$T/ev4.json" 'j["id"]')
check "disposal of a 機密性2 asset waits for approval" test "$(json "$T/ev4.json" 'j["state"]')" = requested
expect "approved by the section manager" 0 M asset approve "$EV4" --as kacho
M asset show JUKI-SRV --json >"$T/srv.json"
check "the asset is disposed, with the disposal record" test \
    "$(json "$T/srv.json" 'j["asset"]["state"], [e["method"] for e in j["events"] if e["kind"]=="dispose"]')" = "('disposed', ['物理破壊（証明書あり）'])"
expect "no event on a disposed asset" 65 M asset event JUKI-SRV use --as shokuin
expect "events waiting: none left for the manager" 0 M asset events state=requested --json
check "... only the manager's own request waits" test "$(json "$T/out" '[e["id"] for e in j]')" = "[$EV2]"

# --- risks ------------------------------------------------------------------------------------
M risk threats --json >"$T/threats.json"
check "the threat catalogue has the five classes of 基本方針 3" test \
    "$(json "$T/threats.json" 'sorted({t["class"] for t in j})')" = "[1, 2, 3, 4, 5]"
expect "a risk of unauthorized access to the data" 0 M risk add JUKI-DATA unauthorized_access \
    likelihood=2 treatment=accept --as kacho
has "... impact 3 from 機密性3B, level 6 (high)" "$T/out" "likelihood 2 × impact 3 = 6 (high)"
expect "an earthquake's impact is the availability's (2)" 0 M risk add JUKI-DATA earthquake \
    likelihood=1 "treatment=reduce" "controls=遠隔地バックアップ" --as kacho
has "... 1 × 2 = 2 (low)" "$T/out" "likelihood 1 × impact 2 = 2 (low)"
expect "a risk to reduce names its controls" 65 M risk add JUKI-DATA fire likelihood=1 treatment=reduce --as kacho
M risk list asset=JUKI-DATA --json >"$T/risks.json"
R1=$(json "$T/risks.json" '[r["id"] for r in j if r["treatment"]=="accept"][0]')
expect "who registered a risk may not accept it" 77 M risk accept "$R1" --until 2027-11-30 --as kacho
expect "an acceptance needs a future expiry" 65 M risk accept "$R1" --until 2020-01-01 --as bucho
expect "the department manager (risk.accept) accepts until a date" 0 M risk accept "$R1" --until 2027-11-30 --as bucho
M risk list asset=JUKI-DATA --json >"$T/risks.json"
check "the risk is accepted, by whom and until when" test \
    "$(json "$T/risks.json" '[(r["state"], r["accepted_by"], r["accept_until"]) for r in j if r["id"]=='"$R1"']')" = "[('accepted', 'bucho', '2027-11-30')]"

# --- the audit log -----------------------------------------------------------------------------
M log show --json >"$T/log.json" 2>/dev/null
for a in asset.import asset.add asset.classify asset.event asset.approve risk.add risk.accept; do
    check "the audit log has $a" grep -q "\"$a\"" "$T/log.json"
done
check "refused approvals are in the audit log too" sh -c "grep -c '\"refused\"' '$T/log.json' | grep -qv '^0$'"
expect "the audit log verifies" 0 M log verify

# --- the console ---------------------------------------------------------------------------------
LGWAN=$(free_port)
INET=$(free_port)
printf 'console = 127.0.0.1:%s\nupload = 127.0.0.1:%s\n' "$LGWAN" "$INET" >"$I/mamorid.conf"
M asset add "XSS-1" "name=<script>alert(1)</script><img src=x onerror=alert(2)>" type=information \
    unit=shimin-shimin manager=係長 conf=2 integ=1 avail=1 --as kacho >/dev/null
M asset event JUKI-DATA carry purpose=ブラウザから承認 --as shokuin >/dev/null 2>&1
{   # more assets of 市民課, so its register runs over one page
    printf '資産番号,名称,種別,所管課,管理者,機密性,完全性,可用性\r\n'
    for i in $(seq 1 20); do printf 'EXTRA-%02d,窓口端末%s,機器,市民課,係長,2,1,1\r\n' "$i" "$i"; done
} >"$T/extra.csv"
M asset import "$T/extra.csv" --as kacho >/dev/null
"$MAMORID" -C "$I" 2>"$T/mamorid.log" &
MPID=$!
for _ in $(seq 1 200); do grep -q ready "$T/mamorid.log" && break; sleep 0.05; done
check "mamorid starts with the console" grep -q "console (LGWAN face" "$T/mamorid.log"
if ! command -v chromium >/dev/null || ! command -v node >/dev/null; then
    not_ok "chromium and node are installed (scripts/install-deps)"
else
    SHOTS="$(dirname "$MAMORI")/meson-logs/console-screenshots"
    mkdir -p "$SHOTS"
    UNIT_TOTAL=$(M asset list unit=shimin-shimin state=active --json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
    node "$SRC/tests/browser/assets.mjs" --start "$n" --count-file "$T/count" \
        --lgwan "http://127.0.0.1:$LGWAN" --password "correct horse battery staple" \
        --totp-dir "$T" --shots "$SHOTS" --unit-total "$UNIT_TOTAL"
    read -r n failed_js <"$T/count" || { n=$((n + 1)); failed_js=1; echo "not ok $n - assets.mjs ran to the end"; }
    failed=$((failed + failed_js))
fi
M asset events asset=JUKI-DATA --json >"$T/evs.json"
check "the event approved in the browser is approved in the store" test \
    "$(json "$T/evs.json" '[e["state"] for e in j if e["purpose"]=="ブラウザから承認"]')" = "['approved']"
kill "$MPID" 2>/dev/null
wait "$MPID" 2>/dev/null
MPID=
check "no sanitizer report from mamorid (in the ASan build)" sh -c \
    "! grep -E 'Sanitizer|runtime error' '$T/mamorid.log'"
tap_end
