/*  =========================================================================
    bench_run.h - how the threads of a benchmark run start together and stop

    Part of the jbus_bench_support library (see bench_support.h), shared by
    `jbus bench` and tests/bench_raw.c, so that both set a run up, go, count
    and end the same way.
    ========================================================================= */

#ifndef JBUS_BENCH_RUN_H_INCLUDED
#define JBUS_BENCH_RUN_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include "bench_support.h"

//  --------------------------------------------------------------------------
//  A run: what its publisher and subscriber threads and the main thread
//  share to start together, to count what they have done and to stop. No
//  step sleeps: each waits on a condition, with a deadline where the wait
//  depends on the network.
//
//    - a subscriber subscribes, then calls bench_run_subscriber_failed, or
//      bench_run_subscriber_probed on its first probe; receives (asking
//      bench_run_subscriber_should_stop when a receive times out); and ends
//      with bench_run_subscriber_finished;
//    - a publisher connects and waits for the subscriptions, calls
//      bench_run_publisher_ready (which waits for go), publishes, and calls
//      bench_run_publisher_finished (which waits for the end of the run);
//    - the main thread starts them (bench_run_start_subscriber, then
//      bench_run_start_publisher), then calls bench_run_probe,
//      bench_run_await_setup, bench_run_go, bench_run_await_subscribers and
//      bench_run_finish.

typedef struct bench_run bench_run_t;

//  Publishers and subscribers report their counts for the progress line
//  every so many messages (a power of two).
#define BENCH_PROGRESS_EVERY 1024

//  A run of publishers and subscribers, whose subscribers stop grace_ms
//  after the last message once every publisher has finished. Returns NULL
//  when out of memory; destroy with bench_run_destroy.
bench_run_t *
    bench_run_new(int publishers, int subscribers, int grace_ms);

//  Destroy *self_p, once no thread uses it, and set it to NULL; accepts
//  NULL.
void
    bench_run_destroy(bench_run_t **self_p);

//  The latency histogram of subscriber index, zeroed at first; the run's,
//  valid until it is destroyed.
bench_latency_t *
    bench_run_subscriber_latency(bench_run_t *self, int index);

//  Start the thread of subscriber index: run(argument). Returns false
//  when it could not be started.
bool
    bench_run_start_subscriber(bench_run_t *self, int index, void *(*run) (void *),
                               void *argument);

//  Start the thread of publisher index, likewise.
bool
    bench_run_start_publisher(bench_run_t *self, int index, void *(*run) (void *),
                              void *argument);

//  CLOCK_MONOTONIC when go was given; 0 before. For the main thread.
int64_t
    bench_run_go_ns(bench_run_t *self);

//  A publisher has set up, or failed to: wait for go, or for the run to be
//  abandoned. Returns true, with the go time in *go_ns, when it is to
//  publish.
bool
    bench_run_publisher_ready(bench_run_t *self, bool failed, int64_t *go_ns);

//  Publisher index has published messages (for the progress line).
void
    bench_run_publisher_progress(bench_run_t *self, int index, uint64_t published);

//  A publisher is done: wait until the run is over, so that it keeps its
//  socket open until nothing it queued can be cut off.
void
    bench_run_publisher_finished(bench_run_t *self);

//  A subscriber could not set up and leaves.
void
    bench_run_subscriber_failed(bench_run_t *self);

//  A subscriber has received its first probe: the broker routes to it.
void
    bench_run_subscriber_probed(bench_run_t *self);

//  Subscriber index has received messages (for the progress line).
void
    bench_run_subscriber_progress(bench_run_t *self, int index, uint64_t received);

//  True when a subscriber whose last message came at last_activity_ns
//  should stop: setup was abandoned, or every publisher has finished and
//  nothing came for the grace period (an end message was dropped).
bool
    bench_run_subscriber_should_stop(bench_run_t *self, int64_t last_activity_ns);

//  A subscriber is done (probed: it called bench_run_subscriber_probed).
void
    bench_run_subscriber_finished(bench_run_t *self, bool probed);

//  Send one probe; returns 0, or nonzero after saying why it failed.
typedef int (bench_probe_fn) (void *argument);

//  Send a probe with send_probe(argument) every interval_ms until every
//  subscriber has received one or failed, at most until deadline_ns.
//  Returns 0; -1 when send_probe failed; else how many subscribers had
//  received no probe by the deadline.
int
    bench_run_probe(bench_run_t *self, bench_probe_fn *send_probe, void *argument,
                    int interval_ms, int64_t deadline_ns);

//  Wait until every publisher has set up or failed (their waits are
//  bounded). Returns false when some thread failed to set up.
bool
    bench_run_await_setup(bench_run_t *self);

//  Let the publishers go, or, when abandon, tell every thread to leave.
void
    bench_run_go(bench_run_t *self, bool abandon);

//  Wait until every subscriber that was started has finished, with a
//  progress line on stderr every second that starts with progress_name
//  (NULL: none).
void
    bench_run_await_subscribers(bench_run_t *self, const char *progress_name);

//  The run is over: let the publishers close, and join every thread that
//  was started.
void
    bench_run_finish(bench_run_t *self);

#endif
