#!/usr/bin/env bash
#  test_bench_nats: the NATS peer of jbus bench (tests/bench_nats.c) carries
#  every event of a frames file through a real nats-server, each role in a
#  process of its own, and says so in its figures line; its run mode does the
#  same on its own and reports in jbus bench's --csv columns.
#  Usage: test_bench_nats.sh JBUS BENCH_NATS    (jbus for --dump-frames)
#  Exit: 0 passed, 1 failed, 77 skipped (no nats-server, or no bench_nats:
#  scripts/deps installs nats-server and libnats-dev).
set -uo pipefail
name=test_bench_nats
jbus=${1:?usage: test_bench_nats.sh JBUS BENCH_NATS}
bench_nats=${2:-}
fail() { echo "$name: FAIL: $*" >&2; exit 1; }
skip() { echo "$name: SKIP: $*" >&2; exit 77; }

command -v nats-server > /dev/null || skip "no nats-server (apt-get install nats-server)"
[ -n "$bench_nats" ] && [ -x "$bench_nats" ] || skip "no bench_nats: libnats-dev was missing at configure time"

# shellcheck source=tests/testproc.sh
. "$(dirname "$0")/testproc.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/jbus-test-bench-nats.XXXXXX") || fail "mktemp"

"$jbus" bench --dump-frames "$tmp/frames" --mode binary > /dev/null 2>&1 || fail "jbus bench --dump-frames"
#  a free port on loopback, which the server writes to its ports file
nats-server -a 127.0.0.1 -p -1 --ports_file_dir "$tmp" > "$tmp/server.log" 2>&1 &
pids+=($!)
until_ok 10 compgen -G "$tmp/*.ports" > /dev/null || fail "nats-server wrote no ports file: $(tail -3 "$tmp/server.log")"
url=$(sed -nE 's/.*"(nats:\/\/[^"]+)".*/\1/p' "$tmp"/*.ports)
[ -n "$url" ] || fail "no client URL in $(cat "$tmp"/*.ports)"

count=20000
"$bench_nats" sub --url "$url" --frames "$tmp/frames" --count "$count" --timeout 30 > "$tmp/sub.out" 2> "$tmp/sub.err" &
sub=$!
pids+=($sub)
until_ok 10 grep -q "ready" "$tmp/sub.out" || fail "sub never ready: $(cat "$tmp/sub.err")"
"$bench_nats" pub --url "$url" --frames "$tmp/frames" --count "$count" > "$tmp/pub.out" 2>&1 \
    || fail "pub: $(cat "$tmp/pub.out")"
timeout 40 tail --pid="$sub" -f /dev/null || fail "sub did not end"
wait "$sub"; status=$?
[ "$status" -eq 0 ] || fail "sub exited $status: $(cat "$tmp/sub.err")"
grep -q "sub events=$count lost=0 " "$tmp/sub.out" || fail "not every event came: $(cat "$tmp/sub.out")"
grep -q "pub events=$count " "$tmp/pub.out" || fail "pub said: $(cat "$tmp/pub.out")"
echo "$name: ok: $(grep 'sub events' "$tmp/sub.out")"

#  run: the server, sub and pub started by bench_nats itself, as scripts/bench
#  runs it, in jbus bench's --csv columns
row=$("$bench_nats" run --frames "$tmp/frames" --count 5000 --csv -q 2> "$tmp/run.err" | grep '^nats,') \
    || fail "run: no figures: $(tail -3 "$tmp/run.err")"
IFS=, read -r tool forwarder mode _ _ _ _ _ _ _ _ published delivered lost _ <<<"$row"
[ "$tool,$forwarder,$mode,$published,$delivered,$lost" = "nats,nats-server,binary,5000,5000,0" ] \
    || fail "run: $row"
echo "$name: ok: run: 5000 of 5000 through its own nats-server"
echo "$name: passed"
