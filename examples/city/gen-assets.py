#!/usr/bin/env python3
"""Writes examples/city/assets.csv: a sample 情報資産台帳 of 守里市 (fictional) in mamori's own
export layout, CP932, as a city's Excel would save it. Run again only to change the sample:
    python3 examples/city/gen-assets.py > examples/city/assets.csv
"""
import csv, io, random, sys

random.seed(20261129)
HEAD = ["資産番号", "名称", "種別", "所管課", "管理者", "領域", "システム", "保管場所・媒体",
        "機密性", "完全性", "可用性", "構成資産", "追加する取扱制限", "除く取扱制限",
        "取扱制限の変更理由", "保存期間", "目標復旧時間（時間）", "次回見直し日", "状態", "備考"]

UNITS = {  # unit: (name, manager, zone, systems, information items)
    "somu-somu": ("総務課", "総務課長", "lgwan", [], ["文書管理台帳", "公印管理簿", "議案書原稿", "条例改正案"]),
    "somu-jinji": ("人事課", "人事課長", "lgwan", [], ["職員人事記録", "給与支給データ", "勤務評定結果", "採用試験結果"]),
    "somu-johoseisaku": ("情報政策課", "情報政策課長", "lgwan", [], ["ネットワーク構成情報", "アカウント管理台帳", "ログ保管データ", "情報セキュリティ監査報告書"]),
    "kikaku-kikaku": ("企画課", "企画課長", "lgwan", [], ["総合計画策定資料", "統計調査票", "市政モニター名簿"]),
    "kikaku-zaisei": ("財政課", "財政課長", "lgwan", [], ["予算編成資料", "起債管理データ", "決算統計"]),
    "shimin-shimin": ("市民課", "市民課長", "mynumber", [("juki", "住民基本台帳システム"), ("togo-atena", "団体内統合宛名システム")], ["住民基本台帳データ", "戸籍附票", "印鑑登録原票", "個人番号カード交付記録"]),
    "shimin-zeimu": ("税務課", "税務課長", "mynumber", [("zeimu", "税務システム"), ("zeimu-renkei", "税務連携サーバ（eLTAX）")], ["個人住民税課税台帳", "固定資産課税台帳", "滞納整理記録", "軽自動車税データ"]),
    "shimin-hoken": ("保険年金課", "保険年金課長", "mynumber", [], ["国民健康保険被保険者台帳", "国民年金記録", "後期高齢者医療データ"]),
    "fukushi-fukushi": ("福祉課", "福祉課長", "mynumber", [], ["生活保護ケース記録", "障害者手帳交付台帳", "避難行動要支援者名簿"]),
    "fukushi-kaigo": ("介護保険課", "介護保険課長", "mynumber", [], ["要介護認定記録", "介護保険料賦課データ"]),
    "fukushi-kosodate": ("子育て支援課", "子育て支援課長", "lgwan", [], ["保育所入所申込書", "児童手当受給者台帳", "母子健康手帳交付記録"]),
    "kenko-suishin": ("健康推進課", "健康推進課長", "lgwan", [], ["予防接種記録", "健診結果データ", "感染症発生届"]),
    "toshi-keikaku": ("都市計画課", "都市計画課長", "lgwan", [], ["都市計画図", "建築確認台帳", "開発許可申請書"]),
    "toshi-doro": ("道路課", "道路課長", "lgwan", [], ["道路台帳", "占用許可台帳", "橋梁点検記録"]),
    "suido": ("上下水道部", "上下水道部長", "lgwan", [], ["水道料金調定データ", "給水装置台帳", "管路図"]),
    "kyoiku": ("教育委員会事務局", "教育総務課長", "lgwan", [], ["学齢簿", "就学援助認定記録", "教職員名簿"]),
    "shobo": ("消防本部", "消防総務課長", "lgwan", [], ["救急活動記録", "火災調査書", "危険物施設台帳"]),
    "gikai": ("議会事務局", "議会事務局次長", "internet", [], ["会議録原稿", "請願書受付簿"]),
    "kaikei": ("会計課", "会計管理者", "lgwan", [], ["支出命令書", "公金振込データ", "指定金融機関取引記録"]),
}

rows = []
n = 0
def add(unit, name, typ, conf, integ, avail, **kw):
    global n
    n += 1
    uname, mgr, zone, systems, _ = UNITS[unit]
    rid = kw.get("id") or f"{unit.split('-')[-1].upper()[:6]}-{n:04d}"
    review = f"{random.choice([2026, 2027, 2027, 2027])}-{random.randint(1, 12):02d}-{random.randint(1, 28):02d}"
    row = {"資産番号": rid, "名称": name, "種別": typ, "所管課": uname, "管理者": mgr,
           "領域": kw.get("zone", zone), "システム": kw.get("system", ""),
           "保管場所・媒体": kw.get("loc", ""), "機密性": conf, "完全性": integ, "可用性": avail,
           "構成資産": kw.get("parts", ""), "追加する取扱制限": kw.get("add", ""),
           "除く取扱制限": "", "取扱制限の変更理由": kw.get("why", ""),
           "保存期間": kw.get("keep", ""), "目標復旧時間（時間）": kw.get("rto", ""),
           "次回見直し日": review, "状態": "使用中", "備考": kw.get("note", "")}
    if avail == "2" and not row["目標復旧時間（時間）"]:
        row["目標復旧時間（時間）"] = str(random.choice([4, 8, 24, 72]))
    if kw.get("parts"):
        row["機密性"] = row["完全性"] = row["可用性"] = ""
    rows.append(row)
    return rid

for unit, (uname, mgr, zone, systems, infos) in UNITS.items():
    mynum = zone == "mynumber"
    members = []
    for info in infos:
        conf = "3A" if mynum and random.random() < 0.6 else random.choice(["3B", "3B", "3C", "2"])
        rid = add(unit, info, "情報", conf, "2", random.choice(["2", "1"]),
                  loc="業務システムDB" if mynum else "共有ファイルサーバ", keep=random.choice(["5年", "10年", "常用", "30年"]))
        members.append(rid)
        add(unit, info + "（紙）", "印刷された情報", conf if conf != "3A" else "3B", "1", "1",
            loc="執務室 施錠書庫", keep="5年")
    for k in range(2):
        add(unit, f"{uname} 業務用端末 {k + 1}", "機器", "2", "1", "1", loc=f"{uname} 執務室")
    add(unit, f"{uname} 複合機", "機器", "2", "1", "1", loc=f"{uname} 執務室", note="HDD暗号化")
    add(unit, f"{uname} 貸与USBメモリ", "電磁的記録媒体", "2", "1", "1", loc="管理者の施錠キャビネット",
        add="encrypt_in_transit", why="持ち出し時の暗号化を明示")
    add(unit, f"{uname} 業務手順書", "システム関連文書", "2", "1", "1", loc="共有フォルダ")
    for sysid, sysname in systems:
        srv = add(unit, f"{sysname} サーバ", "機器", "3B" if mynum else "2", "2", "2", loc="本庁舎 サーバ室", system=sysid, rto="24")
        add(unit, f"{sysname} 一式", "情報システム", "", "", "", system=sysid, parts=",".join([srv] + members[:2]), rto="24",
            note="構成資産の最高位で分類")

# shared infrastructure of 情報政策課
u = "somu-johoseisaku"
add(u, "庁内LAN（LGWAN接続系）", "ネットワーク", "2", "2", "2", loc="本庁舎", rto="8")
add(u, "マイナンバー利用事務系ネットワーク", "ネットワーク", "3A", "2", "2", zone="mynumber", loc="本庁舎", rto="8")
add(u, "インターネット接続系ネットワーク", "ネットワーク", "2", "1", "2", zone="internet", loc="自治体情報セキュリティクラウド", rto="24")
add(u, "本庁舎 サーバ室", "施設", "3B", "2", "2", loc="本庁舎3階", rto="4", note="入退室記録あり")
add(u, "分庁舎 ネットワーク機器室", "施設", "2", "2", "2", loc="分庁舎1階", rto="24")
add(u, "無害化ゲートウェイ（mamori）", "情報システム", "2", "2", "2", loc="本庁舎 サーバ室", rto="4", system="mamori-gw")
add(u, "庁内ファイルサーバ", "機器", "3B", "2", "2", loc="本庁舎 サーバ室", rto="8", system="filesrv")
add(u, "ネットワーク構成図", "システム関連文書", "3C", "2", "1", loc="情報政策課 施錠書庫")
add(u, "基幹系システム仕様書", "システム関連文書", "3C", "1", "1", loc="情報政策課 施錠書庫")
add(u, "バックアップテープ", "電磁的記録媒体", "3A", "2", "2", zone="mynumber", loc="遠隔地保管庫", rto="72")
for k in range(1, 9):
    add(u, f"L3スイッチ {k}", "機器", "2", "2", "2", loc="本庁舎 サーバ室", rto="8")

out = io.StringIO()
w = csv.DictWriter(out, fieldnames=HEAD, lineterminator="\r\n")
w.writeheader()
w.writerows(rows)
sys.stdout.buffer.write(out.getvalue().encode("cp932"))
print(f"{len(rows)} assets", file=sys.stderr)
