/*  =========================================================================
    bench_support.h - what the benchmark programs share: clocks and CPU
    accounting, latency histograms, digit stamps, pacing, and the broker
    program

    Shared by `jbus bench` (clients/bench/) and its raw-libzmq baseline
    (tests/bench_raw.c), so that both measure the same way and report
    figures that can be set side by side. With bench_run.h (how a run's
    threads start and stop) and bench_report.h (the figures and how they
    are printed) it makes the jbus_bench_support library, which is libc
    only, so that the baseline links no jbus code.
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

//  CPU time the calling thread has used, in nanoseconds.
int64_t
    bench_thread_cpu_ns(void);

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

#endif
