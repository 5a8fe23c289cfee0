#!/bin/sh
# The zone boundary on the wire: a router namespace runs the ruleset `mamori fw apply` loads
# from the example city's policy, one namespace per zone holds that zone's hosts (addresses
# and MAC from the policy), and real TCP connections and pings check what passes. Traffic
# stays inside namespaces this test makes (and deletes). Needs root. Prints TAP.
# Usage: netns.sh path/to/mamori path/to/source
set -u
export LANG=C.UTF-8 MAMORI_LANG=en
MAMORI=$1
SRC=$2
POLICY="$SRC/examples/city/mamori.yaml"
PROBE="$SRC/tests/integration/probe.py"
T=$(mktemp -d "${TMPDIR:-/tmp}/mamori-netns-XXXXXX")
S=$$
R="mr$S"
HOSTS="my lgs lgt dmz out"
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
MPID=
SINKPID=
cleanup() {
    [ -n "$MPID" ] && kill "$MPID" 2>/dev/null
    [ -n "$SINKPID" ] && kill "$SINKPID" 2>/dev/null
    for h in $HOSTS; do ip netns del "h$h$S" 2>/dev/null; done
    ip netns del "$R" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ]; then
    not_ok "network namespaces need root"
    echo "1..$n"
    exit 1
fi

# name router-address/prefix host-addresses... [mac]
ip netns add "$R"
ip -n "$R" link set lo up
ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1
add_host() {
    h=$1 raddr=$2 mac=$3
    shift 3
    ns="h$h$S"
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip link add "v$h$S" netns "$R" type veth peer name eth0 netns "$ns"
    [ "$mac" != - ] && ip -n "$ns" link set eth0 address "$mac"
    ip -n "$R" addr add "$raddr" dev "v$h$S"
    ip -n "$R" link set "v$h$S" up
    for a in "$@"; do ip -n "$ns" addr add "$a" dev eth0; done
    ip -n "$ns" link set eth0 up
    ip -n "$ns" route add default via "${raddr%/*}"
}
# Hosts from the policy: My Number (zeimu-renkei .21, juki .10, togo-atena .30 with the pinned
# MAC), LGWAN servers (lgwan-mail .25, chukan-gw .30, update-server .40), an LGWAN terminal,
# the DMZ (mamori-gw .25, vdi .80) and a host outside every segment (the internet).
add_host my 10.10.0.1/24 02:00:00:0a:00:1e 10.10.0.21/24 10.10.0.10/24 10.10.0.30/24
add_host lgs 10.20.0.1/24 - 10.20.0.25/24 10.20.0.30/24 10.20.0.40/24
add_host lgt 10.20.16.1/20 - 10.20.16.9/20
add_host dmz 10.30.0.1/24 - 10.30.0.25/24 10.30.0.80/24
add_host out 203.0.113.1/24 - 203.0.113.10/24

# IPv6 on the My Number and internet hosts, which the policy gives no IPv6 prefix.
ip netns exec "$R" sysctl -qw net.ipv6.conf.all.forwarding=1
add_v6() {
    ip -n "$R" addr add "$2::1/64" dev "v$1$S" nodad
    ip -n "h$1$S" addr add "$2::10/64" dev eth0 nodad
    ip -n "h$1$S" -6 route add default via "$2::1"
}
add_v6 my fd00:10
add_v6 out fd00:203

# Before the firewall everything routes (the topology works).
if ip netns exec "hout$S" "$PROBE" 203.0.113.10 10.10.0.10 22; then ok "without the firewall, packets route"; else not_ok "without the firewall, packets route"; fi
if ip netns exec "hout$S" ping -6 -c 3 -i 0.3 -W 2 fd00:10::10 >/dev/null 2>&1; then ok "without the firewall, IPv6 routes"; else not_ok "without the firewall, IPv6 routes"; fi

I="$T/city"
"$MAMORI" init "$I" --policy "$POLICY" >/dev/null 2>&1
# The console (its own test, console.sh) stays off: its default ports are not this test's.
sed -i '/^console =/d; /^upload =/d' "$I/mamorid.conf"
if ip netns exec "$R" "$MAMORI" -C "$I" fw apply --as netns-test >"$T/apply.out" 2>&1; then
    ok "mamori fw apply loads the ruleset in the router"
else
    not_ok "mamori fw apply loads the ruleset in the router" "$(cat "$T/apply.out")"
fi

# allow|deny FROM-NS SRC DST PORT description
probe() {
    want=$1 ns="h$2$S" src=$3 dst=$4 port=$5
    shift 5
    if ip netns exec "$ns" "$PROBE" "$src" "$dst" "$port"; then got=allow; else got=deny; fi
    if [ "$got" = "$want" ]; then ok "$want: $*"; else not_ok "$want: $*" "got $got ($src -> $dst:$port)"; fi
}
probe allow dmz 10.30.0.25 10.20.0.25 25 "mail-in: the gateway delivers sanitized mail to the LGWAN mail server"
probe deny out 203.0.113.10 10.20.0.25 25 "internet mail never reaches LGWAN directly"
probe deny dmz 10.30.0.80 10.20.0.25 25 "only the gateway carries mail into LGWAN"
probe allow lgs 10.20.0.25 10.30.0.25 25 "mail-out: the LGWAN mail server sends through the gateway"
probe deny lgt 10.20.16.9 203.0.113.10 443 "LGWAN terminals have no breakout (model alpha)"
probe allow lgs 10.20.0.40 203.0.113.10 443 "updates: the update server reaches the internet on https"
probe deny lgs 10.20.0.40 203.0.113.10 80 "... and only on https"
probe allow lgt 10.20.16.9 10.30.0.80 443 "web-view: terminals reach the virtual browser"
probe allow my 10.10.0.21 203.0.113.10 443 "eltax: the tax link server, national_specific"
probe deny my 10.10.0.10 203.0.113.10 443 "My Number: nothing else reaches the internet"
probe allow my 10.10.0.30 10.20.0.30 443 "chukan: the pinned exception, pinned address and MAC"
probe deny my 10.10.0.10 10.20.0.30 443 "... not from another My Number address"
probe deny my 10.10.0.30 10.20.0.25 25 "... not to another LGWAN host"
probe deny out 203.0.113.10 10.10.0.10 22 "internet never reaches My Number"
probe deny lgt 10.20.16.9 10.10.0.10 443 "LGWAN never reaches My Number outside the exception"
probe allow lgt 10.20.16.9 10.20.0.25 25 "inside LGWAN, terminals reach servers"

# ICMP
if ip netns exec "hdmz$S" ping -c 1 -W 1 -I 10.30.0.25 203.0.113.10 >/dev/null 2>&1; then ok "allow: ping inside the internet zone"; else not_ok "allow: ping inside the internet zone"; fi
if ip netns exec "hout$S" ping -c 1 -W 1 10.10.0.10 >/dev/null 2>&1; then not_ok "deny: ping from the internet to My Number"; else ok "deny: ping from the internet to My Number"; fi

# The private zones have no IPv6 prefix in the policy: no IPv6 packet is forwarded at all
# (an early draft accepted every IPv6 packet as "internet to internet").
if ip netns exec "hout$S" ping -6 -c 1 -W 1 fd00:10::10 >/dev/null 2>&1; then not_ok "deny: IPv6 from the internet to a My Number host"; else ok "deny: IPv6 from the internet to a My Number host"; fi
if ip netns exec "hmy$S" ping -6 -c 1 -W 1 fd00:203::10 >/dev/null 2>&1; then not_ok "deny: IPv6 from My Number to the internet"; else ok "deny: IPv6 from My Number to the internet"; fi

# Denied attempts are logged with a prefix naming the rule, and counted on it: the two
# denied probes from the internet to My Number above (TCP 22 and a ping) went through it.
line=$(ip netns exec "$R" nft list chain inet mamori forward | grep 'comment "no-internet-to-mynumber"')
pk=$(echo "$line" | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
if echo "$line" | grep -q 'log prefix "mamori:deny:no-internet-to-mynumber " group 7' && [ "${pk:-0}" -ge 2 ]; then
    ok "the deny rule logs with a prefix naming it and counted the denied packets ($pk)"
else
    not_ok "the deny rule logs with a prefix naming it and counted the denied packets" "$line"
fi

# The change is in the audit log, which verifies.
if "$MAMORI" -C "$I" log show | grep -q "fw.apply" && "$MAMORI" -C "$I" log verify >/dev/null; then
    ok "the apply is in the audit log and the log verifies"
else
    not_ok "the apply is in the audit log and the log verifies"
fi

# Rollback puts back what was there before (nothing: the table goes away).
if ip netns exec "$R" "$MAMORI" -C "$I" fw rollback >/dev/null 2>&1 && ! ip netns exec "$R" nft list table inet mamori >/dev/null 2>&1; then
    ok "rollback restores the previous state"
else
    not_ok "rollback restores the previous state"
fi

# With no table loaded the zones are not separated: fw verify says so.
ip netns exec "$R" "$MAMORI" -C "$I" fw verify >"$T/verify" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && grep -q "no mamori firewall is loaded" "$T/verify"; then
    ok "fw verify with no firewall loaded fails"
else
    not_ok "fw verify with no firewall loaded fails" "exit $rc" "$(head -3 "$T/verify")"
fi
ip netns exec "$R" "$MAMORI" -C "$I" fw apply >/dev/null 2>&1
# fw verify reads the live table back through libnftables and compares it with the policy.
if ip netns exec "$R" "$MAMORI" -C "$I" fw verify >"$T/verify" 2>&1; then
    ok "fw verify: the live firewall matches the policy"
else
    not_ok "fw verify: the live firewall matches the policy" "$(head -5 "$T/verify")"
fi
# Someone adds a rule by hand: LGWAN terminals to anywhere on ssh. It works on the wire, and
# fw verify catches it.
ip netns exec "$R" nft insert rule inet mamori forward ip saddr 10.20.16.0/20 tcp dport 22 accept
probe allow lgt 10.20.16.9 203.0.113.10 22 "the hand-made rule really lets ssh out"
ip netns exec "$R" "$MAMORI" -C "$I" fw verify >"$T/verify" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && grep -q '^excess lgwan -> internet tcp/22 ' "$T/verify"; then
    ok "fw verify catches the rule added by hand (exit 1, lgwan -> internet tcp/22)"
else
    not_ok "fw verify catches the rule added by hand (exit 1, lgwan -> internet tcp/22)" "exit $rc" "$(head -5 "$T/verify")"
fi
if "$MAMORI" -C "$I" log show | grep -q "fw.verify.*excess"; then
    ok "the failed verification is in the audit log"
else
    not_ok "the failed verification is in the audit log"
fi
# Applying again removes it.
ip netns exec "$R" "$MAMORI" -C "$I" fw apply >/dev/null 2>&1
probe deny lgt 10.20.16.9 203.0.113.10 22 "after apply, ssh out is closed again"
if ip netns exec "$R" "$MAMORI" -C "$I" fw verify >/dev/null 2>&1; then ok "... and fw verify is clean"; else not_ok "... and fw verify is clean"; fi

# Monitoring (6(3)③): mamorid, in the router, reads the denied packets from the firewall's
# nflog group, counts them per source, destination and service, records them in the store
# and the audit log, and raises an alert when one source keeps trying one destination.
MAMORID=$(dirname "$MAMORI")/mamorid
# Alerts also go by mail, through an SMTP sink inside the router's namespace.
mkdir -p "$T/sink" && chmod 755 "$T" && chown postfix "$T/sink" 2>/dev/null
ip netns exec "$R" smtp-sink -u postfix -R "$T/sink" -d "msg." 127.0.0.1:2525 10 &
SINKPID=$!
printf 'mail_relay = inet:127.0.0.1:2525\nalert_mail = joho-seisaku@lgwan.example\n' >>"$I/mamorid.conf"
ip netns exec "$R" "$MAMORID" -C "$I" --milter "unix:$T/milter.sock" 2>"$T/mamorid.log" &
MPID=$!
for _ in $(seq 1 100); do grep -q "ready" "$T/mamorid.log" && break; sleep 0.05; done
if grep -q "watching the firewall's denied packets (nflog group 7)" "$T/mamorid.log"; then
    ok "mamorid watches nflog group 7 in the router"
else
    not_ok "mamorid watches nflog group 7 in the router" "$(head -5 "$T/mamorid.log")"
fi
# 12 UDP datagrams from the internet to an LGWAN server's SNMP port, one blocked TCP attempt
# to ssh, and one permitted flow (which must not be counted).
ip netns exec "hout$S" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("203.0.113.10", 0))
for _ in range(12): s.sendto(b"x", ("10.20.0.25", 161))'
probe deny out 203.0.113.10 10.20.0.25 22 "a blocked ssh attempt from the internet (logged)"
probe allow dmz 10.30.0.25 10.20.0.25 25 "a permitted flow (not logged)"
sleep 0.5
kill -TERM "$MPID"
wait "$MPID"
MPID=
"$MAMORI" -C "$I" fw denies --json >"$T/denies.json"
if python3 -c '
import json, sys
d = {(e["src"], e["dst"], e["proto"], e["dport"]): e for e in json.load(open(sys.argv[1]))}
u = d[("203.0.113.10", "10.20.0.25", "udp", 161)]
t = d[("203.0.113.10", "10.20.0.25", "tcp", 22)]
assert u["count"] == 12 and u["first_us"] <= u["last_us"] and u["rule"] == "default", u
assert t["count"] >= 1, t
assert not any(k[0] == "10.30.0.25" for k in d), d' "$T/denies.json" 2>"$T/err"; then
    ok "fw denies: 12 x udp/161 and the tcp/22 attempt, by rule, with first and last seen; the permitted flow not counted"
else
    not_ok "fw denies counts the denied attempts" "$(cat "$T/err" | tail -2)" "$(head -c 400 "$T/denies.json")"
fi
"$MAMORI" -C "$I" log show --json >"$T/log.json"
if python3 -c '
import json, sys
recs = json.load(open(sys.argv[1]))
deny = [r for r in recs if r["action"] == "fw.deny" and r["object"] == "203.0.113.10->10.20.0.25"]
alert = [r for r in recs if r["action"] == "fw.alert" and r["object"] == "203.0.113.10->10.20.0.25"]
assert sum(json.loads(r["details"])["count"] for r in deny) >= 13, deny
assert len(alert) == 1 and all(r["clause"] == "6(3)③" for r in deny + alert), alert' "$T/log.json" 2>"$T/err" &&
    grep -q "alert: 203.0.113.10 keeps trying 10.20.0.25" "$T/mamorid.log"; then
    ok "the audit log has the denied attempts (fw.deny) and one alert (fw.alert) for the repeated ones"
else
    not_ok "the audit log has the denied attempts and the alert" "$(tail -2 "$T/err")" "$(grep alert "$T/mamorid.log")"
fi
if python3 - "$T/sink" <<'PY'
import email, glob, sys
from email.header import decode_header, make_header
files = glob.glob(sys.argv[1] + "/msg.*")
assert len(files) == 1, files
m = email.message_from_bytes(open(files[0], "rb").read())
subject = str(make_header(decode_header(m["Subject"])))
body = m.get_payload(decode=True).decode()
assert m["To"] == "<joho-seisaku@lgwan.example>" and "203.0.113.10" in subject, subject
assert "10.20.0.25" in body and "mamori fw denies" in body, body
PY
then ok "the alert was mailed to the information policy division (once)"; else not_ok "the alert was mailed"; fi
kill "$SINKPID" 2>/dev/null
if "$MAMORI" -C "$I" log verify >/dev/null; then ok "the audit log verifies"; else not_ok "the audit log verifies"; fi

echo "1..$n"
[ "$failed" -eq 0 ]
