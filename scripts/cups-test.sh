#!/usr/bin/env bash
# A private CUPS for tests and demos: cupsd on 127.0.0.1:PORT with its own
# state in DIR and a cups-pdf queue that writes each job as a PDF into
# DIR/out. Needs root (cups-pdf's backend runs as root) and the Debian
# packages cups + printer-driver-cups-pdf (scripts/install-deps.sh).
#
#   scripts/cups-test.sh start DIR PORT [QUEUE]  → prints CUPS_SERVER=127.0.0.1:PORT
#   scripts/cups-test.sh stop DIR
#
# The queue's cups-pdf settings go to /etc/cups/cups-pdf-QUEUE.conf (the
# backend reads them only from there); stop removes that file.
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?state directory}
case "$cmd" in
start)
    port=${3:?port}
    queue=${4:-outletdesk-pdf}
    for tool in cupsd lpadmin; do
        command -v "$tool" >/dev/null || { echo "missing $tool (install cups)" >&2; exit 3; }
    done
    ppd=/usr/share/ppd/cups-pdf/CUPS-PDF_noopt.ppd
    [ -x /usr/lib/cups/backend/cups-pdf ] && [ -f "$ppd" ] \
        || { echo "missing cups-pdf (install printer-driver-cups-pdf)" >&2; exit 3; }
    mkdir -p "$dir"/{etc/ppd,run/certs,cache,spool/tmp,log,out}
    chmod 0777 "$dir/out"
    cat > "$dir/etc/cupsd.conf" <<CONF
Listen 127.0.0.1:$port
LogLevel warn
MaxLogSize 0
WebInterface No
DefaultAuthType None
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
<Location />
  Order allow,deny
  Allow all
</Location>
CONF
    cat > "$dir/etc/cups-files.conf" <<CONF
ServerRoot $dir/etc
StateDir $dir/run
CacheDir $dir/cache
RequestRoot $dir/spool
TempDir $dir/spool/tmp
ErrorLog $dir/log/error_log
AccessLog $dir/log/access_log
PageLog $dir/log/page_log
ServerBin /usr/lib/cups
DataDir /usr/share/cups
SystemGroup root
Sandboxing Relaxed
CONF
    cat > "/etc/cups/cups-pdf-$queue.conf" <<CONF
Out $dir/out
AnonDirName $dir/out
Label 0
Log $dir/log
LogType 3
CONF
    echo "$queue" > "$dir/queue"
    cupsd -f -c "$dir/etc/cupsd.conf" -s "$dir/etc/cups-files.conf" >"$dir/log/cupsd.out" 2>&1 &
    echo $! > "$dir/cupsd.pid"
    for _ in $(seq 50); do
        lpstat -h "127.0.0.1:$port" -r 2>/dev/null | grep -q "is running" && break
        sleep 0.1
    done
    lpadmin -h "127.0.0.1:$port" -p "$queue" -E -v "cups-pdf:/$queue" -P "$ppd"
    echo "CUPS_SERVER=127.0.0.1:$port"
    ;;
stop)
    if [ -f "$dir/cupsd.pid" ]; then
        kill "$(cat "$dir/cupsd.pid")" 2>/dev/null || true
        rm -f "$dir/cupsd.pid"
    fi
    if [ -f "$dir/queue" ]; then
        rm -f "/etc/cups/cups-pdf-$(cat "$dir/queue").conf"
    fi
    ;;
*) echo "usage: $0 start DIR PORT [QUEUE] | stop DIR" >&2; exit 2 ;;
esac
