#  testproc.sh - what the shell tests share (sourced): the processes a test
#  started, stopped by their PIDs whatever happens, and bounded waits.
#  After sourcing: set tmp to the test's temp directory (removed at exit),
#  and add each background PID to pids.

pids=()
tmp=

#  Stop what we started, newest first (a broker or server last, so that its
#  clients leave it cleanly), each given 5 s before SIGKILL; remove $tmp.
testproc_cleanup() {
    local i pid
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        pid=${pids[i]}
        kill "$pid" 2>/dev/null || continue
        timeout 5 tail --pid="$pid" -f /dev/null || kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    [ -z "$tmp" ] || rm -rf "$tmp"
}
trap testproc_cleanup EXIT

#  until_ok SECONDS COMMAND...: run COMMAND every 0.1 s until it succeeds;
#  fail when SECONDS pass.
until_ok() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.1
    done
}
