#!/usr/bin/env python3
"""Makes the asset tests' 台帳 files (nothing here is in the repository's data):
  old.csv, old.map  a city's own layout (its own column names) of N assets, CP932, in the
                    older 3-level scheme (機密性3/2/1), with its mapping file
  bad rows          --bad adds rows that are wrong in known ways; their row numbers and columns
                    go to the file given, one "row<TAB>column" per expected problem
  big.csv           --big N: N assets in mamori's own layout (UTF-8 with BOM), for benchmarks
Usage: asset_samples.py DIR [--rows N] [--bad EXPECTED.tsv] [--big N]
"""
import csv, io, os, random, sys

d = sys.argv[1]
args = sys.argv[2:]
rows_n = int(args[args.index("--rows") + 1]) if "--rows" in args else 500
random.seed(7)
UNITS = ["市民課", "税務課", "保険年金課", "福祉課", "介護保険課", "子育て支援課", "健康推進課",
         "都市計画課", "道路課", "企画課", "財政課", "人事課", "情報政策課"]
KINDS = ["データ", "紙文書", "サーバ", "端末", "媒体", "ネットワーク", "施設", "仕様書", "システム"]

def row(i, **over):
    kind = KINDS[i % len(KINDS)]
    r = {"管理番号": f"OLD-{i:05d}", "資産名": f"業務資産{i}（{kind}）", "区分": kind,
         "担当課": UNITS[i % len(UNITS)], "責任者": f"担当{i % 17}", "機密": random.choice(["3", "2", "1", "機密性3"]),
         "完全": random.choice(["2", "1"]), "可用": "1", "RTO": "", "見直し": f"2027/{i % 12 + 1}/{i % 28 + 1}",
         "作成者": "台帳担当", "メモ": "①㈱Ⅲ№～" if i % 50 == 0 else ""}
    if i % 10 == 0:
        r["可用"], r["RTO"] = "2", str(4 + i % 20)
    # the old scheme's 3, split by the city's own words onto 3A and 3C (the mapping file)
    if i % 7 == 0:
        r["機密"] = "3（特定個人情報）"
    elif i % 11 == 0:
        r["機密"] = "3（秘密文書）"
    if i % 97 == 0:
        r["メモ"] = "=HYPERLINK(\"http://example.invalid\")"
    r.update(over)
    return r

HEAD = ["管理番号", "資産名", "区分", "担当課", "責任者", "機密", "完全", "可用", "RTO", "見直し",
        "作成者", "メモ"]
rows = [row(i) for i in range(1, rows_n + 1)]
expected = []
if "--bad" in args:
    bad = [  # (row fields, expected column names (ja))
        (dict(機密="極秘"), ["機密"]),
        (dict(担当課="存在しない課"), ["担当課"]),
        (dict(責任者=""), ["責任者"]),
        (dict(見直し="2027/13/40"), ["見直し"]),
        (dict(可用="2", RTO=""), ["RTO"]),
        (dict(資産名="請求書\x07ベル"), ["資産名"]),
        (dict(管理番号="OLD-00001"), ["管理番号"]),  # a duplicate of the first row
        (dict(区分="宇宙船"), ["区分"]),
    ]
    for k, (over, cols) in enumerate(bad):
        r = row(rows_n + 1 + k, **over)
        rows.append(r)
        for c in cols:
            expected.append(f"{len(rows) + 1}\t{c}")  # +1: the header is row 1
    with open(args[args.index("--bad") + 1], "w") as f:
        f.write("\n".join(expected) + "\n")

out = io.StringIO()
w = csv.DictWriter(out, fieldnames=HEAD, lineterminator="\r\n")
w.writeheader()
w.writerows(rows)
with open(os.path.join(d, "old.csv"), "wb") as f:
    f.write(out.getvalue().encode("cp932"))
with open(os.path.join(d, "old.map"), "w") as f:
    f.write("""# 旧台帳の列 → mamori の項目 (docs/assets.md)
[columns]
管理番号 = id
資産名 = name
区分 = type
担当課 = unit
責任者 = manager
機密 = conf
完全 = integ
可用 = avail
RTO = rto_hours
見直し = review_due
メモ = note
作成者 = -

[confidentiality]
3（特定個人情報） = 3A
3（秘密文書） = 3C

[type]
データ = information
紙文書 = printed
サーバ = equipment
端末 = equipment
媒体 = medium
ネットワーク = network
施設 = facility
仕様書 = document
システム = system
""")

if "--big" in args:
    n = int(args[args.index("--big") + 1])
    head = ["資産番号", "名称", "種別", "所管課", "管理者", "機密性", "完全性", "可用性",
            "目標復旧時間（時間）", "次回見直し日"]
    levels = ["3A", "3B", "3C", "2", "1"]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(head)
    for i in range(1, n + 1):
        avail = "2" if i % 5 == 0 else "1"
        w.writerow([f"B-{i:06d}", f"資産{i}", "情報", UNITS[i % len(UNITS)], f"担当{i % 31}",
                    levels[i % 5], str(1 + i % 2), avail, "24" if avail == "2" else "",
                    f"20{26 + i % 3}-{i % 12 + 1:02d}-{i % 28 + 1:02d}"])
    with open(os.path.join(d, "big.csv"), "wb") as f:
        f.write(b"\xef\xbb\xbf" + out.getvalue().encode("utf-8"))
