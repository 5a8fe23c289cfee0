#!/bin/sh
# 自己点検 (mamori inspect run): the items mamori answers from its records, checked against
# records this test makes — and against records it then falsifies behind mamori's back with
# sqlite3 (a self-approval written into the store, a changed audit record): the answers must
# follow the data, not what anyone would like them to say.
# Prints TAP. Usage: inspect.sh path/to/mamori path/to/source
set -u
export LANG=C.UTF-8 MAMORI_LANG=en
MAMORI=$1
SRC=$2
. "$SRC/tests/lib/tap.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/mamori-inspect-XXXXXX")
trap 'rm -rf "$T"' EXIT
M() { "$MAMORI" -C "$T/inst" "$@"; }
answer() { # item -> "answer by_data" from the last run
    /usr/bin/python3 -c '
import json, sys
for i in json.load(open(sys.argv[1]))["items"]:
    if i["number"] == sys.argv[2]:
        print(i["answer"], i["by_data"], i["evidence"])' "$T/run.json" "$1"
}
run() { M inspect run --json "$@" >"$T/run.json" 2>"$T/run.err"; }
is() { # description, item, expected answer, [evidence substring]
    got=$(answer "$2")
    case "$got" in
        "$3 True"*"${4:-}"*) ok "$1" ;;
        *) not_ok "$1" "got: $got" ;;
    esac
}

M init "$T/inst" >/dev/null 2>&1
printf 'correct horse battery staple\n' >"$T/pw"
M user add admin --role system_admin --unit somu-johoseisaku --password-file "$T/pw" >/dev/null
M user add kacho --role section_manager --unit shimin-shimin --password-file "$T/pw" --as admin >/dev/null
M user add shokuin --role staff --unit shimin-shimin --password-file "$T/pw" --as admin >/dev/null
{
    printf '資産番号,名称,種別,所管課,管理者,機密性,完全性,可用性,次回見直し日\r\n'
    printf 'I-1,住民記録,情報,市民課,課長,3B,2,1,2099-01-01\r\n'
    printf 'I-2,窓口端末,機器,市民課,係長,2,1,1,2099-01-01\r\n'
    printf 'I-3,古い台帳,印刷された情報,市民課,係長,2,1,1,2001-04-01\r\n'
} >"$T/a.csv"
M asset import "$T/a.csv" --as kacho >/dev/null 2>&1

run
check "inspect run exits 0 and prints JSON" /usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/run.json"
is "6(2)-1: three assets, each classified → done, from the data" "6(2)-1" done "3 assets"
is "6(2)-2: one past its review date → partial, naming it" "6(2)-2" partial "I-3"
is "3-1: assets but no risk assessed → not done" "3-1" not_done "no risk"
is "6(2)-3: nothing needed permission this year → not applicable" "6(2)-3" na
is "7-1: the audit log verifies → done" "7-1" done "verified"
is "6(3)①-1: the firewall never verified this year → not done" "6(3)①-1" not_done "not verified"
M fw verify --file "$SRC/tests/data/fw/live-hand-rule.json" >/dev/null 2>&1
run
is "6(3)①-1: the last verify found a rule added by hand → not done, saying so" "6(3)①-1" not_done "differ from the policy, excess="
M fw verify --file "$SRC/tests/data/fw/live-example.json" >/dev/null 2>&1
run
is "6(3)①-1: verified since, matching → done, naming the record" "6(3)①-1" done "match the policy"
run --year 2020
is "--year 2020: no verify in that year → not done" "6(3)①-1" not_done "not verified"
check "items without a register are left to a person (by_data false)" sh -c \
    "/usr/bin/python3 -c 'import json,sys; i={x[\"number\"]:x for x in json.load(open(sys.argv[1]))[\"items\"]}; assert i[\"5-1\"][\"answer\"]==\"unanswered\" and not i[\"5-1\"][\"by_data\"]' '$T/run.json'"

M asset event I-2 carry purpose=修理 --as shokuin >/dev/null 2>&1
M asset approve 1 --as kacho >/dev/null 2>&1
M risk add I-1 unauthorized_access likelihood=1 treatment=reduce controls=多要素認証 --as kacho >/dev/null 2>&1
run
is "6(2)-3: one request, approved by the manager → done" "6(2)-3" done "1 approved"
is "3-1: the risk is assessed and in date → done" "3-1" done "1 risks"
run --year 2020
is "--year 2020: this year's request is outside it → not applicable" "6(2)-3" na
run --unit shimin-zeimu
is "--unit shimin-zeimu: no asset of that unit → not done" "6(2)-1" not_done "for this unit"
M inspect run --record --as kacho >/dev/null 2>&1
check "--record puts inspect.run in the audit log" sh -c "'$MAMORI' -C '$T/inst' log show --json | grep -q '\"inspect.run\"'"
check "the text form is Japanese with MAMORI_LANG=ja" sh -c \
    "MAMORI_LANG=ja '$MAMORI' -C '$T/inst' inspect run | grep -q '実施済'"

# Behind mamori's back: the approval rewritten as the requester's own.
sqlite3 "$T/inst/store.db" "UPDATE asset_event SET decided_by = requester WHERE id = 1"
run
is "a self-approval written into the store → 6(2)-3 not done, naming the event" "6(2)-3" not_done "event 1"
# ... and an audit record changed.
sqlite3 "$T/inst/store.db" "UPDATE audit_record SET body = CAST(replace(CAST(body AS TEXT), 'kacho', 'KACHO') AS BLOB) WHERE seq = (SELECT max(seq) FROM audit_record WHERE instr(CAST(body AS TEXT), 'kacho') > 0)"
run
is "a changed audit record → 7-1 not done (TAMPERED)" "7-1" not_done "TAMPERED"
tap_end
