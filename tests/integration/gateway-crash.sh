#!/bin/sh
# Nothing lost, nothing unsanitized, under crashes: 2,000 messages go from an internet-side
# Postfix (no milter; it queues and retries) to the gateway Postfix (smtpd_milters = mamorid,
# milter_default_action = tempfail) to smtp-sink. During the run the test kills sanitizer
# workers (kill -9), kills mamorid itself (kill -9) and restarts it, and fills the quarantine
# file system for a while. Afterwards it counts: every message delivered sanitized exactly
# once, or still queued — and after recovery, all delivered. Needs root. Prints TAP.
# Usage: gateway-crash.sh path/to/mamori path/to/source [COUNT]
set -u
export LANG=C.UTF-8 MAMORI_LANG=en
MAMORI=$1
SRC=$2
COUNT=${3:-2000}
MAMORID=$(dirname "$MAMORI")/mamorid
. "$SRC/tests/lib/postfix.sh"
. "$SRC/tests/lib/tap.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/mamori-crash-XXXXXX")
chmod 755 "$T"
I="$T/inst"
MPID=
SRCPID=
cleanup() {
    [ -n "$SRCPID" ] && kill "$SRCPID" 2>/dev/null
    [ -n "$MPID" ] && kill -9 "$MPID" 2>/dev/null
    pf_stop "$T/inet"
    pf_stop "$T/gw"
    sink_stop "$T/sink"
    mountpoint -q "$I/quarantine" && umount "$I/quarantine"
    mountpoint -q "$T/full" && umount "$T/full"
    rm -rf "$T"
}
trap cleanup EXIT
if [ "$(id -u)" -ne 0 ]; then
    not_ok "the crash test runs Postfix and mounts a file system: it needs root"
    tap_end
    exit 1
fi

INET=$(free_port)
GW=$(free_port)
SINK=$(free_port)
SOCK="$T/sock/milter.sock"
mkdir -p "$T/sock"
chmod 755 "$T/sock"
"$MAMORI" init "$I" >/dev/null
# The console (its own test, console.sh) stays off: its default ports are not this test's.
sed -i '/^console =/d; /^upload =/d' "$I/mamorid.conf"
start_mamorid() {
    readies=$(grep -c "ready" "$T/mamorid.log" 2>/dev/null)
    "$MAMORID" -C "$I" --milter "unix:$SOCK" >>"$T/mamorid.log" 2>&1 &
    MPID=$!
    for _ in $(seq 1 100); do
        [ "$(grep -c "ready" "$T/mamorid.log")" -gt "$readies" ] && return 0
        sleep 0.05
    done
    return 1
}
: >"$T/mamorid.log"
check "mamorid starts" start_mamorid
sink_start "$T/sink" "$SINK"
pf_start "$T/gw" "$GW" "$SINK" "unix:$SOCK" gw.mamori.test
pf_start "$T/inet" "$INET" "$GW" "" mx.internet.test
sink_count() { find "$T/sink" -maxdepth 1 -name 'msg.*' -type f | wc -l; }
queued() { echo $(($(pf_queue_count "$T/inet") + $(pf_queue_count "$T/gw"))); }
kill_worker() { kill -9 $(pgrep -P "$MPID") 2>/dev/null; }

# The internet side accepts everything first (it has no milter), then relays to the gateway.
start=$(date +%s)
smtp-source -s 4 -m "$COUNT" -l 3000 -f sender@ext.example -t user@lgwan.example \
    "127.0.0.1:$INET" >"$T/source.out" 2>&1 &
SRCPID=$!
wait_sink() { # reach N in the sink, at most S seconds
    for _ in $(seq 1 $(($2 * 10))); do [ "$(sink_count)" -ge "$1" ] && return 0; sleep 0.1; done
    return 1
}
q=$((COUNT / 8))
wait_sink "$q" 60; kill_worker; echo "# kill -9 worker at $(sink_count)"
wait_sink $((q * 2)) 60; kill_worker; echo "# kill -9 worker at $(sink_count)"
wait_sink $((q * 3)) 60
kill -9 "$MPID"; wait "$MPID" 2>/dev/null
echo "# kill -9 mamorid at $(sink_count)"
sleep 2
check "mamorid starts again after kill -9" start_mamorid
wait_sink $((q * 4)) 60
# Filled before it is put in place, so nothing in flight lands on it and vanishes with it.
mkdir -p "$T/full"
mount -t tmpfs -o size=64k tmpfs "$T/full"
dd if=/dev/zero of="$T/full/fill" bs=4k count=32 2>/dev/null
mount --bind "$T/full" "$I/quarantine"
echo "# quarantine full at $(sink_count)"
sleep 3
umount "$I/quarantine"
umount "$T/full"
echo "# quarantine has room again at $(sink_count)"
wait_sink $((q * 6)) 60; kill_worker; echo "# kill -9 worker at $(sink_count)"
wait "$SRCPID"
src_rc=$?
SRCPID=
check "smtp-source handed all $COUNT messages to the internet-side Postfix" test "$src_rc" -eq 0

# Delivered (sanitized or not) + still queued must be every message. The queues are counted
# first and the sink a moment later: a message moving on in between is counted twice, never
# missed (smtp-sink may write its file just after it answers).
mid_queue=$(queued)
sleep 0.5
mid_sink=$(sink_count)
echo "# during recovery: delivered $mid_sink, queued $mid_queue"
check "zero lost while recovering: delivered + queued = $COUNT" test $((mid_sink + mid_queue)) -ge "$COUNT"
# Let the retries finish.
for _ in $(seq 1 120); do
    [ "$(sink_count)" -ge "$COUNT" ] && [ "$(queued)" -eq 0 ] && break
    pf_flush "$T/inet"
    sleep 1
done
elapsed=$(($(date +%s) - start))
echo "# all delivered after ${elapsed}s: $(sink_count) in the sink, $(queued) queued"
"$MAMORI" -C "$I" quarantine list --json | python3 -c '
import json, sys
for o in json.load(sys.stdin): print(o["id"])' >"$T/kept.txt"
python3 "$SRC/tests/integration/check_sink.py" "$T/sink" "$T/kept.txt" >"$T/sink.json"
field() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, d))" "$T/sink.json" "$1"; }
check "every message delivered: $COUNT in the sink, none queued" test "$(sink_count)-$(queued)" = "$COUNT-0"
check "zero delivered unsanitized" test "$(field 'len(unsafe)')" -eq 0
check "zero delivered twice (by Message-ID)" test "$(field 'duplicates')" -eq 0
check "every delivered message names a kept original" test "$(field 'not_kept')" -eq 0
tempfails=$(grep -c "temporary failure" "$T/mamorid.log")
echo "# mamorid answered $tempfails temporary failures; Postfix retried them"
check "the failures were temporary failures, not passes" test "$tempfails" -ge 1
check "the audit log is intact" "$MAMORI" -C "$I" log verify
check "every original decrypts to its id" "$MAMORI" -C "$I" quarantine verify
tap_end
