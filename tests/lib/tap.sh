# TAP output for the shell tests (sourced). Set T (a scratch directory) first.
#   ok "what"; not_ok "what" [detail lines...]; check "what" command args...
#   tap_end   prints the plan and returns nonzero when anything failed
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
    n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift
    for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done
}
check() {
    d=$1; shift
    if "$@" >"$T/check.out" 2>&1; then ok "$d"; else not_ok "$d" "command: $*" "$(head -5 "$T/check.out")"; fi
}
tap_end() { echo "1..$n"; [ "$failed" -eq 0 ]; }
# A loopback port nothing listens on; never the same one twice in one test (the kernel may
# hand a just-closed port out again, and two servers of the test would then collide).
free_port() {
    while :; do
        p=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
        if ! grep -qx "$p" "$T/.ports" 2>/dev/null; then
            echo "$p" >>"$T/.ports"
            echo "$p"
            return
        fi
    done
}
