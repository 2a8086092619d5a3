/*  =========================================================================
    bench_support.h - what the benchmark programs share: clocks and CPU
    accounting, latency histograms, digit stamps, and the broker program

    Shared by `jbus bench` (clients/bench/) and its raw-libzmq baseline
    (tests/bench_raw.c), so that both measure the same way and report
    figures that can be set side by side. The code is in bench_support.c,
    built as the jbus_bench_support library; it is libc only, so that the
    baseline links no jbus code.
    ========================================================================= */

#ifndef JBUS_BENCH_SUPPORT_H_INCLUDED
#define JBUS_BENCH_SUPPORT_H_INCLUDED

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <time.h>

//  Digits of the "benchsent" stamp: CLOCK_MONOTONIC in nanoseconds.
#define BENCH_STAMP_DIGITS 20

//  The latency histogram: values below BENCH_LINEAR_BUCKETS ns are exact,
//  then each power of two is cut into BENCH_SUB_BUCKETS.
#define BENCH_LINEAR_BUCKETS 256
#define BENCH_SUB_BUCKETS 128
#define BENCH_LATENCY_BUCKETS (58 * BENCH_SUB_BUCKETS)

//  Latencies in nanoseconds, log-linear: the value itself below
//  BENCH_LINEAR_BUCKETS, above that the power of two it lies in and its
//  next 7 bits (under 0.8% error).
typedef struct {
    uint64_t counts [BENCH_LATENCY_BUCKETS];
    uint64_t total;             //  values added
    uint64_t max;               //  the largest, exactly
} bench_latency_t;

//  --------------------------------------------------------------------------
//  Clocks.

//  The time of clock, in nanoseconds.
int64_t
    bench_clock_ns(clockid_t clock);

//  CLOCK_MONOTONIC, in nanoseconds.
int64_t
    bench_now_ns(void);

//  Sleep until the CLOCK_MONOTONIC instant due_ns: pacing for --rate.
void
    bench_sleep_until(int64_t due_ns);

//  CPU time this whole process has used, from getrusage.
int64_t
    bench_process_cpu_ns(void);

//  Nanoseconds in microseconds.
double
    bench_us(uint64_t ns);

//  pthread_cond_timedwait on CLOCK_MONOTONIC (the condition must have been
//  made with that clock) until deadline_ns. Returns false once the deadline
//  has passed.
bool
    bench_cond_wait_until(pthread_cond_t *cond, pthread_mutex_t *mutex, int64_t deadline_ns);

//  --------------------------------------------------------------------------
//  CPU time of other threads and processes, from /proc.

//  CPU of task tid of process pid: the first field of
//  /proc/PID/task/TID/schedstat (nanoseconds), or utime + stime of its
//  stat file (clock ticks) when the kernel has no schedstat. Returns -1
//  when the task is gone or the files cannot be read.
int64_t
    bench_task_cpu_ns(pid_t pid, pid_t tid);

//  The name (comm) of task tid of pid into name (size bytes); "" when
//  unreadable.
void
    bench_task_name(pid_t pid, pid_t tid, char *name, size_t size);

//  The task ids of pid into tids (room for max); returns how many.
size_t
    bench_list_tasks(pid_t pid, pid_t *tids, size_t max);

//  CPU of every task of pid whose name starts with prefix (NULL: all of
//  them). Returns -1 when none could be read.
int64_t
    bench_tasks_cpu_ns(pid_t pid, const char *prefix);

//  --------------------------------------------------------------------------
//  Decimal stamps of a fixed width, written over and read back from frames.

//  Write the width low decimal digits of value, zero-padded, at out; no
//  terminator.
void
    bench_write_digits(char *out, uint64_t value, int width);

//  Read exactly width decimal digits at text into *value. Returns false
//  when one is not a digit or the text ends first.
bool
    bench_read_digits(const char *text, int width, uint64_t *value);

//  --------------------------------------------------------------------------
//  The latency histogram (zeroed memory is an empty one).

//  Add value, in ns; a negative value counts as 0.
void
    bench_latency_add(bench_latency_t *self, int64_t value);

//  Add every value of other to self.
void
    bench_latency_merge(bench_latency_t *self, const bench_latency_t *other);

//  The value below which a fraction of the values lie (nearest rank), in
//  ns; 0 for an empty histogram. The top bucket reports the exact maximum.
uint64_t
    bench_latency_percentile(const bench_latency_t *self, double fraction);

//  --------------------------------------------------------------------------
//  The broker program (bus/jbus-broker), started on free loopback ports
//  with both high-water marks at hwm and no limit on message size.

//  Start program with its stdout on a pipe (*fd_p, to read its ready line
//  from) and, when quiet, its log lines to /dev/null. Returns 0 with *pid_p
//  and *fd_p set, or an errno value.
int
    bench_broker_spawn(const char *program, int hwm, bool quiet, pid_t *pid_p, int *fd_p);

//  Read a forwarder's ready line, "NAME: ready frontend=EP backend=EP ...",
//  from fd (closed here) for timeout_ms at most, into frontend and backend
//  (size bytes each). Returns true, or false with what was read in line
//  (line_size bytes, NUL-terminated).
bool
    bench_read_ready(int fd, int timeout_ms, char *frontend, char *backend, size_t size,
                     char *line, size_t line_size);

//  Stop process pid with SIGTERM and collect its resource use into usage;
//  SIGKILL after timeout_ms.
void
    bench_process_stop(pid_t pid, int timeout_ms, struct rusage *usage);

//  --------------------------------------------------------------------------
//  Command lines.

//  Parse text as a duration in seconds, more than 0 and at most 1e6 (the
//  --duration of both programs). Returns false when it is not one.
bool
    bench_parse_seconds(const char *text, double *seconds);

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

//  --------------------------------------------------------------------------
//  When a publisher's next message is due, under --count, --duration and
//  --rate.

typedef struct {
    long count;                 //  messages; 0: until the duration is over
    int64_t duration_ns;        //  from go_ns; 0: until count
    double interval_ns;         //  between two messages; 0: no limit
    int64_t go_ns;              //  when publishing began
} bench_pace_t;

//  Pace count messages (0: no limit), or duration_s seconds (0: no limit),
//  at rate a second (0: no limit) from go_ns.
void
    bench_pace_init(bench_pace_t *self, long count, double duration_s, int rate, int64_t go_ns);

//  Whether message sequence (from 0) is to be sent: false once count is
//  reached or the duration is over; else true, when its time has come
//  under the rate (this sleeps until then).
bool
    bench_pace_next(const bench_pace_t *self, uint64_t sequence);

//  --------------------------------------------------------------------------
//  The report of a run: what both programs print, in the same --csv columns
//  and --json keys, so that scripts/bench can set every jbus figure beside
//  its raw baseline.

typedef struct {
    const char *tool;           //  "jbus" or "raw"
    const char *forwarder;      //  "jbus-broker-embedded", "zmq_proxy", ...
    const char *mode;           //  "binary" or "structured"
    int publishers, subscribers;
    long data_bytes;            //  of the event's data
    double message_bytes;       //  on the wire per message, every frame
    int frames;                 //  per message
    int rate;                   //  per publisher, 0 = no limit
    int hwm;                    //  0 = unlimited
    int prefixes;               //  extra prefixes per subscriber
    uint64_t published;         //  data messages, all publishers
    uint64_t delivered;         //  data messages, all subscribers
    uint64_t expected;          //  published * subscribers
    int64_t lost;               //  expected - delivered
    double seconds;             //  go to the last delivery
    double msgs_per_s;          //  delivered per second
    double mb_per_s;
    bench_latency_t *latency;   //  every subscriber's; the caller's
    double cpu_publishers_s, cpu_subscribers_s;
    double cpu_broker_s;        //  -1 when not measured
    double cpu_io_s;            //  this process's libzmq I/O threads
    double cpu_total_s;         //  this process and a broker process of ours
    long rss_bench_kb;          //  this process's peak
    long rss_broker_kb;         //  the broker process's, -1 when not ours
} bench_report_t;

//  CPU time of what is not a publisher or subscriber thread, sampled at go
//  and at the end of a run.
typedef struct {
    int64_t process_ns;         //  this process, every thread
    int64_t broker_ns;          //  the broker's thread or process; -1 unknown
    int64_t io_ns;              //  this process's libzmq I/O threads; -1 unknown
} bench_cpu_sample_t;

//  Make self a report of tool ("jbus", "raw") with no figures yet, its
//  latencies in latency (the caller's, zeroed), and no broker process.
void
    bench_report_init(bench_report_t *self, const char *tool, bench_latency_t *latency);

//  Sample process_ns and io_ns of this process into sample; broker_ns is
//  the caller's.
void
    bench_cpu_sample(bench_cpu_sample_t *sample);

//  Work out the figures that follow from published, delivered, subscribers
//  and message_bytes: expected, lost, seconds (go_ns to last_ns), rates;
//  the CPU of the broker, of the I/O threads and in all from the samples
//  at start and end (the broker's counts in all when broker_is_process),
//  and this process's peak memory.
void
    bench_report_finish(bench_report_t *self, int64_t go_ns, int64_t last_ns,
                        const bench_cpu_sample_t *start, const bench_cpu_sample_t *end,
                        bool broker_is_process);

//  CPU of every role per delivered message, in microseconds; 0 when nothing
//  was delivered.
double
    bench_report_cpu_us_per_message(const bench_report_t *self);

//  Print the report for machines on stdout: the --json object, one line,
//  when json, else the --csv header line and the line of figures.
void
    bench_report_print_machine(const bench_report_t *self, bool json);

//  Print the "delivered", "lost" and "latency" lines of the report for
//  people, counting noun ("events", "messages"); latency_note ends the
//  latency line.
void
    bench_report_print_deliveries(const bench_report_t *self, const char *noun,
                                  const char *latency_note);

//  Print the report's "peak memory" line.
void
    bench_report_print_memory(const bench_report_t *self);

//  "high-water marks unlimited" or "high-water marks N" into text.
void
    bench_describe_hwm(int hwm, char *text, size_t size);

#endif
