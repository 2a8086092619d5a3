#!/usr/bin/env bash
#  test_http_page: the broker's status page (src/http_page.html, served at /
#  by jbus-broker --http) in a headless Chromium, against a live broker with
#  a publisher, a durable subscriber and a journal: the page polls the JSON
#  endpoints, computes rates and fills its tables, and renders to a
#  screenshot (in $JBUS_SCREENSHOT_DIR when set, for a human to look at).
#  Usage: test_http_page.sh BUILD_DIR    (BUILD_DIR/bus/jbus-broker, BUILD_DIR/clients/jbus)
#  Exit: 0 passed, 1 failed, 77 skipped (no Chromium; $CHROMIUM names one).
#
#  Chromium's flags, as found with Chromium 156 (Debian 12):
#  --dump-dom alone dumps the DOM at the load event, before the page's first
#  poll has answered. --virtual-time-budget=N runs the page's timers through
#  N ms of virtual time and then dumps: the one-second polls come one after
#  another, virtual time standing still while their fetches are on the wire,
#  so 4000 gives 4-5 polls in about half a second of real time. The page
#  takes its rates over broker time (now_ms), so they come out right however
#  fast the polls come. --timeout does not help: it only stops a load that is
#  still going on. --dump-dom and --screenshot work in one run.
#  --user-data-dir keeps Chromium's profile out of $HOME.
set -uo pipefail
name=test_http_page
build=${1:?usage: test_http_page.sh BUILD_DIR}
broker=$build/bus/jbus-broker
jbus=$build/clients/jbus

fail() { echo "$name: FAIL: $*" >&2; exit 1; }

chromium=${CHROMIUM:-}
if [ -z "$chromium" ]; then
    for candidate in chromium chromium-browser; do
        chromium=$(command -v "$candidate") && break
    done
fi
if [ -z "$chromium" ] || [ ! -x "$chromium" ]; then
    echo "$name: SKIP: no chromium (apt-get install chromium, or set CHROMIUM to its path)" >&2
    exit 77
fi
[ -x "$broker" ] && [ -x "$jbus" ] || fail "no $broker or $jbus: build first"

# shellcheck source=tests/testproc.sh
. "$(dirname "$0")/testproc.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/jbus-test-http-page.XXXXXX") || fail "mktemp"
out=${JBUS_SCREENSHOT_DIR:-$tmp}

#  get PATH: the body of a GET on the broker's HTTP endpoint, with no other
#  tool than bash (HTTP/1.0: the server closes when done).
get() {
    timeout 5 bash -c 'exec 3<>"/dev/tcp/$1/$2" || exit 1
        printf "GET %s HTTP/1.0\r\nHost: %s:%s\r\n\r\n" "$3" "$1" "$2" >&3
        sed "1,/^\r\{0,1\}$/d" <&3' get "$http_host" "$http_port" "$1"
}

# ---------------------------------------------------------------- broker
"$broker" --frontend 'tcp://127.0.0.1:*' --backend 'tcp://127.0.0.1:*' \
    --control 'tcp://127.0.0.1:*' --journal "$tmp/journal" --replay 'tcp://127.0.0.1:*' \
    --journal-sync false --http 127.0.0.1:0 >"$tmp/broker.out" 2>"$tmp/broker.err" &
pids+=($!)
ready() { grep -q '^jbus-broker: ready ' "$tmp/broker.out"; }
if ! until_ok 10 ready; then
    cat "$tmp/broker.err" >&2
    fail "the broker printed no ready line in 10 s"
fi
line=$(grep -m1 '^jbus-broker: ready ' "$tmp/broker.out")
endpoint() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
frontend=$(endpoint frontend) backend=$(endpoint backend) replay=$(endpoint replay) http=$(endpoint http)
[ -n "$frontend" ] && [ -n "$backend" ] && [ -n "$replay" ] && [ -n "$http" ] \
    || fail "cannot read the endpoints from: $line"
http_host=${http%:*} http_port=${http##*:}
url="http://$http/"

# ---------------------------------------------------------------- traffic
#  A durable subscriber, so that /journalz has a consumer (it reads the
#  journal, not the live stream); a live one, so that there are deliveries
#  and a subscription; about 200 events a second from one publisher, so that
#  the rates are not zero.
"$jbus" sub --endpoint "$backend" --replay "$replay" --durable page --ack-every 10 jerry. \
    >"$tmp/durable.out" 2>"$tmp/durable.err" &
pids+=($!)
"$jbus" sub --endpoint "$backend" jerry.page. >"$tmp/live.out" 2>"$tmp/live.err" &
pids+=($!)
mkfifo "$tmp/events"
(
    n=0
    while :; do
        for ((i = 0; i < 20; i++)); do
            printf '{"specversion":"1.0","type":"jerry.page.tick","source":"/tests/http_page","id":"tick-%d","data":{"n":%d}}\n' \
                "$n" "$n"
            n=$((n + 1))
        done
        sleep 0.1
    done
) >"$tmp/events" &
pids+=($!)
"$jbus" pub --endpoint "$frontend" --quiet <"$tmp/events" >"$tmp/pub.out" 2>"$tmp/pub.err" &
pids+=($!)

#  What the page is to show must be there before Chromium looks.
flowing() { get /varz | grep -q '"messages_in": *[1-9]'; }
consumer() { get /journalz | grep -q '"name": *"page"'; }
until_ok 10 flowing || fail "no events reached the broker in 10 s: $(cat "$tmp/pub.err")"
subscribed() { get /subsz | grep -q '"prefix": *"jerry.page."'; }
until_ok 10 consumer || fail "no durable consumer 'page' in /journalz in 10 s: $(get /journalz)"
until_ok 10 subscribed || fail "no subscription jerry.page. in /subsz in 10 s: $(get /subsz)"

# ---------------------------------------------------------------- the page
mkdir -p "$out"
shot=$out/status-page.png
rm -f "$shot"
timeout -k 5 60 "$chromium" --headless=new --no-sandbox --disable-gpu --no-first-run \
    --user-data-dir="$tmp/chromium" --window-size=1280,1000 --virtual-time-budget=4000 \
    --screenshot="$shot" --dump-dom "$url" >"$tmp/dom.html" 2>"$tmp/chromium.err"
rc=$?
[ "$rc" = 0 ] || { tail -20 "$tmp/chromium.err" >&2; fail "chromium exited $rc"; }

dom=$(tr -d '\n' <"$tmp/dom.html")
#  text ID: the text of the element with id ID (no nested tags)
text() { sed -n "s/.*id=\"$1\"[^>]*>\([^<]*\)<.*/\1/p" <<<"$dom"; }
#  rows ID: the data rows of the tbody with id ID, not the row that says none
rows() {
    grep -o "<tbody id=\"$1\">.*" <<<"$dom" | sed 's,</tbody>.*,,' | grep -o '<tr[^>]*>' \
        | grep -vc 'class="empty"'
}
grep -q '<div id="error"[^>]*hidden' <<<"$dom" || fail "the page shows an error: $(text error)"
grep -q 'data-live="1"' <<<"$dom" || fail "the page never went live (no data-live=\"1\" after two polls)"
rate_in=$(text rate-in)
[[ "${rate_in//,/}" =~ ^[0-9.]+$ ]] && awk -v r="${rate_in//,/}" 'BEGIN { exit !(r > 0) }' \
    || fail "#rate-in is '$rate_in', not a rate above zero"
connections=$(rows connections) subscriptions=$(rows subscriptions) consumers=$(rows consumers)
[ "$connections" -ge 1 ] || fail "#connections has no row"
[ "$subscriptions" -ge 1 ] || fail "#subscriptions has no row"
[ "$consumers" -ge 1 ] || fail "#consumers has no row"
grep -q '>page<' <<<"$dom" || fail "the durable consumer 'page' is not on the page"
[ -s "$shot" ] || fail "no screenshot at $shot"
size=$(stat -c %s "$shot")
[ "$size" -gt 10240 ] || fail "the screenshot is only $size bytes"

echo "$name: ok: live, $rate_in messages in/s, $(text rate-deliveries) deliveries/s," \
     "$connections connections, $subscriptions subscriptions, $consumers durable consumers," \
     "updated $(text updated)"
echo "$name: ok: screenshot $shot ($size bytes)"
echo "$name: passed"
