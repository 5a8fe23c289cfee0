#!/bin/sh
# ファイル無害化 (mamori sanitize file): golden tests per type on hand-made samples made here
# (tests/integration/cdr_samples.py), Debian's clamav-testfiles as hostile input, and every
# output checked by a second tool (python-docx and openpyxl open the Office files, vips reads
# the images, exiftool finds no GPS, zipfile reads the archives) and by a second pass of the
# engine, which must find nothing left to remove.
# Prints TAP. Usage: cdr.sh path/to/mamori path/to/source
set -u
export LANG=C.UTF-8 MAMORI_LANG=en
MAMORI=$1
SRC=$2
. "$SRC/tests/lib/tap.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/mamori-cdr-XXXXXX")
trap 'rm -rf "$T"' EXIT
PY=/usr/bin/python3 # Debian's, with python3-docx and python3-openpyxl
for p in "$PY" vips vipsheader exiftool zip file qpdf pdftotext pdftoppm pdffonts pdfinfo; do
    command -v "$p" >/dev/null || { not_ok "$p is not installed (scripts/install-deps)"; tap_end; exit 1; }
done
mkdir -p "$T/in" "$T/out" "$T/out2"
"$PY" "$SRC/tests/integration/cdr_samples.py" "$T/in" || not_ok "the samples are made"
# BMP and TIFF, made by other tools: a 24-bit and a 32-bit BMP (ImageMagick), a TIFF with an
# author (vips, exiftool), a two-page TIFF; and two hand-made bad BMPs.
vips gaussnoise "$T/src.png" 120 80 >/dev/null 2>&1
convert "$T/src.png" -type TrueColor "$T/in/scan24.bmp"
convert "$T/src.png" -alpha on -define bmp:format=bmp4 "$T/in/scan32.bmp"
vips copy "$T/src.png" "$T/in/fax.tif"
exiftool -q -overwrite_original -Artist="Kojin Jouhou" "$T/in/fax.tif"
convert "$T/src.png" "$T/src.png" -compress lzw "$T/in/pages.tif"
"$PY" - "$T/in" <<'EOF'
import struct, sys
d = sys.argv[1]
def bmp(w, h, bpp, colours, pixels, claimed=None):
    pal = b"".join(bytes((i, i, i, 0)) for i in range(colours))
    info = struct.pack("<IiiHHIIiiII", 40, w, h, 1, bpp, 0, len(pixels), 2835, 2835, colours, 0)
    off = 14 + 40 + len(pal)
    size = claimed or off + len(pixels)
    return b"BM" + struct.pack("<IHHI", size, 0, 0, off) + info + pal + pixels
# an 8-bit BMP whose pixels name colour 200 of a 4-colour palette
open(f"{d}/badindex.bmp", "wb").write(bmp(4, 2, 8, 4, bytes([0, 1, 2, 200]) * 2))
# a BMP that claims 1000 x 1000 pixels and carries 8 bytes
open(f"{d}/short.bmp", "wb").write(bmp(4, 2, 24, 0, b"\0" * 8)[:18] + struct.pack("<ii", 1000, 1000) + bmp(4, 2, 24, 0, b"\0" * 8)[26:])
EOF

"$MAMORI" sanitize file "$T"/in/* --out-dir "$T/out" --report "$T/report.json" 2>"$T/stderr"
rc=$?
check "a batch with blocked files exits 0 (verdicts in the report)" test "$rc" -eq 0
verdict() { # file-name verdict [reason] [removed-category ...]
    "$PY" - "$T/report.json" "$@" <<'EOF'
import json, sys
rep = {e["input"].split("/")[-1]: e for e in json.load(open(sys.argv[1]))}
name, want = sys.argv[2], sys.argv[3]
r = rep[name]["result"]
ok = r["verdict"] == want
if len(sys.argv) > 4 and sys.argv[4] != "-":
    ok = ok and r.get("reason") == sys.argv[4]
for cat in sys.argv[5:]:
    ok = ok and r["removed"].get(cat, 0) > 0
if not ok:
    print(json.dumps(r, ensure_ascii=False, indent=1))
sys.exit(0 if ok else 1)
EOF
}
check "docm with a macro, a remote template and a DDE field: sanitized" \
    verdict 見積書.docm sanitized - macros external-relationships field-codes
check "... it becomes a docx that python-docx opens, with its text" sh -c \
    "$PY -c 'import docx,sys; d=docx.Document(sys.argv[1]); assert \"見積書の本文です。\" in [p.text for p in d.paragraphs]' '$T/out/見積書.docx'"
if command -v soffice >/dev/null; then
    mkdir -p "$T/lo-check"
    check "... and LibreOffice, a second reader, opens the rebuilt docx and finds its text" sh -c \
        "cd '$T/lo-check' && HOME='$T/lo-check' soffice --headless --norestore --convert-to txt:Text '$T/out/見積書.docx' --outdir '$T/lo-check' >/dev/null 2>&1 && grep -q '見積書の本文です。' '$T/lo-check/見積書.txt'"
fi
check "... with no vbaProject.bin, no external template, no DDE" sh -c \
    "$PY -c '
import zipfile, sys
z = zipfile.ZipFile(sys.argv[1]); names = z.namelist()
assert not any(\"vbaProject\" in n for n in names), names
allxml = b\"\".join(z.read(n) for n in names)
assert b\"evil.example\" not in allxml and b\"DDEAUTO\" not in allxml and b\"macroEnabled\" not in allxml
' '$T/out/見積書.docx'"
check "... and the photo in it has no GPS left" sh -c \
    "unzip -p '$T/out/見積書.docx' word/media/image1.jpg >'$T/media.jpg' && test -s '$T/media.jpg' && ! exiftool -s -GPSLatitude '$T/media.jpg' | grep -q ."
check "xlsm with DDE (an external link and a cmd| formula) and a macro: sanitized" \
    verdict 集計.xlsm sanitized - macros external-links dde-formulas
check "... an xlsx openpyxl opens, values kept, no formula calling cmd" sh -c \
    "$PY -c '
import openpyxl, sys
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb.active
vals = [c.value for row in ws.iter_rows() for c in row]
assert \"合計\" in vals and 100 in vals, vals
assert not any(isinstance(v, str) and \"cmd|\" in v for v in vals), vals
' '$T/out/集計.xlsx'"
check "pptx with an OLE object and ActiveX: sanitized" verdict 説明.pptx sanitized - embedded-objects activex
check "JPEG with EXIF GPS and a comment: sanitized (metadata)" verdict photo.jpg sanitized - metadata
check "... no GPS left (exiftool)" sh -c "! exiftool -s -GPSLatitude -GPSLongitude -Comment '$T/out/photo.jpg' | grep -q ."
check "... still a JPEG of the same size (vips)" sh -c \
    "test \"\$(vipsheader -f width '$T/out/photo.jpg')x\$(vipsheader -f height '$T/out/photo.jpg')\" = 64x48"
check "JPEG+ZIP polyglot: rebuilt from pixels, the zip is gone" sh -c \
    "$PY -c '
import zipfile, sys
try:
    zipfile.ZipFile(sys.argv[1]); sys.exit(1)
except zipfile.BadZipFile:
    pass
' '$T/out/polyglot.jpg'"
check "PNG with a text chunk: sanitized (metadata)" verdict chart.png sanitized - metadata
check "... a PNG vips reads" vipsheader "$T/out/chart.png"
check "GIF with a comment becomes a PNG without it" sh -c \
    "test \"\$(file -b --mime-type '$T/out/anim.png')\" = image/png && ! grep -q secret '$T/out/anim.png'"
check "zip bomb (200 MB of zeros): blocked, no output" test ! -e "$T/out/bomb.zip"
check "... reason archive-limit" verdict bomb.zip blocked archive-limit
check "nested zip with EICAR as eicar.com: the program is dropped, the rest kept" \
    verdict nested.zip sanitized - blocked-members
check "... the repacked zip has the text and not the program" sh -c \
    "$PY -c '
import zipfile, io, sys
z = zipfile.ZipFile(sys.argv[1]); inner = zipfile.ZipFile(io.BytesIO(z.read(\"inner.zip\")))
assert \"eicar.com\" not in inner.namelist() and \"memo.txt\" in inner.namelist(), inner.namelist()
assert \"EICAR\" not in str([inner.read(n) for n in inner.namelist()])
' '$T/out/nested.zip'"
check "CP932 CSV with formulas: sanitized, UTF-8 with BOM, cells prefixed, numbers kept" sh -c \
    "$PY -c '
import sys
b = open(sys.argv[1], \"rb\").read()
assert b.startswith(b\"\\xef\\xbb\\xbf\"); t = b[3:].decode(\"utf-8\")
assert \"①号機\" in t and \"㈱テスト\" in t, t
assert \"\\x27=HYPERLINK\" in t and \"\\x27@SUM\" in t and \",-500,\" in t, t
' '$T/out/請求書.csv'"
check "an RTL-override name (invoice<U+202E>gpj.exe): blocked" verdict "$(printf 'invoice\342\200\256gpj.exe')" blocked name-bidi
check "a double extension (請求書.pdf.exe): blocked" verdict 請求書.pdf.exe blocked name-double-extension
check "a JPEG named .pdf: blocked (type mismatch)" verdict scan.pdf blocked name-type-mismatch
sed 's/^sanitize:$/sanitize:\n  name_checks: report/' "$SRC/examples/city/mamori.yaml" >"$T/report-names.yaml"
"$MAMORI" sanitize file "$T/in/scan.pdf" --out-dir "$T/names" --policy "$T/report-names.yaml" \
    --report "$T/names.json" 2>/dev/null
check "with sanitize.name_checks: report the same file is rebuilt as the JPEG it is, the finding reported" sh -c \
    "test \"\$(file -b --mime-type '$T/names/scan.jpg')\" = image/jpeg && grep -q 'type-mismatch' '$T/names.json'"
check "a PDF with JavaScript, OpenAction, a launch action, a URI and an embedded file: sanitized" \
    verdict real.pdf sanitized - javascript open-actions launch-actions external-links embedded-files
check "... and rebuilt from its rendered pages (the default, sanitize.pdf: rebuild)" \
    verdict real.pdf sanitized - rebuilt-from-pages
check "... the same number of pages, no text layer and no fonts left (pdfinfo, pdftotext, pdffonts)" sh -c \
    "test \"\$(pdfinfo '$T/in/real.pdf' | awk '/^Pages:/ {print \$2}')\" = \"\$(pdfinfo '$T/out/real.pdf' | awk '/^Pages:/ {print \$2}')\" &&
     test -z \"\$(pdftotext '$T/out/real.pdf' - | tr -d '[:space:]')\" &&
     test \"\$(pdffonts '$T/out/real.pdf' | wc -l)\" -eq 2"
pdftoppm -r 50 -gray -singlefile "$T/in/real.pdf" "$T/orig" 2>/dev/null
pdftoppm -r 50 -gray -singlefile "$T/out/real.pdf" "$T/rebuilt" 2>/dev/null
check "... and it looks like the original (poppler renders both; mean difference under 3%)" "$PY" -c '
import sys
def pgm(path):
    b = open(path, "rb").read()
    parts, i = [], 0
    while len(parts) < 4:  # P5, width, height, maxval
        while b[i:i+1].isspace(): i += 1
        j = i
        while not b[j:j+1].isspace(): j += 1
        parts.append(b[i:j]); i = j
    w, h = int(parts[1]), int(parts[2])
    return w, h, b[i + 1:i + 1 + w * h]
w1, h1, a = pgm(sys.argv[1]); w2, h2, b = pgm(sys.argv[2])
assert abs(w1 - w2) <= 1 and abs(h1 - h2) <= 1, (w1, h1, w2, h2)
n = min(len(a), len(b))
diff = sum(abs(a[k] - b[k]) for k in range(n)) / n / 255
dark = sum(1 for k in range(n) if b[k] < 128)
assert diff < 0.03 and dark > 50, (diff, dark)
' "$T/orig.pgm" "$T/rebuilt.pgm"
check "... nothing that acts is left in it (qpdf's view of every object)" sh -c \
    "qpdf --qdf --object-streams=disable '$T/out/real.pdf' '$T/real.qdf' && ! grep -a -E '/JavaScript|/JS|/Launch|/EmbeddedFile|/OpenAction|/AA|/URI|evil.example' '$T/real.qdf'"
# sanitize.pdf: clean keeps the text (structural cleaning only)
sed 's/^sanitize:$/sanitize:\n  pdf: clean/' "$SRC/examples/city/mamori.yaml" >"$T/clean-pdf.yaml"
"$MAMORI" sanitize file "$T/in/real.pdf" -o "$T/clean.pdf" --policy "$T/clean-pdf.yaml" \
    --report "$T/clean.json" 2>/dev/null
check "with sanitize.pdf: clean the PDF is only cleaned: pdftotext still reads its text" sh -c \
    "grep -q '^  pdf: clean' '$T/clean-pdf.yaml' && pdftotext '$T/clean.pdf' - | grep -q 'Mitsumori 2026' && ! grep -q rebuilt-from-pages '$T/clean.json'"
check "... and nothing that acts is left in it" sh -c \
    "qpdf --qdf --object-streams=disable '$T/clean.pdf' '$T/clean.qdf' && ! grep -a -E '/JavaScript|/JS|/Launch|/EmbeddedFile|/OpenAction|/AA|evil.example' '$T/clean.qdf'"
check "a password-protected zip without the password: blocked, encrypted" verdict ppap.zip blocked encrypted
check "an empty file: blocked" verdict empty.txt blocked empty
check "24-bit and 32-bit BMPs become PNGs" verdict scan24.bmp sanitized - converted-to-png
check "... with exactly the source's pixels (ImageMagick compares)" sh -c \
    "test \"\$(compare -metric AE '$T/src.png' '$T/out/scan24.png' null: 2>&1)\" = 0 &&
     test \"\$(compare -metric AE '$T/src.png' '$T/out/scan32.png' null: 2>&1)\" = 0 &&
     test \"\$(file -b --mime-type '$T/out/scan32.png')\" = image/png"
check "a TIFF becomes a PNG with its pixels and without its author" sh -c \
    "test \"\$(compare -metric AE '$T/src.png' '$T/out/fax.png' null: 2>&1)\" = 0 &&
     ! exiftool -s -Artist '$T/out/fax.png' | grep -q Kojin"
check "a two-page TIFF keeps its first page; the other is counted as removed" \
    verdict pages.tif sanitized - converted-to-png pages
check "a BMP naming a colour its palette lacks: blocked" verdict badindex.bmp blocked malformed-image
check "a BMP claiming more pixels than it carries: blocked" verdict short.bmp blocked malformed-image

# With the password (PPAP), the zip is opened and its members sanitized.
printf 'himitsu\n' >"$T/pw"
check "with --password-file the PPAP zip is opened and sanitized" \
    "$MAMORI" sanitize file "$T/in/ppap.zip" -o "$T/ppap-out.zip" --password-file "$T/pw"
check "... its CSV is inside, neutralised" sh -c \
    "$PY -c 'import zipfile,sys; t=zipfile.ZipFile(sys.argv[1]).read(\"data.csv\").decode(); assert \"\\x27=1+1\" in t, t' '$T/ppap-out.zip'"

# --strict: a blocked file is an error for scripts.
"$MAMORI" sanitize file "$T/in/bomb.zip" -o "$T/x.zip" --strict 2>/dev/null
check "--strict: a blocked file exits 65" test $? -eq 65
check "... and writes nothing" test ! -e "$T/x.zip"
"$MAMORI" sanitize file "$T/missing.docx" -o "$T/x" 2>"$T/err"
check "an unreadable input exits 65 with its name" sh -c "test $? -eq 65 && grep -q missing.docx '$T/err'"
"$MAMORI" sanitize file "$T/in/photo.jpg" 2>/dev/null
check "no -o and no --out-dir is a usage error (64)" test $? -eq 64

# Every output, sanitized again: nothing left to remove.
"$MAMORI" sanitize file "$T"/out/* --out-dir "$T/out2" --report "$T/report2.json" 2>/dev/null
check "a second pass finds every output clean (a PDF is rebuilt from its pages every time, nothing else)" "$PY" -c '
import json, sys
bad = [(e["input"], e["result"]["verdict"], e["result"]["removed"]) for e in json.load(open(sys.argv[1]))
       if e["result"]["verdict"] != "clean"
       and not (e["input"].endswith(".pdf") and list(e["result"]["removed"]) == ["rebuilt-from-pages"])]
assert not bad, bad' "$T/report2.json"

# Debian's clamav-testfiles: programs and documents carrying the ClamAV test signature.
if [ -d /usr/share/clamav-testfiles ]; then
    mkdir -p "$T/clam"
    "$MAMORI" sanitize file /usr/share/clamav-testfiles/* --out-dir "$T/clam" \
        --report "$T/clam.json" 2>/dev/null
    check "clamav-testfiles: every program blocked, nothing executable written" "$PY" -c '
import json, subprocess, sys, os
rep = json.load(open(sys.argv[1]))
for e in rep:
    name = e["input"].split("/")[-1]
    if name.endswith(".exe"):
        assert e["result"]["verdict"] == "blocked", (name, e["result"]["verdict"])
for f in os.listdir(sys.argv[2]):
    t = subprocess.run(["file", "-b", os.path.join(sys.argv[2], f)], capture_output=True, text=True).stdout
    assert "executable" not in t and "PE32" not in t, (f, t)
print(len(rep), "files")' "$T/clam.json" "$T/clam"
else
    not_ok "clamav-testfiles is installed (scripts/install-deps)"
fi

# Legacy Office and RTF: LibreOffice makes a PDF in its own sandbox (no network, nobody, a
# throw-away directory), which is then rebuilt from its pages. Samples: an RTF written by hand
# (with Japanese as \u escapes), a .doc and an .xls that LibreOffice makes from a docx and an
# xlsx written by python-docx and openpyxl.
if command -v soffice >/dev/null; then
    mkdir -p "$T/legacy" "$T/legacy-out" "$T/lo"
    printf '{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 IPAGothic;}}\\f0\\fs36 Keiyakusho \\u22865?\\u32004?\\u26360? 2026\\par}' \
        >"$T/legacy/契約書.rtf"
    "$PY" - "$T/lo" <<'EOF'
import sys, docx, openpyxl
d = docx.Document(); d.add_paragraph("Kyuu keishiki no bunsho 2026"); d.save(sys.argv[1] + "/old.docx")
wb = openpyxl.Workbook(); wb.active["A1"] = "Kyuu hyou 2026"; wb.active["B2"] = 42; wb.save(sys.argv[1] + "/old.xlsx")
EOF
    (cd "$T/lo" && HOME="$T/lo" soffice --headless --norestore --convert-to doc old.docx >/dev/null 2>&1 &&
        HOME="$T/lo" soffice --headless --norestore --convert-to xls old.xlsx >/dev/null 2>&1)
    cp "$T/lo/old.doc" "$T/legacy/旧文書.doc" 2>/dev/null
    cp "$T/lo/old.xls" "$T/legacy/旧表.xls" 2>/dev/null
    check "the legacy samples are an OLE .doc, an OLE .xls and an RTF (file says so)" sh -c \
        "file '$T/legacy/旧文書.doc' '$T/legacy/旧表.xls' | grep -c 'Composite Document File' | grep -qx 2 &&
         file '$T/legacy/契約書.rtf' | grep -q 'Rich Text'"
    "$MAMORI" sanitize file "$T"/legacy/* --out-dir "$T/legacy-out" --report "$T/legacy.json" 2>/dev/null
    check "legacy Office and RTF: converted by LibreOffice, then rebuilt from their pages" "$PY" -c '
import json, sys
rep = json.load(open(sys.argv[1]))
assert len(rep) == 3, rep
for e in rep:
    c, r = e["conversion"], e["result"]
    assert c["converted"] and c["by"] == "LibreOffice", e
    assert r["verdict"] == "sanitized" and r["removed"].get("rebuilt-from-pages", 0) >= 1, e
    assert e["output"].endswith(".pdf"), e
' "$T/legacy.json"
    for f in 契約書 旧文書 旧表; do
        pdftoppm -r 40 -gray -singlefile "$T/legacy-out/$f.pdf" "$T/legacy-$f" 2>/dev/null
    done
    check "... each PDF shows its document (dark pixels on the rendered page) with no text layer" "$PY" -c '
import subprocess, sys
for f in sys.argv[1:]:
    b = open(f + ".pgm", "rb").read()
    assert sum(1 for c in b[20:] if c < 128) > 30, f
    pdf = f.replace("legacy-", "legacy-out/") + ".pdf"
    t = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True).stdout
    assert not t.strip(), (pdf, t)
' "$T/legacy-契約書" "$T/legacy-旧文書" "$T/legacy-旧表"
    sed 's/^sanitize:$/sanitize:\n  legacy_office: block/' "$SRC/examples/city/mamori.yaml" >"$T/block-legacy.yaml"
    "$MAMORI" sanitize file "$T/legacy/旧文書.doc" -o "$T/x.pdf" --policy "$T/block-legacy.yaml" \
        --report "$T/blocked-legacy.json" 2>/dev/null
    check "with sanitize.legacy_office: block the .doc is blocked, and the report says the policy did it" "$PY" -c '
import json, sys
e = json.load(open(sys.argv[1]))
assert e["result"]["verdict"] == "blocked" and e["result"]["reason"] == "no-converter", e
assert e["conversion"] == {"from": "doc", "sha256": e["conversion"]["sha256"], "converted": False, "why_not": "policy"}, e
' "$T/blocked-legacy.json"
    MAMORI_SOFFICE=/nonexistent/soffice "$MAMORI" sanitize file "$T/legacy/契約書.rtf" -o "$T/y.pdf" \
        --report "$T/noconv.json" 2>/dev/null
    check "without LibreOffice the RTF is blocked (why_not: no-converter), nothing written" sh -c \
        "test ! -e '$T/y.pdf' && grep -q '\"why_not\": \"no-converter\"' '$T/noconv.json'"
    # The converter's sandbox, seen from inside: a stand-in for soffice tries to reach a port
    # the test listens on (loopback of the host) and writes its PDF only when it cannot.
    FAKE=$(mktemp -d "${TMPDIR:-/tmp}/mamori-fake-soffice-XXXXXX")
    chmod 755 "$FAKE"
    cp "$T/in/real.pdf" "$FAKE/made.pdf" && chmod 644 "$FAKE/made.pdf"
    PORT=$(free_port)
    cat >"$FAKE/soffice" <<EOF
#!/usr/bin/python3
import os, shutil, socket, sys
out = sys.argv[sys.argv.index("--outdir") + 1]
try:
    socket.create_connection(("127.0.0.1", $PORT), 2)
    sys.exit(3)  # the network was reachable: no PDF
except OSError:
    pass
if os.geteuid() == 0:
    sys.exit(4)  # still root: no PDF
shutil.copy("$FAKE/made.pdf", os.path.join(out, "input.pdf"))
EOF
    chmod 755 "$FAKE/soffice"
    "$PY" -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(5); s.settimeout(20)
try:
    c, _ = s.accept(); open(sys.argv[2], "w").write("connected")
except socket.timeout:
    pass
' "$PORT" "$T/listener.out" &
    LPID=$!
    sleep 0.3
    MAMORI_SOFFICE="$FAKE/soffice" "$MAMORI" sanitize file "$T/legacy/契約書.rtf" -o "$T/fake.pdf" \
        --report "$T/fake.json" 2>/dev/null
    check "the converter runs without network and not as root (a stand-in soffice could reach neither)" sh -c \
        "test ! -e '$T/listener.out' && grep -q '\"converted\": true' '$T/fake.json'"
    kill "$LPID" 2>/dev/null
    rm -rf "$FAKE"
else
    not_ok "LibreOffice (soffice) is installed (scripts/install-deps)"
fi

# The audit log: --record writes each verdict before the output.
"$MAMORI" init "$T/inst" >/dev/null 2>&1
"$MAMORI" -C "$T/inst" sanitize file "$T/in/見積書.docm" --out-dir "$T/rec" --record --as tester 2>/dev/null
check "--record: file.sanitize in the audit log with the report" sh -c \
    "'$MAMORI' -C '$T/inst' log show --json | $PY -c 'import json,sys; r=[x for x in json.load(sys.stdin) if x[\"action\"]==\"file.sanitize\"]; assert r and r[0][\"decision\"]==\"sanitized\" and \"macros\" in r[0][\"details\"], r'"
tap_end
