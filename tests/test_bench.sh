#!/usr/bin/env bash
#  test_bench: jbus bench and its raw baseline (tests/bench_raw.c) run end to
#  end with small counts and account for every event: each subscriber gets
#  every event of every publisher, nothing is lost, in both modes, through
#  the embedded broker and through the jbus-broker program. Figures are not
#  checked (a test is not a benchmark); scripts/bench measures.
#  Usage: test_bench.sh JBUS BENCH_RAW JBUS_BROKER
set -euo pipefail
jbus=$1 bench_raw=$2 broker=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/jbus-test-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

#  field NAME JSON: a number field of the one-line JSON report
field() { sed -n "s/.*\"$1\":\([0-9.-]*\).*/\1/p" <<<"$2"; }

expect_all_delivered() {      # WHAT PUBLISHERS SUBSCRIBERS COUNT REPORT
    local what=$1 pubs=$2 subs=$3 count=$4 report=$5
    local published delivered lost
    published=$(field published "$report")
    delivered=$(field delivered "$report")
    lost=$(field lost "$report")
    if [ "$published" != $((pubs * count)) ] || [ "$delivered" != $((pubs * subs * count)) ] \
       || [ "$lost" != 0 ]; then
        echo "test_bench: FAIL: $what: published $published delivered $delivered lost $lost" \
             "(expected $((pubs * count)), $((pubs * subs * count)), 0)" >&2
        echo "$report" >&2
        exit 1
    fi
    echo "test_bench: ok: $what: $delivered delivered, 0 lost"
}

for mode in binary structured; do
    report=$("$jbus" bench -q --json --pub 2 --sub 2 --count 3000 --mode "$mode")
    expect_all_delivered "jbus bench $mode, embedded broker" 2 2 3000 "$report"
done
report=$("$jbus" bench -q --json --count 3000 --broker-program "$broker" --filter 'jerry.*.task.>')
expect_all_delivered "jbus bench through jbus-broker, pattern filter" 1 1 3000 "$report"

"$jbus" bench --dump-frames "$work/frames" --mode structured
report=$("$bench_raw" -q --json --frames "$work/frames" --pub 1 --sub 2 --count 3000)
expect_all_delivered "bench_raw through zmq_proxy" 1 2 3000 "$report"
report=$("$bench_raw" -q --json --frames "$work/frames" --count 3000 \
         --forwarder jbus-broker --broker-program "$broker")
expect_all_delivered "bench_raw through jbus-broker" 1 1 3000 "$report"

#  usage errors exit 2 with a message, never run
rc=0; "$jbus" bench --count 0 2>"$work/err" || rc=$?
[ "$rc" = 2 ] && [ -s "$work/err" ] || { echo "test_bench: FAIL: --count 0 gave $rc" >&2; exit 1; }
rc=0; "$bench_raw" --frames "$work/missing" 2>"$work/err" || rc=$?
[ "$rc" != 0 ] && [ -s "$work/err" ] || { echo "test_bench: FAIL: missing frames file gave $rc" >&2; exit 1; }
#  a broker program killed from outside mid-run: exit 1, and the tool says
#  the broker ended and took the events with it, not that jbus has a bug
"$jbus" bench --json --rate 50000 --count 200000 --broker-program "$broker" >"$work/out" 2>"$work/err" &
bench=$!
broker_pid=
for _ in $(seq 300); do       # until its first progress line: events are flowing
    broker_pid=$(pgrep -x -P "$bench" jbus-broker || true)
    [ -n "$broker_pid" ] && grep -q 'published' "$work/err" && break
    sleep 0.1
done
grep -q 'published' "$work/err" \
    || { kill "$bench"; echo "test_bench: FAIL: jbus bench made no progress" >&2; exit 1; }
kill -9 "$broker_pid"
timeout 60 tail --pid="$bench" -f /dev/null \
    || { kill -9 "$bench"; echo "test_bench: FAIL: jbus bench did not end after its broker died" >&2; exit 1; }
rc=0
wait "$bench" || rc=$?
if [ "$rc" != 1 ] || ! grep -q 'broker program .* ended during the run (killed by signal 9)' "$work/err" \
   || grep -q 'bug' "$work/err"; then
    echo "test_bench: FAIL: a killed broker gave exit $rc and:" >&2; cat "$work/err" >&2; exit 1
fi
echo "test_bench: ok: a broker killed mid-run is reported as such"
echo "test_bench: passed"
