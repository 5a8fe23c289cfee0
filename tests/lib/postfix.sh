# A private Postfix on loopback for tests and benchmarks (sourced, not run).
#
#   pf_start DIR SMTP_PORT NEXT_PORT [MILTER [NAME]]
#                                               Postfix listening on 127.0.0.1:SMTP_PORT,
#                                               relaying everything to 127.0.0.1:NEXT_PORT,
#                                               with smtpd_milters = MILTER (none if empty);
#                                               NAME its host name (two in a chain differ)
#   pf_stop DIR
#   pf_queue_count DIR                           messages still queued
#   pf_flush DIR                                 retry deferred mail now
#   sink_start DIR PORT                          smtp-sink dumping each message into DIR
#   sink_stop DIR
#
# Everything lives under DIR; nothing touches the system's Postfix (/etc/postfix).

pf_start() {
    _d=$1 _port=$2 _sink=$3 _milter=${4:-} _name=${5:-gw.mamori.test}
    mkdir -p "$_d/etc" "$_d/queue" "$_d/data"
    chown postfix "$_d/data"
    cat >"$_d/etc/main.cf" <<EOC
compatibility_level = 3.6
queue_directory = $_d/queue
data_directory = $_d/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
syslog_name = mamori-test-postfix
maillog_file = $_d/maillog
maillog_file_prefixes = $_d
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = $_name
mydomain = mamori.test
myorigin = \$myhostname
mydestination =
local_recipient_maps =
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
relayhost = [127.0.0.1]:$_sink
smtp_tls_security_level = none
smtpd_tls_security_level = none
smtpd_milters = $_milter
milter_default_action = tempfail
milter_protocol = 6
milter_connect_timeout = 5s
milter_content_timeout = 60s
message_size_limit = 104857600
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
smtp_connect_timeout = 5s
default_process_limit = 50
smtpd_client_connection_count_limit = 0
smtpd_client_message_rate_limit = 0
anvil_rate_time_unit = 60s
biff = no
EOC
    cat >"$_d/etc/master.cf" <<EOC
127.0.0.1:$_port inet n - n - - smtpd
pickup    unix n - n 60 1 pickup
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
smtp      unix - - n - - smtp
relay     unix - - n - - smtp
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
local     unix - n n - - local
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOC
    postfix -c "$_d/etc" check >/dev/null 2>&1 || true
    postfix -c "$_d/etc" start >"$_d/start.log" 2>&1 || { cat "$_d/start.log" "$_d/maillog" 2>/dev/null >&2; return 1; }
}

pf_stop() {
    postfix -c "$1/etc" stop >/dev/null 2>&1 || true
    # master exits shortly after; wait so the ports are free for the next start
    for _i in $(seq 1 50); do
        [ -e "$1/queue/pid/master.pid" ] || break
        kill -0 "$(tr -d ' ' <"$1/queue/pid/master.pid")" 2>/dev/null || break
        sleep 0.1
    done
}

pf_queue_count() { # messages in the queue (incoming, active, deferred, hold, maildrop)
    find "$1/queue/incoming" "$1/queue/active" "$1/queue/deferred" "$1/queue/hold" \
        "$1/queue/maildrop" -type f 2>/dev/null | wc -l
}

pf_flush() {
    postqueue -c "$1/etc" -f >/dev/null 2>&1 || true
}

sink_start() {
    mkdir -p "$1"
    chown postfix "$1"
    smtp-sink -u postfix -R "$1" -d "msg." "127.0.0.1:$2" 200 &
    echo $! >"$1.pid"
}

sink_stop() {
    [ -f "$1.pid" ] && kill "$(cat "$1.pid")" 2>/dev/null || true
    rm -f "$1.pid"
}
