#!/bin/sh
# The lock-down of a My Number zone terminal (基本方針 6(3)①): devices registered, a person's
# TOTP enrolled, the profile made from the policy and the registers, installed by its apply.sh
# into a throw-away root (twice: it must be idempotent), and its host firewall loaded in a
# network namespace this test makes, where real connections check it: the pinned peer and the
# zone's own hosts reachable, everything else not, in and out. USBGuard, pam_oath and the
# module blacklist are checked as files (no USB bus, PAM stack or kernel modules to try them
# on in this sandbox). Needs root. Prints TAP. Usage: endpoint.sh path/to/mamori path/to/source
set -u
export LANG=C.UTF-8 MAMORI_LANG=en
MAMORI=$1
SRC=$2
PROBE="$SRC/tests/integration/probe.py"
. "$SRC/tests/lib/tap.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/mamori-endpoint-XXXXXX")
I="$T/inst"
S=$$
cleanup() {
    ip netns del "et$S" 2>/dev/null
    ip netns del "ep$S" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
if [ "$(id -u)" -ne 0 ]; then
    not_ok "the endpoint test makes network namespaces: it needs root"
    tap_end
    exit 1
fi
M() { "$MAMORI" -C "$I" "$@"; }
expect() { # description, expected exit status, command...
    d=$1 want=$2; shift 2
    "$@" >"$T/out" 2>&1
    got=$?
    if [ "$got" -eq "$want" ]; then ok "$d"; else not_ok "$d" "exit $got, wanted $want: $*" "$(head -3 "$T/out")"; fi
}

M init "$I" >/dev/null 2>&1
printf 'correct horse battery staple\n' >"$T/pw"
M user add admin --role system_admin --unit somu-johoseisaku --password-file "$T/pw" >/dev/null
M user add sato --role staff --unit shimin-zeimu --password-file "$T/pw" --as admin >/dev/null
M user add kato --role staff --unit shimin-zeimu --password-file "$T/pw" --as admin >/dev/null
M user enrol-totp sato --as admin >/dev/null

# --- the equipment register ----------------------------------------------------------------
expect "register a keyboard for the My Number zone" 0 \
    M device add kb-1 --usb 046d:c31c --serial ABC123 --name 'Logitech "K120" \ kb' --zone mynumber --as admin
expect "register a USB stick for the LGWAN zone" 0 M device add stick-1 --usb 0781:5581 --zone lgwan --as admin
expect "a malformed USB id is refused" 64 M device add x --usb 46d:c31c --zone mynumber --as admin
expect "an unknown zone is refused" 64 M device add x --usb 046d:c31c --zone dmz9 --as admin
expect "the same id twice is refused" 65 M device add kb-1 --usb 046d:c31c --zone mynumber --as admin
expect "a staff member may not register devices" 77 M device add x --usb 046d:c31c --zone mynumber --as kato

# --- the profile -----------------------------------------------------------------------------
expect "a staff member may not make profiles (they carry second factors)" 77 \
    M endpoint profile mynumber --host 10.10.0.30 --out "$T/p" --as kato
expect "an address outside the zone is refused" 65 M endpoint profile mynumber --host 10.20.0.25 --out "$T/p" --as admin
expect "the profile of the terminal 10.10.0.30" 0 M endpoint profile mynumber --host 10.10.0.30 --out "$T/p" --as admin
R="$T/p/root"
check "USBGuard allows the zone's registered keyboard only, its name made safe" sh -c "
    grep -c '^allow ' '$R/etc/usbguard/rules.conf' | grep -qx 1 &&
    grep -qx 'allow id 046d:c31c serial \"ABC123\" name \"Logitech _K120_ _ kb\"' '$R/etc/usbguard/rules.conf' &&
    ! grep -q 0781 '$R/etc/usbguard/rules.conf' &&
    grep -qx 'ImplicitPolicyTarget=block' '$R/etc/usbguard/usbguard-daemon.conf.mamori'"
check "pam_oath: sato's second factor in the usersfile, the PAM line in its own file" sh -c "
    grep -qP '^HOTP/T30/6\tsato\t-\t[0-9a-f]{40}$' '$R/etc/users.oath' && test \$(wc -l <'$R/etc/users.oath') -eq 1 &&
    grep -q '^auth requisite pam_oath.so usersfile=/etc/users.oath' '$R/etc/pam.d/mamori-oath'"
check "wireless and Bluetooth refused at module load" sh -c "
    grep -qx 'install cfg80211 /bin/false' '$R/etc/modprobe.d/mamori-no-wireless.conf' &&
    grep -qx 'install bluetooth /bin/false' '$R/etc/modprobe.d/mamori-no-wireless.conf'"
check "secrets and rules are 0600" sh -c "test \"\$(stat -c %a '$R/etc/users.oath' '$R/etc/usbguard/rules.conf' | sort -u)\" = 600"
check "nftables accepts the host firewall (nft -c)" nft -c -f "$R/etc/nftables.d/mamori-host.nft"

# --- apply.sh into a throw-away root, twice ---------------------------------------------------
ROOT="$T/root"
mkdir -p "$ROOT/etc/pam.d"
printf 'auth\t[success=1 default=ignore]\tpam_unix.so nullok\nauth\trequisite\tpam_deny.so\n' \
    >"$ROOT/etc/pam.d/common-auth"
sh "$T/p/apply.sh" "$ROOT" >/dev/null && sh "$T/p/apply.sh" "$ROOT" >/dev/null
check "apply.sh installs every file with its mode" sh -c "
    cmp -s '$R/etc/users.oath' '$ROOT/etc/users.oath' && test \$(stat -c %a '$ROOT/etc/users.oath') = 600 &&
    cmp -s '$R/etc/nftables.d/mamori-host.nft' '$ROOT/etc/nftables.d/mamori-host.nft' &&
    cmp -s '$R/etc/usbguard/rules.conf' '$ROOT/etc/usbguard/rules.conf'"
check "the TOTP step comes first in common-auth, once, the rest kept" sh -c "
    test \"\$(head -1 '$ROOT/etc/pam.d/common-auth')\" = '@include mamori-oath' &&
    test \$(grep -c mamori-oath '$ROOT/etc/pam.d/common-auth') -eq 1 &&
    grep -q pam_unix.so '$ROOT/etc/pam.d/common-auth'"

# --- the host firewall on the wire ------------------------------------------------------------
# The terminal (10.10.0.30) and one peer namespace holding its router 10.10.0.1 (a My Number
# address), the pinned peer 10.20.0.30 (chukan-gw) and an LGWAN server 10.20.0.25.
ip netns add "et$S"
ip netns add "ep$S"
ip link add "vt$S" netns "et$S" type veth peer name "vp$S" netns "ep$S"
ip -n "et$S" link set lo up
ip -n "ep$S" link set lo up
ip -n "et$S" addr add 10.10.0.30/24 dev "vt$S"
ip -n "ep$S" addr add 10.10.0.1/24 dev "vp$S"
ip -n "ep$S" addr add 10.20.0.30/32 dev "vp$S"
ip -n "ep$S" addr add 10.20.0.25/32 dev "vp$S"
ip -n "et$S" link set "vt$S" up
ip -n "ep$S" link set "vp$S" up
ip -n "et$S" route add 10.20.0.0/16 via 10.10.0.1
ip -n "ep$S" route add 10.10.0.30/32 dev "vp$S" 2>/dev/null
probe() { # allow|deny ns src dst port description
    if ip netns exec "$2" python3 "$PROBE" "$3" "$4" "$5"; then got=allow; else got=deny; fi
    if [ "$got" = "$1" ]; then ok "$1: $6"; else not_ok "$1: $6" "got $got"; fi
}
probe allow "et$S" 10.10.0.30 10.20.0.25 25 "before the profile, the terminal reaches an LGWAN server"
expect "the host firewall loads in the terminal's namespace" 0 ip netns exec "et$S" nft -f "$ROOT/etc/nftables.d/mamori-host.nft"
probe allow "et$S" 10.10.0.30 10.20.0.30 443 "the pinned peer (chukan-gw, https)"
probe deny "et$S" 10.10.0.30 10.20.0.30 80 "... on no other port"
probe deny "et$S" 10.10.0.30 10.20.0.25 25 "any other LGWAN host"
probe allow "et$S" 10.10.0.30 10.10.0.1 22 "a host of its own zone"
probe deny "ep$S" 10.20.0.30 10.10.0.30 22 "in: the pinned peer may not open connections to the terminal"
probe allow "ep$S" 10.10.0.1 10.10.0.30 22 "in: its own zone may"
line=$(ip netns exec "et$S" nft list chain inet mamori_host output | grep 'mamori:deny:host')
pk=$(echo "$line" | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
check "denied packets are counted and logged for the monitor ($pk)" test "${pk:-0}" -ge 2

M log show --json >"$T/log.json"
check "devices, enrolment and the profile are in the audit log" python3 -c '
import json, sys
acts = [r["action"] for r in json.load(open(sys.argv[1]))]
assert acts.count("device.add") == 2 and "user.totp-enrol" in acts and "endpoint.profile" in acts, acts' "$T/log.json"
check "mamori log verify" M log verify
tap_end
