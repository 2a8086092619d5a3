/*  =========================================================================
    bench_support.c - what the benchmark programs share: clocks and CPU
    accounting, latency histograms, digit stamps, pacing, and the broker
    program

    Compiled into the jbus_bench_support library, which `jbus bench` and
    tests/bench_raw.c both link. libc only: the raw baseline links no jbus
    code. The contracts are in bench_support.h.
    ========================================================================= */

#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
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

int64_t
bench_thread_cpu_ns(void)
{
    return bench_clock_ns(CLOCK_THREAD_CPUTIME_ID);
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
