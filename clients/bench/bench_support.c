/*  =========================================================================
    bench_support.c - what the benchmark programs share: clocks and CPU
    accounting, latency histograms, digit stamps, and the broker program

    Compiled into the jbus_bench_support library, which `jbus bench` and
    tests/bench_raw.c both link. libc only: the raw baseline links no jbus
    code. The contracts are in bench_support.h.
    ========================================================================= */

#define _GNU_SOURCE

#include <dirent.h>
#include <inttypes.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_support.h"

extern char **environ;

//  --------------------------------------------------------------------------
//  Clocks.

int64_t
bench_clock_ns(clockid_t clock)
{
    struct timespec now;
    clock_gettime(clock, &now);
    return (int64_t) now.tv_sec * 1000000000 + now.tv_nsec;
}

int64_t
bench_now_ns(void)
{
    return bench_clock_ns(CLOCK_MONOTONIC);
}

//  Sleep until the CLOCK_MONOTONIC instant due_ns: pacing for --rate.
void
bench_sleep_until(int64_t due_ns)
{
    struct timespec due = { (time_t) (due_ns / 1000000000), (long) (due_ns % 1000000000) };
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL) == EINTR)
        ;
}

//  CPU time this whole process has used, from getrusage.
int64_t
bench_process_cpu_ns(void)
{
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return ((int64_t) usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000000000
         + ((int64_t) usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1000;
}

double
bench_us(uint64_t ns)
{
    return (double) ns / 1000.0;
}

//  pthread_cond_timedwait on CLOCK_MONOTONIC (the condition must have been
//  made with that clock) until deadline_ns. Returns false once the deadline
//  has passed.
bool
bench_cond_wait_until(pthread_cond_t *cond, pthread_mutex_t *mutex, int64_t deadline_ns)
{
    if (bench_now_ns() >= deadline_ns)
        return false;
    struct timespec deadline = { (time_t) (deadline_ns / 1000000000),
                                 (long) (deadline_ns % 1000000000) };
    pthread_cond_timedwait(cond, mutex, &deadline);
    return true;
}

//  --------------------------------------------------------------------------
//  CPU time of other threads and processes, from /proc: the first field of
//  /proc/PID/task/TID/schedstat (nanoseconds), or utime + stime of its
//  stat file (clock ticks) when the kernel has no schedstat. Returns -1
//  when the task is gone or the files cannot be read.

int64_t
bench_task_cpu_ns(pid_t pid, pid_t tid)
{
    char path [96];
    snprintf(path, sizeof path, "/proc/%d/task/%d/schedstat", (int) pid, (int) tid);
    FILE *file = fopen(path, "r");
    if (file) {
        unsigned long long run_ns = 0;
        int fields = fscanf(file, "%llu", &run_ns);
        fclose(file);
        if (fields == 1)
            return (int64_t) run_ns;
    }
    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int) pid, (int) tid);
    file = fopen(path, "r");
    if (!file)
        return -1;
    char line [1024];
    bool read = fgets(line, sizeof line, file) != NULL;
    fclose(file);
    //  the name (field 2) may hold spaces and parentheses: skip past its end
    const char *fields = read? strrchr(line, ')'): NULL;
    unsigned long long user = 0, system = 0;
    if (!fields || sscanf(fields + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
                          &user, &system) != 2)
        return -1;
    return (int64_t) (user + system) * (1000000000 / sysconf(_SC_CLK_TCK));
}

//  The name (comm) of task tid of pid into name; "" when unreadable.
void
bench_task_name(pid_t pid, pid_t tid, char *name, size_t size)
{
    char path [96];
    snprintf(path, sizeof path, "/proc/%d/task/%d/comm", (int) pid, (int) tid);
    name[0] = '\0';
    FILE *file = fopen(path, "r");
    if (file) {
        if (fgets(name, (int) size, file))
            name[strcspn(name, "\n")] = '\0';
        fclose(file);
    }
}

//  The task ids of pid into tids (room for max); returns how many.
size_t
bench_list_tasks(pid_t pid, pid_t *tids, size_t max)
{
    char path [64];
    snprintf(path, sizeof path, "/proc/%d/task", (int) pid);
    DIR *directory = opendir(path);
    if (!directory)
        return 0;
    size_t count = 0;
    struct dirent *entry;
    while (count < max && (entry = readdir(directory)))
        if (entry->d_name[0] >= '0' && entry->d_name[0] <= '9')
            tids[count++] = (pid_t) atoi(entry->d_name);
    closedir(directory);
    return count;
}

//  CPU of every task of pid whose name starts with prefix (NULL: all of
//  them). Returns -1 when none could be read.
int64_t
bench_tasks_cpu_ns(pid_t pid, const char *prefix)
{
    pid_t tids [1024];
    size_t count = bench_list_tasks(pid, tids, sizeof tids / sizeof tids[0]);
    int64_t total = -1;
    for (size_t index = 0; index < count; index++) {
        if (prefix) {
            char name [64];
            bench_task_name(pid, tids[index], name, sizeof name);
            if (strncmp(name, prefix, strlen(prefix)) != 0)
                continue;
        }
        int64_t cpu = bench_task_cpu_ns(pid, tids[index]);
        if (cpu >= 0)
            total = (total < 0? 0: total) + cpu;
    }
    return total;
}

//  --------------------------------------------------------------------------
//  Decimal stamps of a fixed width, written over and read back from frames.

//  Write the width low decimal digits of value, zero-padded, at out; no
//  terminator.
void
bench_write_digits(char *out, uint64_t value, int width)
{
    for (int index = width - 1; index >= 0; index--) {
        out[index] = (char) ('0' + value % 10);
        value /= 10;
    }
}

//  Read exactly width decimal digits at text into *value. Returns false
//  when one is not a digit or the text ends first.
bool
bench_read_digits(const char *text, int width, uint64_t *value)
{
    uint64_t result = 0;
    for (int index = 0; index < width; index++) {
        if (text[index] < '0' || text[index] > '9')
            return false;
        result = result * 10 + (uint64_t) (text[index] - '0');
    }
    *value = result;
    return true;
}

//  --------------------------------------------------------------------------
//  The latency histogram.

//  Bucket of a value: the value itself below BENCH_LINEAR_BUCKETS; above,
//  the power of two it lies in and its next 7 bits.
static size_t
s_latency_index(uint64_t value)
{
    if (value < BENCH_LINEAR_BUCKETS)
        return (size_t) value;
    int shift = 63 - __builtin_clzll(value) - 7;          //  >= 1
    return (size_t) shift * BENCH_SUB_BUCKETS + (size_t) (value >> shift);
}

//  The middle of bucket index, in ns.
static uint64_t
s_latency_value(size_t index)
{
    if (index < BENCH_LINEAR_BUCKETS)
        return index;
    int shift = (int) (index / BENCH_SUB_BUCKETS) - 1;
    uint64_t mantissa = index - (size_t) shift * BENCH_SUB_BUCKETS;
    return (mantissa << shift) + ((UINT64_C(1) << shift) >> 1);
}

void
bench_latency_add(bench_latency_t *self, int64_t value)
{
    uint64_t positive = value > 0? (uint64_t) value: 0;
    self->counts[s_latency_index(positive)]++;
    self->total++;
    if (positive > self->max)
        self->max = positive;
}

void
bench_latency_merge(bench_latency_t *self, const bench_latency_t *other)
{
    for (size_t index = 0; index < BENCH_LATENCY_BUCKETS; index++)
        self->counts[index] += other->counts[index];
    self->total += other->total;
    if (other->max > self->max)
        self->max = other->max;
}

//  The value below which a fraction of the values lie (nearest rank), in
//  ns; 0 for an empty histogram. The top bucket reports the exact maximum.
uint64_t
bench_latency_percentile(const bench_latency_t *self, double fraction)
{
    if (self->total == 0)
        return 0;
    double exact = fraction * (double) self->total;
    uint64_t rank = (uint64_t) exact;
    if ((double) rank < exact || rank < 1)
        rank++;                 //  the nearest rank rounds up
    uint64_t seen = 0;
    for (size_t index = 0; index < BENCH_LATENCY_BUCKETS; index++) {
        seen += self->counts[index];
        if (seen >= rank) {
            uint64_t value = s_latency_value(index);
            return value > self->max? self->max: value;
        }
    }
    return self->max;
}

//  --------------------------------------------------------------------------
//  The broker program (bus/jbus-broker), started on free loopback ports
//  with both high-water marks at hwm and no limit on message size.

//  Start program with its stdout on a pipe (*fd_p, to read its ready line
//  from) and, when quiet, its log lines to /dev/null. Returns 0 with *pid_p
//  and *fd_p set, or an errno value.
int
bench_broker_spawn(const char *program, int hwm, bool quiet, pid_t *pid_p, int *fd_p)
{
    int pipe_fds [2];
    if (pipe(pipe_fds) == -1)
        return errno;
    char hwm_text [32];
    snprintf(hwm_text, sizeof hwm_text, "%d", hwm);
    char *const argv [] = {
        (char *) program,
        (char *) "--frontend", (char *) "tcp://127.0.0.1:*",
        (char *) "--backend", (char *) "tcp://127.0.0.1:*",
        (char *) "--no-control", (char *) "--stats-interval", (char *) "0",
        (char *) "--max-message-size", (char *) "-1",
        (char *) "--sndhwm", hwm_text, (char *) "--rcvhwm", hwm_text,
        NULL
    };
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[1]);
    if (quiet)
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    int rc = posix_spawn(pid_p, program, &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    if (rc) {
        *pid_p = 0;
        close(pipe_fds[0]);
        return rc;
    }
    *fd_p = pipe_fds[0];
    return 0;
}

//  Read a forwarder's ready line, "NAME: ready frontend=EP backend=EP ...",
//  from fd (closed here) for timeout_ms at most, into frontend and backend
//  (size bytes each). Returns true, or false with what was read in line
//  (line_size bytes, NUL-terminated).
bool
bench_read_ready(int fd, int timeout_ms, char *frontend, char *backend, size_t size,
                 char *line, size_t line_size)
{
    size_t used = 0;
    int64_t deadline_ns = bench_now_ns() + (int64_t) timeout_ms * 1000000;
    bool have_line = false;
    while (!have_line && used < line_size - 1) {
        int64_t remaining_ms = (deadline_ns - bench_now_ns()) / 1000000;
        struct pollfd item = { fd, POLLIN, 0 };
        if (remaining_ms <= 0 || poll(&item, 1, (int) remaining_ms) == 0)
            break;
        ssize_t got = read(fd, line + used, line_size - 1 - used);
        if (got == -1 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        used += (size_t) got;
        line[used] = '\0';
        have_line = strchr(line, '\n') != NULL;
    }
    close(fd);
    line[used] = '\0';
    const char *frontend_at = strstr(line, " frontend=");
    const char *backend_at = strstr(line, " backend=");
    if (!have_line || !frontend_at || !backend_at)
        return false;
    snprintf(frontend, size, "%.*s", (int) strcspn(frontend_at + 10, " \n"), frontend_at + 10);
    snprintf(backend, size, "%.*s", (int) strcspn(backend_at + 9, " \n"), backend_at + 9);
    return true;
}

//  Stop process pid with SIGTERM and collect its resource use into usage;
//  SIGKILL after timeout_ms.
void
bench_process_stop(pid_t pid, int timeout_ms, struct rusage *usage)
{
    kill(pid, SIGTERM);
    int64_t deadline_ns = bench_now_ns() + (int64_t) timeout_ms * 1000000;
    int status;
    while (true) {
        pid_t done = wait4(pid, &status, WNOHANG, usage);
        if (done == pid || (done == -1 && errno != EINTR))
            return;
        if (bench_now_ns() >= deadline_ns) {
            kill(pid, SIGKILL);
            wait4(pid, &status, 0, usage);
            return;
        }
        //  a bounded wait for a process, which has no descriptor to poll
        struct timespec pause = { 0, 10 * 1000000 };
        nanosleep(&pause, NULL);
    }
}

//  --------------------------------------------------------------------------
//  Command lines.

bool
bench_parse_seconds(const char *text, double *seconds)
{
    char *end = NULL;
    errno = 0;
    *seconds = strtod(text, &end);
    return !(errno || !end || *end || end == text || !(*seconds > 0) || *seconds > 1e6);
}

//  --------------------------------------------------------------------------
//  A run.

//  A thread of the run.
typedef struct {
    pthread_t thread;
    bool started;               //  thread was created
} s_thread_t;

//  Fields below the mutex change only under it.
struct bench_run {
    int publishers;             //  threads of each kind in the run
    int subscribers;
    s_thread_t *publisher_threads;
    s_thread_t *subscriber_threads;
    int grace_ms;               //  see bench_run_subscriber_should_stop
    bool initialised;           //  the mutex and condition were made
    atomic_uint_fast64_t *published;    //  per publisher, every BENCH_PROGRESS_EVERY
    atomic_uint_fast64_t *received;     //  per subscriber, likewise
    pthread_mutex_t mutex;
    pthread_cond_t changed;     //  signalled whenever a count or flag below moves
    int subscribers_ready;      //  received a probe, or failed
    int publishers_ready;       //  saw every subscription, or failed
    int publishers_finished;    //  sent their end message, or failed
    int subscribers_finished;
    int setup_failures;         //  threads that could not connect or subscribe
    bool go;                    //  publishers may start
    bool stop;                  //  the run is over: publishers may close
    bool abort;                 //  setup failed: everybody leaves
    int64_t go_ns;              //  CLOCK_MONOTONIC when go was given
};

bench_run_t *
bench_run_new(int publishers, int subscribers, int grace_ms)
{
    bench_run_t *self = (bench_run_t *) calloc(1, sizeof(bench_run_t));
    if (!self)
        return NULL;
    self->publishers = publishers;
    self->subscribers = subscribers;
    self->grace_ms = grace_ms;
    self->published = (atomic_uint_fast64_t *) calloc((size_t) publishers,
                                                      sizeof(atomic_uint_fast64_t));
    self->received = (atomic_uint_fast64_t *) calloc((size_t) subscribers,
                                                     sizeof(atomic_uint_fast64_t));
    self->publisher_threads = (s_thread_t *) calloc((size_t) publishers, sizeof(s_thread_t));
    self->subscriber_threads = (s_thread_t *) calloc((size_t) subscribers, sizeof(s_thread_t));
    if (!self->published || !self->received || !self->publisher_threads
    ||  !self->subscriber_threads) {
        bench_run_destroy(&self);
        return NULL;
    }
    for (int index = 0; index < publishers; index++)
        atomic_init(&self->published[index], 0);
    for (int index = 0; index < subscribers; index++)
        atomic_init(&self->received[index], 0);
    //  CLOCK_MONOTONIC, for bench_cond_wait_until
    pthread_condattr_t attributes;
    pthread_condattr_init(&attributes);
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    pthread_cond_init(&self->changed, &attributes);
    pthread_condattr_destroy(&attributes);
    pthread_mutex_init(&self->mutex, NULL);
    self->initialised = true;
    return self;
}

void
bench_run_destroy(bench_run_t **self_p)
{
    bench_run_t *self = *self_p;
    if (!self)
        return;
    if (self->initialised) {
        pthread_cond_destroy(&self->changed);
        pthread_mutex_destroy(&self->mutex);
    }
    free(self->published);
    free(self->received);
    free(self->publisher_threads);
    free(self->subscriber_threads);
    free(self);
    *self_p = NULL;
}

static bool
s_thread_start(s_thread_t *thread, void *(*run) (void *), void *argument)
{
    thread->started = pthread_create(&thread->thread, NULL, run, argument) == 0;
    return thread->started;
}

bool
bench_run_start_subscriber(bench_run_t *self, int index, void *(*run) (void *), void *argument)
{
    return s_thread_start(&self->subscriber_threads[index], run, argument);
}

bool
bench_run_start_publisher(bench_run_t *self, int index, void *(*run) (void *), void *argument)
{
    return s_thread_start(&self->publisher_threads[index], run, argument);
}

int64_t
bench_run_go_ns(bench_run_t *self)
{
    pthread_mutex_lock(&self->mutex);
    int64_t go_ns = self->go_ns;
    pthread_mutex_unlock(&self->mutex);
    return go_ns;
}

bool
bench_run_publisher_ready(bench_run_t *self, bool failed, int64_t *go_ns)
{
    pthread_mutex_lock(&self->mutex);
    self->publishers_ready++;
    self->setup_failures += failed;
    pthread_cond_broadcast(&self->changed);
    while (!self->go && !self->abort)
        pthread_cond_wait(&self->changed, &self->mutex);
    bool run = self->go && !self->abort && !failed;
    *go_ns = self->go_ns;
    pthread_mutex_unlock(&self->mutex);
    return run;
}

void
bench_run_publisher_progress(bench_run_t *self, int index, uint64_t published)
{
    atomic_store_explicit(&self->published[index], published, memory_order_relaxed);
}

void
bench_run_publisher_finished(bench_run_t *self)
{
    pthread_mutex_lock(&self->mutex);
    self->publishers_finished++;
    pthread_cond_broadcast(&self->changed);
    while (!self->stop && !self->abort)
        pthread_cond_wait(&self->changed, &self->mutex);
    pthread_mutex_unlock(&self->mutex);
}

void
bench_run_subscriber_failed(bench_run_t *self)
{
    pthread_mutex_lock(&self->mutex);
    self->subscribers_ready++;
    self->subscribers_finished++;
    self->setup_failures++;
    pthread_cond_broadcast(&self->changed);
    pthread_mutex_unlock(&self->mutex);
}

void
bench_run_subscriber_probed(bench_run_t *self)
{
    pthread_mutex_lock(&self->mutex);
    self->subscribers_ready++;
    pthread_cond_broadcast(&self->changed);
    pthread_mutex_unlock(&self->mutex);
}

void
bench_run_subscriber_progress(bench_run_t *self, int index, uint64_t received)
{
    atomic_store_explicit(&self->received[index], received, memory_order_relaxed);
}

bool
bench_run_subscriber_should_stop(bench_run_t *self, int64_t last_activity_ns)
{
    pthread_mutex_lock(&self->mutex);
    bool stop = self->abort
             || (self->publishers_finished == self->publishers
             &&  bench_now_ns() - last_activity_ns >= (int64_t) self->grace_ms * 1000000);
    pthread_mutex_unlock(&self->mutex);
    return stop;
}

void
bench_run_subscriber_finished(bench_run_t *self, bool probed)
{
    pthread_mutex_lock(&self->mutex);
    if (!probed)
        self->subscribers_ready++;
    self->subscribers_finished++;
    pthread_cond_broadcast(&self->changed);
    pthread_mutex_unlock(&self->mutex);
}

int
bench_run_probe(bench_run_t *self, bench_probe_fn *send_probe, void *argument,
                int interval_ms, int64_t deadline_ns)
{
    int result = 0;
    pthread_mutex_lock(&self->mutex);
    while (result == 0 && self->subscribers_ready < self->subscribers) {
        pthread_mutex_unlock(&self->mutex);
        int rc = send_probe(argument);
        pthread_mutex_lock(&self->mutex);
        if (rc) {
            result = -1;
            break;
        }
        int64_t next_probe_ns = bench_now_ns() + (int64_t) interval_ms * 1000000;
        int ready = self->subscribers_ready;
        while (self->subscribers_ready == ready
           &&  bench_cond_wait_until(&self->changed, &self->mutex, next_probe_ns))
            ;
        if (bench_now_ns() >= deadline_ns && self->subscribers_ready < self->subscribers)
            result = self->subscribers - self->subscribers_ready;
    }
    pthread_mutex_unlock(&self->mutex);
    return result;
}

bool
bench_run_await_setup(bench_run_t *self)
{
    pthread_mutex_lock(&self->mutex);
    while (self->publishers_ready < self->publishers)
        pthread_cond_wait(&self->changed, &self->mutex);
    bool set_up = self->setup_failures == 0;
    pthread_mutex_unlock(&self->mutex);
    return set_up;
}

void
bench_run_go(bench_run_t *self, bool abandon)
{
    pthread_mutex_lock(&self->mutex);
    if (abandon)
        self->abort = true;
    else {
        self->go = true;
        self->go_ns = bench_now_ns();
    }
    pthread_cond_broadcast(&self->changed);
    pthread_mutex_unlock(&self->mutex);
}

//  The progress line: what has been published and received so far.
static void
s_run_print_progress(bench_run_t *self, const char *progress_name, double seconds,
                     uint64_t *last_received)
{
    uint64_t published = 0, received = 0;
    for (int index = 0; index < self->publishers; index++)
        published += atomic_load_explicit(&self->published[index], memory_order_relaxed);
    for (int index = 0; index < self->subscribers; index++)
        received += atomic_load_explicit(&self->received[index], memory_order_relaxed);
    fprintf(stderr, "%s: %5.1f s  published %" PRIu64 "  delivered %" PRIu64 "  (%" PRIu64
            "/s)\n", progress_name, seconds, published, received, received - *last_received);
    *last_received = received;
}

void
bench_run_await_subscribers(bench_run_t *self, const char *progress_name)
{
    int started = 0;
    for (int index = 0; index < self->subscribers; index++)
        started += self->subscriber_threads[index].started;
    pthread_mutex_lock(&self->mutex);
    int64_t next_progress_ns = self->go_ns + 1000000000;
    uint64_t last_received = 0;
    while (self->subscribers_finished < started) {
        if (bench_cond_wait_until(&self->changed, &self->mutex, next_progress_ns))
            continue;
        if (progress_name && !self->abort) {
            pthread_mutex_unlock(&self->mutex);
            s_run_print_progress(self, progress_name,
                                 (double) (next_progress_ns - self->go_ns) / 1e9, &last_received);
            pthread_mutex_lock(&self->mutex);
        }
        next_progress_ns += 1000000000;
    }
    pthread_mutex_unlock(&self->mutex);
}

void
bench_run_finish(bench_run_t *self)
{
    pthread_mutex_lock(&self->mutex);
    self->stop = true;
    pthread_cond_broadcast(&self->changed);
    pthread_mutex_unlock(&self->mutex);
    for (int index = 0; index < self->publishers; index++)
        if (self->publisher_threads[index].started)
            pthread_join(self->publisher_threads[index].thread, NULL);
    for (int index = 0; index < self->subscribers; index++)
        if (self->subscriber_threads[index].started)
            pthread_join(self->subscriber_threads[index].thread, NULL);
}

//  --------------------------------------------------------------------------
//  Pacing.

void
bench_pace_init(bench_pace_t *self, long count, double duration_s, int rate, int64_t go_ns)
{
    self->count = count;
    self->duration_ns = (int64_t) (duration_s * 1e9);
    self->interval_ns = rate > 0? 1e9 / rate: 0;
    self->go_ns = go_ns;
}

bool
bench_pace_next(const bench_pace_t *self, uint64_t sequence)
{
    if (self->count > 0 && sequence >= (uint64_t) self->count)
        return false;
    if (self->duration_ns > 0 && bench_now_ns() - self->go_ns >= self->duration_ns)
        return false;
    if (self->interval_ns > 0)
        bench_sleep_until(self->go_ns + (int64_t) ((double) sequence * self->interval_ns));
    return true;
}

//  --------------------------------------------------------------------------
//  The report of a run.

//  The columns of --csv, the keys of --json, in order.
static const char *s_columns =
    "tool,forwarder,mode,publishers,subscribers,data_bytes,message_bytes,frames,rate,hwm,"
    "prefixes,published,delivered,lost,seconds,msgs_per_s,mb_per_s,p50_us,p90_us,p99_us,"
    "p999_us,max_us,cpu_publishers_s,cpu_subscribers_s,cpu_broker_s,cpu_io_s,cpu_total_s,"
    "cpu_us_per_msg,rss_bench_kb,rss_broker_kb";

void
bench_report_init(bench_report_t *self, const char *tool, bench_latency_t *latency)
{
    memset(self, 0, sizeof *self);
    self->tool = tool;
    self->latency = latency;
    self->rss_broker_kb = -1;
}

void
bench_cpu_sample(bench_cpu_sample_t *sample)
{
    sample->process_ns = bench_process_cpu_ns();
    sample->io_ns = bench_tasks_cpu_ns(getpid(), "ZMQbg/IO");
}

void
bench_report_finish(bench_report_t *self, int64_t go_ns, int64_t last_ns,
                    const bench_cpu_sample_t *start, const bench_cpu_sample_t *end,
                    bool broker_is_process)
{
    self->expected = self->published * (uint64_t) self->subscribers;
    self->lost = (int64_t) self->expected - (int64_t) self->delivered;
    self->seconds = (double) (last_ns - go_ns) / 1e9;
    self->msgs_per_s = self->seconds > 0? (double) self->delivered / self->seconds: 0;
    self->mb_per_s = self->msgs_per_s * self->message_bytes / 1e6;
    self->cpu_broker_s = start->broker_ns >= 0 && end->broker_ns >= 0
                       ? (double) (end->broker_ns - start->broker_ns) / 1e9: -1;
    self->cpu_io_s = start->io_ns >= 0 && end->io_ns >= 0
                   ? (double) (end->io_ns - start->io_ns) / 1e9: 0;
    self->cpu_total_s = (double) (end->process_ns - start->process_ns) / 1e9;
    if (broker_is_process && self->cpu_broker_s > 0)
        self->cpu_total_s += self->cpu_broker_s;
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    self->rss_bench_kb = usage.ru_maxrss;
}

double
bench_report_cpu_us_per_message(const bench_report_t *self)
{
    return self->delivered? self->cpu_total_s * 1e6 / (double) self->delivered: 0;
}

//  The figures in the columns' order, with format one of the two literals
//  of bench_report_print_machine.
static void
s_report_print_figures(const bench_report_t *self, const char *format)
{
    const bench_latency_t *latency = self->latency;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    printf(format, self->tool, self->forwarder, self->mode, self->publishers, self->subscribers,
           self->data_bytes, self->message_bytes, self->frames, self->rate, self->hwm,
           self->prefixes, self->published, self->delivered, self->lost, self->seconds,
           self->msgs_per_s, self->mb_per_s,
           bench_us(bench_latency_percentile(latency, 0.50)),
           bench_us(bench_latency_percentile(latency, 0.90)),
           bench_us(bench_latency_percentile(latency, 0.99)),
           bench_us(bench_latency_percentile(latency, 0.999)), bench_us(latency->max),
           self->cpu_publishers_s, self->cpu_subscribers_s, self->cpu_broker_s, self->cpu_io_s,
           self->cpu_total_s, bench_report_cpu_us_per_message(self), self->rss_bench_kb,
           self->rss_broker_kb);
#pragma GCC diagnostic pop
}

void
bench_report_print_machine(const bench_report_t *self, bool json)
{
    if (json)
        s_report_print_figures(self,
            "{\"tool\":\"%s\",\"forwarder\":\"%s\",\"mode\":\"%s\",\"publishers\":%d,"
            "\"subscribers\":%d,\"data_bytes\":%ld,\"message_bytes\":%.0f,\"frames\":%d,"
            "\"rate\":%d,\"hwm\":%d,\"prefixes\":%d,\"published\":%" PRIu64 ","
            "\"delivered\":%" PRIu64 ",\"lost\":%" PRId64 ",\"seconds\":%.6f,"
            "\"msgs_per_s\":%.1f,\"mb_per_s\":%.3f,\"p50_us\":%.1f,\"p90_us\":%.1f,"
            "\"p99_us\":%.1f,\"p999_us\":%.1f,\"max_us\":%.1f,\"cpu_publishers_s\":%.6f,"
            "\"cpu_subscribers_s\":%.6f,\"cpu_broker_s\":%.6f,\"cpu_io_s\":%.6f,"
            "\"cpu_total_s\":%.6f,\"cpu_us_per_msg\":%.3f,\"rss_bench_kb\":%ld,"
            "\"rss_broker_kb\":%ld}\n");
    else {
        printf("%s\n", s_columns);
        s_report_print_figures(self,
            "%s,%s,%s,%d,%d,%ld,%.0f,%d,%d,%d,%d,%" PRIu64 ",%" PRIu64 ",%" PRId64 ",%.6f,%.1f,"
            "%.3f,%.1f,%.1f,%.1f,%.1f,%.1f,%.6f,%.6f,%.6f,%.6f,%.6f,%.3f,%ld,%ld\n");
    }
}

void
bench_report_print_deliveries(const bench_report_t *self, const char *noun,
                              const char *latency_note)
{
    const bench_latency_t *latency = self->latency;
    printf("  delivered    %" PRIu64 " %s in %.3f s: %.0f %s/s, %.1f MB/s\n", self->delivered,
           noun, self->seconds, self->msgs_per_s, noun, self->mb_per_s);
    printf("  lost         %" PRId64 " of %" PRIu64 "\n", self->lost, self->expected);
    printf("  latency      p50 %.1f us, p90 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us%s\n",
           bench_us(bench_latency_percentile(latency, 0.50)),
           bench_us(bench_latency_percentile(latency, 0.90)),
           bench_us(bench_latency_percentile(latency, 0.99)),
           bench_us(bench_latency_percentile(latency, 0.999)), bench_us(latency->max),
           latency_note);
}

void
bench_report_print_memory(const bench_report_t *self)
{
    printf("  peak memory  bench process %.1f MB", (double) self->rss_bench_kb / 1024.0);
    if (self->rss_broker_kb >= 0)
        printf(", broker process %.1f MB", (double) self->rss_broker_kb / 1024.0);
    printf("\n");
}

void
bench_describe_hwm(int hwm, char *text, size_t size)
{
    if (hwm)
        snprintf(text, size, "high-water marks %d", hwm);
    else
        snprintf(text, size, "high-water marks unlimited");
}
