/*  =========================================================================
    bench_raw.c - the raw-libzmq baseline for `jbus bench`

        bench_raw --frames FILE [--pub N] [--sub N] [--count N | --duration S]
                  [--forwarder zmq_proxy | zmq_proxy_process
                   | --forwarder jbus-broker --broker-program PATH]

    A benchmark program, not a test, and no jbus code: libzmq only. It sends
    the frames that `jbus bench --dump-frames FILE` captured from a real
    jbus publisher, byte for byte, from publisher threads through a
    forwarder to subscriber threads over tcp loopback, and prints the same
    figures as `jbus bench`, in the same --csv and --json columns, so that
    scripts/bench can put every jbus figure beside its raw baseline:

      - the forwarder is zmq_proxy (XSUB/XPUB) in a thread of this program,
        on one ZeroMQ context with the publishers and subscribers, as the
        embedded jbus broker shares one with jbus bench's; or zmq_proxy in a
        child process with a context of its own (zmq_proxy_process), as a
        broker program has; or the jbus-broker program itself (--forwarder
        jbus-broker), started on free ports, whose ready line gives its
        endpoints: beside zmq_proxy_process, that compares jbus-broker's
        forwarding with zmq_proxy's on the same frames and the same layout;
      - publishers are XPUB sockets, like jbus publishers, and send with
        zmq_send(ZMQ_DONTWAIT) as jbus does; subscribers are SUB sockets
        reading frames with zmq_msg_recv; neither makes, encodes or decodes
        anything: that is the point;
      - the run is set up as jbus bench sets it up, without sleeps: each
        subscriber subscribes to --prefixes prefixes that never match
        ("jerry.other_000042.") and then to --filter; each publisher waits
        until it has seen 1 + prefixes * subscribers subscriptions; the main
        thread sends probes ([topic]["jbus-bench-probe"]) until every
        subscriber has received one; publishers start together and end with
        a sentinel ([topic]["jbus-bench-end:N"]).

    Latency without changing a frame's size: the frames file says where the
    event's "benchsent" attribute holds its 20 decimal digits (in the last
    frame). Each publisher overwrites those 20 bytes with CLOCK_MONOTONIC in
    nanoseconds right before sending, and the subscriber reads them back on
    receipt: the same stamp, in the same place, as a jbus event carries.

    The frames file is described in clients/bench/bench_frames.h.

    Exit codes: 0 success; 1 events lost although every high-water mark was
    unlimited, or the run failed; 2 usage error.
    ========================================================================= */

#define _GNU_SOURCE

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

//  clocks, latency histograms and stamps, the same as jbus bench's
#include "bench_support.h"
#include "bench_frames.h"
#include "bench_report.h"
#include "bench_run.h"


#define s_NAME "bench_raw"

//  Exit codes, as for jbus bench.
enum { s_EXIT_OK = 0, s_EXIT_FAILURE = 1, s_EXIT_USAGE = 2 };

#define s_DEFAULT_FILTER "jerry.work_tracking."
#define s_PREFIX_FORMAT "jerry.other_%06ld."
#define s_PROBE "jbus-bench-probe"
#define s_END "jbus-bench-end:"
#define s_DEFAULT_COUNT 100000
#define s_DEFAULT_GRACE_MS 2000
#define s_SETUP_TIMEOUT_MS 30000
#define s_PROBE_INTERVAL_MS 10
#define s_RECV_SLICE_MS 100
#define s_ENDPOINT_MAX 256
//  Room for an error message, which may quote an endpoint.
#define s_ERROR_MAX 1024
#define s_BROKER_START_MS 10000
#define s_BROKER_STOP_MS 5000
//  Frames of a message a subscriber keeps; the rest are read and dropped.
#define s_PARTS_MAX 4

//  Where messages go from publishers to subscribers.
typedef enum {
    s_ZMQ_PROXY,                //  zmq_proxy in a thread, on our context
    s_ZMQ_PROXY_PROCESS,        //  zmq_proxy in a child process of its own
    s_JBUS_BROKER               //  the jbus-broker program
} s_forwarder_t;

static const char *s_forwarder_names [] = { "zmq_proxy", "zmq_proxy_process", "jbus-broker" };

typedef struct {
    const char *frames_path;    //  --frames
    int publishers, subscribers;
    long count;                 //  per publisher; 0 with --duration
    double duration_s;
    int rate;                   //  per publisher, 0 = no limit
    int hwm;                    //  0 = unlimited
    const char *filter;         //  a prefix
    int prefixes;               //  per subscriber
    int io_threads;
    int grace_ms;
    s_forwarder_t forwarder;    //  --forwarder
    const char *broker_program;
    bool csv, json, quiet;
} s_options_t;

typedef struct s_bench s_bench_t;

typedef struct {
    s_bench_t *bench;
    int index;
    uint64_t published;
    int64_t cpu_ns;
    char error [s_ERROR_MAX];   //  "" when none
} s_publisher_t;

typedef struct {
    s_bench_t *bench;
    int index;
    uint64_t received, sentinels, unknown;
    int64_t last_receive_ns;
    int64_t cpu_ns;
    bench_latency_t *latency;
    char error [s_ERROR_MAX];
} s_subscriber_t;

struct s_bench {
    const s_options_t *options;
    const bench_frames_t *frames;
    void *context;
    char frontend [s_ENDPOINT_MAX];
    char backend [s_ENDPOINT_MAX];
    s_publisher_t *publishers;
    s_subscriber_t *subscribers;
    bench_run_t *run;           //  how the threads start together and stop
};

//  --------------------------------------------------------------------------
//  Waiting and CPU time (clocks are in bench_support.h).

//  CPU of one of our threads, through its CPU clock; -1 when unknown.
static int64_t
s_thread_cpu_of(pthread_t thread)
{
    clockid_t clock;
    if (pthread_getcpuclockid(thread, &clock) != 0)
        return -1;
    return bench_clock_ns(clock);
}

//  The CPU of this process and its I/O threads, and of the forwarder: the
//  process broker_pid, or else the thread proxy_thread.
static bench_cpu_sample_t
s_cpu_sample(pid_t broker_pid, pthread_t *proxy_thread)
{
    bench_cpu_sample_t sample;
    bench_cpu_sample(&sample);
    sample.broker_ns = broker_pid? bench_tasks_cpu_ns(broker_pid, NULL)
                                 : s_thread_cpu_of(*proxy_thread);
    return sample;
}

//  --------------------------------------------------------------------------
//  Sockets.

//  Set an int socket option; false on failure.
static bool
s_set_int(void *socket, int option, int value)
{
    return zmq_setsockopt(socket, option, &value, sizeof value) == 0;
}

//  Send a two-frame control message [topic][text]. Returns 0 or -1.
static int
s_send_control(void *socket, const bench_frames_t *frames, const char *text)
{
    if (zmq_send(socket, frames->frames[0], frames->sizes[0], ZMQ_DONTWAIT | ZMQ_SNDMORE) == -1
    ||  zmq_send(socket, text, strlen(text), ZMQ_DONTWAIT) == -1)
        return -1;
    return 0;
}

//  Wait until the XPUB socket has received `expected` subscribe messages
//  (the forwarder passes each distinct prefix once), or deadline_ns.
//  Returns 0 or -1 (timed out or failed).
static int
s_wait_subscriptions(void *socket, size_t expected, int64_t deadline_ns)
{
    size_t seen = 0;
    while (seen < expected) {
        int64_t remaining_ms = (deadline_ns - bench_now_ns()) / 1000000;
        if (remaining_ms <= 0)
            return -1;
        zmq_pollitem_t item = { socket, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll(&item, 1, (long) remaining_ms) == -1 && zmq_errno() != EINTR)
            return -1;
        zmq_msg_t message;
        zmq_msg_init(&message);
        while (zmq_msg_recv(&message, socket, ZMQ_DONTWAIT) >= 0)
            if (zmq_msg_size(&message) >= 1 && *(const unsigned char *) zmq_msg_data(&message) == 1)
                seen++;
        zmq_msg_close(&message);
    }
    return 0;
}

//  A publisher socket connected to the forwarder, or NULL with error set.
static void *
s_publisher_socket(s_bench_t *bench, char *error, size_t size)
{
    void *socket = zmq_socket(bench->context, ZMQ_XPUB);
    if (!socket
    ||  !s_set_int(socket, ZMQ_SNDHWM, bench->options->hwm)
    ||  !s_set_int(socket, ZMQ_LINGER, 0)
    ||  zmq_connect(socket, bench->frontend) == -1) {
        snprintf(error, size, "publisher socket at %s: %s", bench->frontend,
                 zmq_strerror(zmq_errno()));
        if (socket)
            zmq_close(socket);
        return NULL;
    }
    return socket;
}

//  --------------------------------------------------------------------------
//  A publisher thread: the same steps as jbus bench's, on raw frames.

static void *
s_publisher_run(void *argument)
{
    s_publisher_t *self = (s_publisher_t *) argument;
    s_bench_t *bench = self->bench;
    const s_options_t *options = bench->options;
    const bench_frames_t *frames = bench->frames;
    char name [16];
    snprintf(name, sizeof name, "raw-pub-%d", self->index);
    pthread_setname_np(pthread_self(), name);

    //  our own copy of the frame that carries the stamp
    unsigned char *stamped = (unsigned char *) malloc(frames->sizes[frames->stamp_frame] + 1);
    void *socket = stamped? s_publisher_socket(bench, self->error, sizeof self->error): NULL;
    if (!stamped)
        snprintf(self->error, sizeof self->error, "out of memory");
    else
        memcpy(stamped, frames->frames[frames->stamp_frame], frames->sizes[frames->stamp_frame]);
    size_t expected = 1 + (size_t) options->prefixes * (size_t) options->subscribers;
    if (socket && s_wait_subscriptions(socket, expected,
                                       bench_now_ns() + (int64_t) s_SETUP_TIMEOUT_MS * 1000000))
        snprintf(self->error, sizeof self->error, "publisher %d: not every subscription arrived "
                 "within %d ms", self->index, s_SETUP_TIMEOUT_MS);
    int64_t go_ns = 0;
    if (bench_run_publisher_ready(bench->run, self->error[0] != '\0', &go_ns)) {
        int64_t cpu_start = bench_clock_ns(CLOCK_THREAD_CPUTIME_ID);
        bench_pace_t pace;
        bench_pace_init(&pace, options->count, options->duration_s, options->rate, go_ns);
        char *stamp = (char *) stamped + frames->stamp_offset;
        size_t last = frames->count - 1;
        uint64_t sequence = 0;
        while (bench_pace_next(&pace, sequence)) {
            bench_write_digits(stamp, (uint64_t) bench_now_ns(), BENCH_STAMP_DIGITS);
            bool failed = false;
            for (size_t index = 0; !failed && index <= last; index++) {
                const void *data = index == frames->stamp_frame? stamped: frames->frames[index];
                failed = zmq_send(socket, data, frames->sizes[index],
                                  ZMQ_DONTWAIT | (index < last? ZMQ_SNDMORE: 0)) == -1;
            }
            if (failed) {
                snprintf(self->error, sizeof self->error, "publisher %d: send: %s", self->index,
                         zmq_strerror(zmq_errno()));
                break;
            }
            sequence++;
            if ((sequence & (BENCH_PROGRESS_EVERY - 1)) == 0)
                bench_run_publisher_progress(bench->run, self->index, sequence);
        }
        self->published = sequence;
        bench_run_publisher_progress(bench->run, self->index, sequence);
        char end [64];
        snprintf(end, sizeof end, s_END "%d", self->index);
        if (s_send_control(socket, frames, end) == -1 && !self->error[0])
            snprintf(self->error, sizeof self->error, "publisher %d: the end message: %s",
                     self->index, zmq_strerror(zmq_errno()));
        self->cpu_ns = bench_clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu_start;
    }
    bench_run_publisher_finished(bench->run);
    if (socket)
        zmq_close(socket);
    free(stamped);
    return NULL;
}

//  --------------------------------------------------------------------------
//  A subscriber thread.

static bool
s_starts_with(const zmq_msg_t *part, const char *text)
{
    size_t size = strlen(text);
    return zmq_msg_size((zmq_msg_t *) part) >= size
        && memcmp(zmq_msg_data((zmq_msg_t *) part), text, size) == 0;
}

static void *
s_subscriber_run(void *argument)
{
    s_subscriber_t *self = (s_subscriber_t *) argument;
    s_bench_t *bench = self->bench;
    const s_options_t *options = bench->options;
    const bench_frames_t *frames = bench->frames;
    char name [16];
    snprintf(name, sizeof name, "raw-sub-%d", self->index);
    pthread_setname_np(pthread_self(), name);

    void *socket = zmq_socket(bench->context, ZMQ_SUB);
    if (!socket
    ||  !s_set_int(socket, ZMQ_RCVHWM, options->hwm)
    ||  !s_set_int(socket, ZMQ_SNDHWM, 0)       //  subscriptions are never dropped
    ||  !s_set_int(socket, ZMQ_LINGER, 0)
    ||  !s_set_int(socket, ZMQ_RCVTIMEO, s_RECV_SLICE_MS)
    ||  zmq_connect(socket, bench->backend) == -1)
        snprintf(self->error, sizeof self->error, "subscriber %d at %s: %s", self->index,
                 bench->backend, zmq_strerror(zmq_errno()));
    for (int number = 0; !self->error[0] && number < options->prefixes; number++) {
        char prefix [64];
        snprintf(prefix, sizeof prefix, s_PREFIX_FORMAT,
                 (long) self->index * options->prefixes + number);
        if (zmq_setsockopt(socket, ZMQ_SUBSCRIBE, prefix, strlen(prefix)) == -1)
            snprintf(self->error, sizeof self->error, "subscriber %d: subscribe: %s",
                     self->index, zmq_strerror(zmq_errno()));
    }
    if (!self->error[0]
    &&  zmq_setsockopt(socket, ZMQ_SUBSCRIBE, options->filter, strlen(options->filter)) == -1)
        snprintf(self->error, sizeof self->error, "subscriber %d: subscribe: %s", self->index,
                 zmq_strerror(zmq_errno()));
    if (self->error[0]) {
        bench_run_subscriber_failed(bench->run);
        if (socket)
            zmq_close(socket);
        return NULL;
    }

    zmq_msg_t parts [s_PARTS_MAX];
    for (size_t index = 0; index < s_PARTS_MAX; index++)
        zmq_msg_init(&parts[index]);
    zmq_msg_t extra;
    zmq_msg_init(&extra);
    bool probed = false;
    int64_t cpu_start = bench_clock_ns(CLOCK_THREAD_CPUTIME_ID);
    int64_t last_activity_ns = bench_now_ns();
    size_t stamp_frame_size = frames->sizes[frames->stamp_frame];
    while (true) {
        if (zmq_msg_recv(&parts[0], socket, 0) == -1) {
            if (zmq_errno() == EAGAIN || zmq_errno() == EINTR) {
                if (bench_run_subscriber_should_stop(bench->run, last_activity_ns))
                    break;
                continue;
            }
            snprintf(self->error, sizeof self->error, "subscriber %d: receive: %s", self->index,
                     zmq_strerror(zmq_errno()));
            break;
        }
        //  the frames of a message arrive together: the rest are there
        size_t count = 1;
        bool more = zmq_msg_more(&parts[0]);
        while (more) {
            zmq_msg_t *part = count < s_PARTS_MAX? &parts[count]: &extra;
            if (zmq_msg_recv(part, socket, 0) == -1)
                break;
            more = zmq_msg_more(part);
            count++;
        }
        int64_t now_ns = bench_now_ns();
        last_activity_ns = now_ns;
        if (count == frames->count && zmq_msg_size(&parts[frames->stamp_frame]) == stamp_frame_size) {
            uint64_t sent_ns;
            const char *stamp = (const char *) zmq_msg_data(&parts[frames->stamp_frame])
                              + frames->stamp_offset;
            if (bench_read_digits(stamp, BENCH_STAMP_DIGITS, &sent_ns))
                bench_latency_add(self->latency, now_ns - (int64_t) sent_ns);
            else
                self->unknown++;
            self->last_receive_ns = now_ns;
            if ((++self->received & (BENCH_PROGRESS_EVERY - 1)) == 0)
                bench_run_subscriber_progress(bench->run, self->index, self->received);
        }
        else
        if (count == 2 && s_starts_with(&parts[1], s_PROBE)) {
            if (!probed) {
                probed = true;
                cpu_start = bench_clock_ns(CLOCK_THREAD_CPUTIME_ID);
                bench_run_subscriber_probed(bench->run);
            }
        }
        else
        if (count == 2 && s_starts_with(&parts[1], s_END)) {
            if (++self->sentinels >= (uint64_t) options->publishers)
                break;
        }
        else
            self->unknown++;
    }
    self->cpu_ns = bench_clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu_start;
    bench_run_subscriber_progress(bench->run, self->index, self->received);
    for (size_t index = 0; index < s_PARTS_MAX; index++)
        zmq_msg_close(&parts[index]);
    zmq_msg_close(&extra);
    bench_run_subscriber_finished(bench->run, probed);
    zmq_close(socket);
    return NULL;
}

//  --------------------------------------------------------------------------
//  The forwarders.

//  zmq_proxy in its own thread; returns when the context is shut down.
typedef struct {
    void *frontend;             //  XSUB
    void *backend;              //  XPUB
} s_proxy_t;

static void *
s_proxy_run(void *argument)
{
    s_proxy_t *proxy = (s_proxy_t *) argument;
    pthread_setname_np(pthread_self(), "raw-proxy");
    zmq_proxy(proxy->frontend, proxy->backend, NULL);
    zmq_close(proxy->frontend);
    zmq_close(proxy->backend);
    return NULL;
}

//  Bind a socket of type on tcp://127.0.0.1:*, its endpoint into bound.
static void *
s_bind(void *context, int type, int hwm, char *bound)
{
    void *socket = zmq_socket(context, type);
    size_t size = s_ENDPOINT_MAX;
    if (!socket
    ||  !s_set_int(socket, ZMQ_SNDHWM, hwm) || !s_set_int(socket, ZMQ_RCVHWM, hwm)
    ||  !s_set_int(socket, ZMQ_LINGER, 0)
    ||  zmq_bind(socket, "tcp://127.0.0.1:*") == -1
    ||  zmq_getsockopt(socket, ZMQ_LAST_ENDPOINT, bound, &size) == -1) {
        fprintf(stderr, s_NAME ": cannot bind a forwarder socket: %s\n", zmq_strerror(zmq_errno()));
        if (socket)
            zmq_close(socket);
        return NULL;
    }
    return socket;
}

//  Read a forwarder's ready line from fd (closed here) into bench's
//  endpoints. Returns 0, or s_EXIT_FAILURE after saying why.
static int
s_read_ready(int fd, const char *what, s_bench_t *bench)
{
    char line [1024];
    if (bench_read_ready(fd, s_BROKER_START_MS, bench->frontend, bench->backend,
                         sizeof bench->frontend, line, sizeof line))
        return 0;
    fprintf(stderr, s_NAME ": %s did not print its ready line within %d ms\n", what,
            s_BROKER_START_MS);
    return s_EXIT_FAILURE;
}

//  The jbus-broker program: start it on free ports (its log lines go to
//  /dev/null with --quiet), read its ready line. Returns 0 with *pid set,
//  or s_EXIT_FAILURE after saying why.
static int
s_broker_start(const s_options_t *options, pid_t *pid, s_bench_t *bench)
{
    int fd = -1;
    int rc = bench_broker_spawn(options->broker_program, options->hwm, options->quiet, pid, &fd);
    if (rc) {
        fprintf(stderr, s_NAME ": cannot start %s: %s\n", options->broker_program, strerror(rc));
        return s_EXIT_FAILURE;
    }
    return s_read_ready(fd, options->broker_program, bench);
}

//  zmq_proxy in a process of its own: fork before this process has any
//  thread or ZeroMQ context; the child makes its own context, binds, prints
//  a ready line like jbus-broker's on the pipe and forwards until killed.
//  Returns 0 with *pid set, or s_EXIT_FAILURE after saying why.
static int
s_proxy_fork(const s_options_t *options, pid_t *pid, s_bench_t *bench)
{
    int pipe_fds [2];
    if (pipe(pipe_fds) == -1) {
        fprintf(stderr, s_NAME ": pipe: %s\n", strerror(errno));
        return s_EXIT_FAILURE;
    }
    *pid = fork();
    if (*pid == -1) {
        *pid = 0;
        close(pipe_fds[0]);
        close(pipe_fds[1]);
        fprintf(stderr, s_NAME ": fork: %s\n", strerror(errno));
        return s_EXIT_FAILURE;
    }
    if (*pid == 0) {
        close(pipe_fds[0]);
        void *context = zmq_ctx_new();
        char frontend [s_ENDPOINT_MAX], backend [s_ENDPOINT_MAX];
        void *xsub = context && zmq_ctx_set(context, ZMQ_IO_THREADS, options->io_threads) == 0
                   ? s_bind(context, ZMQ_XSUB, options->hwm, frontend): NULL;
        void *xpub = xsub? s_bind(context, ZMQ_XPUB, options->hwm, backend): NULL;
        if (!xpub)
            _exit(s_EXIT_FAILURE);
        dprintf(pipe_fds[1], "zmq_proxy: ready frontend=%s backend=%s\n", frontend, backend);
        close(pipe_fds[1]);
        zmq_proxy(xsub, xpub, NULL);
        _exit(s_EXIT_OK);
    }
    close(pipe_fds[1]);
    return s_read_ready(pipe_fds[0], "the zmq_proxy process", bench);
}


//  --------------------------------------------------------------------------

static void
s_print_help(void)
{
    printf(
        "Usage: bench_raw --frames FILE [OPTIONS]\n"
        "\n"
        "The raw-libzmq baseline of jbus bench: send the frames of FILE (written by\n"
        "jbus bench --dump-frames) unchanged from publisher threads through a forwarder\n"
        "to subscriber threads over tcp loopback, and print jbus bench's figures.\n"
        "\n"
        "  -f, --frames FILE         the frames to send (required)\n"
        "  -p, --pub N               publishers (default 1)\n"
        "  -s, --sub N               subscribers (default 1)\n"
        "  -n, --count N             messages per publisher (default %d)\n"
        "  -d, --duration S          publish for S seconds instead\n"
        "      --rate R              messages/s per publisher, 0 = no limit (default 0)\n"
        "      --hwm N               high-water mark of every socket, 0 = unlimited (default 0)\n"
        "      --filter PREFIX       each subscriber's subscription (default " s_DEFAULT_FILTER ")\n"
        "      --prefixes N          extra never-matching prefixes per subscriber (default 0)\n"
        "      --forwarder NAME      zmq_proxy (default): in a thread of this program, on\n"
        "                            the publishers' and subscribers' ZeroMQ context;\n"
        "                            zmq_proxy_process: in a child process with its own;\n"
        "                            jbus-broker: the program --broker-program names\n"
        "      --broker-program PATH the jbus-broker program for --forwarder jbus-broker\n"
        "      --io-threads N        libzmq I/O threads (default 1)\n"
        "      --grace MS            when an end message is lost, stop receiving after MS\n"
        "                            without messages once publishers are done (default %d)\n"
        "      --csv                 one header line and one line of figures\n"
        "      --json                one JSON object\n"
        "  -q, --quiet               no progress line on stderr\n"
        "  -h, --help                show this help and exit\n"
        "\n"
        "Latency: publishers write CLOCK_MONOTONIC nanoseconds as 20 digits over the\n"
        "event's \"benchsent\" value (its place is in FILE), so frames keep their size.\n"
        "\n"
        "Exit codes:\n"
        "  0  the run completed (and nothing was lost with --hwm 0)\n"
        "  1  messages were lost with unlimited high-water marks, or the run failed\n"
        "  2  usage error\n",
        s_DEFAULT_COUNT, s_DEFAULT_GRACE_MS);
}

static int
s_usage_error(const char *format, ...) __attribute__((format(printf, 1, 2)));

static int
s_usage_error(const char *format, ...)
{
    fprintf(stderr, s_NAME ": ");
    va_list args;
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fprintf(stderr, "\nTry '" s_NAME " --help'.\n");
    return s_EXIT_USAGE;
}

//  A whole number in [minimum, maximum] for option; 0 or s_EXIT_USAGE.
static int
s_parse_number(const char *option, const char *text, long minimum, long maximum, long *value)
{
    char *end = NULL;
    errno = 0;
    long number = strtol(text, &end, 10);
    if (errno || !end || *end || end == text || number < minimum || number > maximum)
        return s_usage_error("bad %s '%s': a whole number from %ld to %ld", option, text,
                             minimum, maximum);
    *value = number;
    return 0;
}

static int
s_parse(int argc, char **argv, s_options_t *options)
{
    enum { s_RATE = 256, s_HWM, s_FILTER, s_PREFIXES, s_FORWARDER, s_BROKER_PROGRAM_OPTION,
           s_IO_THREADS, s_GRACE, s_CSV, s_JSON };
    static const struct option long_options [] = {
        { "frames",         required_argument, NULL, 'f' },
        { "pub",            required_argument, NULL, 'p' },
        { "sub",            required_argument, NULL, 's' },
        { "count",          required_argument, NULL, 'n' },
        { "duration",       required_argument, NULL, 'd' },
        { "rate",           required_argument, NULL, s_RATE },
        { "hwm",            required_argument, NULL, s_HWM },
        { "filter",         required_argument, NULL, s_FILTER },
        { "prefixes",       required_argument, NULL, s_PREFIXES },
        { "forwarder",      required_argument, NULL, s_FORWARDER },
        { "broker-program", required_argument, NULL, s_BROKER_PROGRAM_OPTION },
        { "io-threads",     required_argument, NULL, s_IO_THREADS },
        { "grace",          required_argument, NULL, s_GRACE },
        { "csv",            no_argument,       NULL, s_CSV },
        { "json",           no_argument,       NULL, s_JSON },
        { "quiet",          no_argument,       NULL, 'q' },
        { "help",           no_argument,       NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    bool count_given = false;
    long number = 0;
    int option, rc = 0;
    opterr = 0;
    while (rc == 0 && (option = getopt_long(argc, argv, ":f:p:s:n:d:qh", long_options, NULL)) != -1) {
        switch (option) {
            case 'f': options->frames_path = optarg; break;
            case 'p':
                rc = s_parse_number("--pub", optarg, 1, 1000, &number);
                options->publishers = (int) number;
                break;
            case 's':
                rc = s_parse_number("--sub", optarg, 1, 1000, &number);
                options->subscribers = (int) number;
                break;
            case 'n':
                rc = s_parse_number("--count", optarg, 1, INT32_MAX, &options->count);
                count_given = true;
                break;
            case 'd':
                if (!bench_parse_seconds(optarg, &options->duration_s))
                    rc = s_usage_error("bad --duration '%s': seconds, more than 0", optarg);
                break;
            case s_RATE:
                rc = s_parse_number("--rate", optarg, 0, 100000000, &number);
                options->rate = (int) number;
                break;
            case s_HWM:
                rc = s_parse_number("--hwm", optarg, 0, INT32_MAX, &number);
                options->hwm = (int) number;
                break;
            case s_FILTER: options->filter = optarg; break;
            case s_PREFIXES:
                rc = s_parse_number("--prefixes", optarg, 0, 1000000, &number);
                options->prefixes = (int) number;
                break;
            case s_FORWARDER:
                if (strcmp(optarg, "zmq_proxy") == 0)
                    options->forwarder = s_ZMQ_PROXY;
                else
                if (strcmp(optarg, "zmq_proxy_process") == 0)
                    options->forwarder = s_ZMQ_PROXY_PROCESS;
                else
                if (strcmp(optarg, "jbus-broker") == 0)
                    options->forwarder = s_JBUS_BROKER;
                else
                    rc = s_usage_error("bad --forwarder '%s': zmq_proxy, zmq_proxy_process or "
                                       "jbus-broker", optarg);
                break;
            case s_BROKER_PROGRAM_OPTION: options->broker_program = optarg; break;
            case s_IO_THREADS:
                rc = s_parse_number("--io-threads", optarg, 1, 64, &number);
                options->io_threads = (int) number;
                break;
            case s_GRACE:
                rc = s_parse_number("--grace", optarg, 1, 3600000, &number);
                options->grace_ms = (int) number;
                break;
            case s_CSV: options->csv = true; break;
            case s_JSON: options->json = true; break;
            case 'q': options->quiet = true; break;
            case 'h': s_print_help(); return -1;
            case ':': return s_usage_error("option '%s' needs a value", argv[optind - 1]);
            default: return s_usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (rc)
        return rc;
    if (optind < argc)
        return s_usage_error("unexpected argument '%s'", argv[optind]);
    if (!options->frames_path)
        return s_usage_error("--frames FILE is required (write one with jbus bench --dump-frames)");
    if (count_given && options->duration_s > 0)
        return s_usage_error("give either --count or --duration, not both");
    if (options->duration_s > 0)
        options->count = 0;
    if (options->csv && options->json)
        return s_usage_error("give either --csv or --json, not both");
    if ((options->forwarder == s_JBUS_BROKER) != (options->broker_program != NULL))
        return s_usage_error("--forwarder jbus-broker and --broker-program PATH go together");
    return 0;
}

//  --------------------------------------------------------------------------
//  Output: the figures, columns and keys of jbus bench (bench_support.h).

//  The figures the options and the frames decide, into report.
static void
s_report_describe(const s_options_t *options, const bench_frames_t *frames, bench_report_t *report)
{
    report->forwarder = s_forwarder_names[options->forwarder];
    report->mode = frames->mode == 1? "binary": "structured";
    report->publishers = options->publishers;
    report->subscribers = options->subscribers;
    report->data_bytes = frames->data_bytes;
    report->message_bytes = (double) frames->total;
    report->frames = (int) frames->count;
    report->rate = options->rate;
    report->hwm = options->hwm;
    report->prefixes = options->prefixes;
}

static void
s_print_human(const s_options_t *options, const bench_frames_t *frames, const bench_report_t *report)
{
    char hwm [48];
    bench_describe_hwm(options->hwm, hwm, sizeof hwm);
    printf("bench_raw: %d publisher%s -> %s -> %d subscriber%s, frames of a %s-mode event "
           "(%zu bytes, %zu frames), %s\n", options->publishers,
           options->publishers == 1? "": "s", report->forwarder, options->subscribers,
           options->subscribers == 1? "": "s", report->mode, frames->total, frames->count, hwm);
    printf("  published    %" PRIu64 " messages\n", report->published);
    bench_report_print_deliveries(report, "messages", "");
    printf("  CPU          publishers %.3f s, subscribers %.3f s, forwarder %.3f s, ZeroMQ I/O "
           "threads %.3f s; all %.3f s = %.2f us per delivered message\n",
           report->cpu_publishers_s, report->cpu_subscribers_s, report->cpu_broker_s,
           report->cpu_io_s, report->cpu_total_s, bench_report_cpu_us_per_message(report));
    bench_report_print_memory(report);
}

//  --------------------------------------------------------------------------
//  A probe of the main thread, through its own publisher socket.

typedef struct {
    s_bench_t *bench;
    void *prober;
} s_probe_t;

static int
s_send_probe(void *argument)
{
    s_probe_t *probe = (s_probe_t *) argument;
    int rc = s_send_control(probe->prober, probe->bench->frames, s_PROBE);
    if (rc)
        fprintf(stderr, s_NAME ": probe: %s\n", zmq_strerror(zmq_errno()));
    return rc;
}

//  --------------------------------------------------------------------------
//  One run, with the forwarder up. Returns an exit code; fills report.

static int
s_run(s_bench_t *bench, pthread_t *proxy_thread, pid_t broker_pid, bench_report_t *report)
{
    const s_options_t *options = bench->options;
    int exit_code = s_EXIT_OK;
    for (int index = 0; index < options->subscribers; index++)
        if (!bench_run_start_subscriber(bench->run, index, s_subscriber_run,
                                        &bench->subscribers[index])) {
            exit_code = s_EXIT_FAILURE;
            break;
        }
    for (int index = 0; exit_code == 0 && index < options->publishers; index++)
        if (!bench_run_start_publisher(bench->run, index, s_publisher_run,
                                       &bench->publishers[index]))
            exit_code = s_EXIT_FAILURE;
    if (exit_code)
        fprintf(stderr, s_NAME ": cannot start a thread\n");

    //  Probe until every subscriber has received a probe.
    int64_t deadline_ns = bench_now_ns() + (int64_t) s_SETUP_TIMEOUT_MS * 1000000;
    char error [s_ERROR_MAX] = "";
    void *prober = exit_code? NULL: s_publisher_socket(bench, error, sizeof error);
    size_t expected = 1 + (size_t) options->prefixes * (size_t) options->subscribers;
    if (exit_code == 0 && (!prober || s_wait_subscriptions(prober, expected, deadline_ns))) {
        fprintf(stderr, s_NAME ": the subscriptions did not reach a publisher at %s%s%s\n",
                bench->frontend, error[0]? ": ": "", error);
        exit_code = s_EXIT_FAILURE;
    }
    s_probe_t probe = { bench, prober };
    int missing = exit_code? 0: bench_run_probe(bench->run, s_send_probe, &probe,
                                                s_PROBE_INTERVAL_MS, deadline_ns);
    if (missing > 0)
        fprintf(stderr, s_NAME ": %d of %d subscribers received no probe within %d ms\n",
                missing, options->subscribers, s_SETUP_TIMEOUT_MS);
    if (missing || (exit_code == 0 && !bench_run_await_setup(bench->run)))
        exit_code = s_EXIT_FAILURE;
    if (prober)
        zmq_close(prober);

    //  Go, and wait for the subscribers.
    bench_cpu_sample_t start = s_cpu_sample(broker_pid, proxy_thread);
    bench_run_go(bench->run, exit_code != 0);
    bench_run_await_subscribers(bench->run, options->quiet? NULL: s_NAME);
    bench_cpu_sample_t end = s_cpu_sample(broker_pid, proxy_thread);
    bench_run_finish(bench->run);

    int64_t go_ns = bench_run_go_ns(bench->run);
    int64_t last_ns = go_ns;
    for (int index = 0; index < options->publishers; index++) {
        s_publisher_t *publisher = &bench->publishers[index];
        if (publisher->error[0]) {
            fprintf(stderr, s_NAME ": %s\n", publisher->error);
            exit_code = s_EXIT_FAILURE;
        }
        report->published += publisher->published;
        report->cpu_publishers_s += (double) publisher->cpu_ns / 1e9;
    }
    for (int index = 0; index < options->subscribers; index++) {
        s_subscriber_t *subscriber = &bench->subscribers[index];
        if (subscriber->error[0]) {
            fprintf(stderr, s_NAME ": %s\n", subscriber->error);
            exit_code = s_EXIT_FAILURE;
        }
        if (subscriber->unknown) {
            fprintf(stderr, s_NAME ": subscriber %d: %" PRIu64 " unexpected messages\n", index,
                    subscriber->unknown);
            exit_code = s_EXIT_FAILURE;
        }
        report->delivered += subscriber->received;
        report->cpu_subscribers_s += (double) subscriber->cpu_ns / 1e9;
        bench_latency_merge(report->latency, subscriber->latency);
        if (subscriber->last_receive_ns > last_ns)
            last_ns = subscriber->last_receive_ns;
    }
    bench_report_finish(report, go_ns, last_ns, &start, &end, broker_pid != 0);
    return exit_code;
}

//  --------------------------------------------------------------------------

int
main(int argc, char **argv)
{
    s_options_t options;
    memset(&options, 0, sizeof options);
    options.publishers = 1;
    options.subscribers = 1;
    options.count = s_DEFAULT_COUNT;
    options.filter = s_DEFAULT_FILTER;
    options.io_threads = 1;
    options.grace_ms = s_DEFAULT_GRACE_MS;
    int exit_code = s_parse(argc, argv, &options);
    if (exit_code)
        return exit_code == -1? s_EXIT_OK: exit_code;
    bench_frames_t frames;
    char problem [s_ERROR_MAX];
    if (!bench_frames_load(options.frames_path, &frames, problem, sizeof problem)) {
        fprintf(stderr, s_NAME ": %s: %s\n", options.frames_path, problem);
        bench_frames_free(&frames);
        return s_EXIT_FAILURE;
    }

    s_bench_t bench;
    memset(&bench, 0, sizeof bench);
    bench.options = &options;
    bench.frames = &frames;
    bench_latency_t *latency = (bench_latency_t *) calloc(1, sizeof(bench_latency_t));
    bench_report_t report;
    bench_report_init(&report, "raw", latency);
    s_report_describe(&options, &frames, &report);
    bench.publishers = (s_publisher_t *) calloc((size_t) options.publishers, sizeof(s_publisher_t));
    bench.subscribers = (s_subscriber_t *) calloc((size_t) options.subscribers,
                                                  sizeof(s_subscriber_t));
    bench.run = bench_run_new(options.publishers, options.subscribers, options.grace_ms);
    bool allocated = latency && bench.publishers && bench.subscribers && bench.run;
    for (int index = 0; allocated && index < options.subscribers; index++) {
        bench.subscribers[index].bench = &bench;
        bench.subscribers[index].index = index;
        bench.subscribers[index].latency = (bench_latency_t *) calloc(1, sizeof(bench_latency_t));
        allocated = bench.subscribers[index].latency != NULL;
    }
    for (int index = 0; allocated && index < options.publishers; index++) {
        bench.publishers[index].bench = &bench;
        bench.publishers[index].index = index;
    }
    if (!allocated) {
        fprintf(stderr, s_NAME ": out of memory\n");
        exit_code = s_EXIT_FAILURE;
    }

    //  A forwarder process starts before this process has any thread.
    pid_t broker_pid = 0;
    if (exit_code == 0 && options.forwarder == s_JBUS_BROKER)
        exit_code = s_broker_start(&options, &broker_pid, &bench);
    if (exit_code == 0 && options.forwarder == s_ZMQ_PROXY_PROCESS)
        exit_code = s_proxy_fork(&options, &broker_pid, &bench);
    s_proxy_t proxy = { NULL, NULL };
    pthread_t proxy_thread;
    bool proxy_started = false;
    if (exit_code == 0) {
        bench.context = zmq_ctx_new();
        if (!bench.context || zmq_ctx_set(bench.context, ZMQ_IO_THREADS, options.io_threads)) {
            fprintf(stderr, s_NAME ": cannot make a ZeroMQ context: %s\n",
                    zmq_strerror(zmq_errno()));
            exit_code = s_EXIT_FAILURE;
        }
    }
    if (exit_code == 0 && options.forwarder == s_ZMQ_PROXY) {
        proxy.frontend = s_bind(bench.context, ZMQ_XSUB, options.hwm, bench.frontend);
        proxy.backend = proxy.frontend? s_bind(bench.context, ZMQ_XPUB, options.hwm, bench.backend)
                                      : NULL;
        //  the proxy thread owns both sockets from here (thread creation is
        //  the barrier libzmq asks for when a socket changes threads)
        if (proxy.backend)
            proxy_started = pthread_create(&proxy_thread, NULL, s_proxy_run, &proxy) == 0;
        if (!proxy_started) {
            if (proxy.frontend)
                zmq_close(proxy.frontend);
            if (proxy.backend)
                zmq_close(proxy.backend);
            exit_code = s_EXIT_FAILURE;
        }
    }
    if (exit_code == 0)
        exit_code = s_run(&bench, &proxy_thread, broker_pid, &report);
    //  Every socket of ours is closed; shutting the context down ends
    //  zmq_proxy, whose thread then closes its own.
    if (bench.context) {
        zmq_ctx_shutdown(bench.context);
        if (proxy_started)
            pthread_join(proxy_thread, NULL);
        zmq_ctx_term(bench.context);
    }
    if (broker_pid) {
        struct rusage usage;
        memset(&usage, 0, sizeof usage);
        bench_process_stop(broker_pid, s_BROKER_STOP_MS, &usage);
        report.rss_broker_kb = usage.ru_maxrss;
    }
    if (latency && (exit_code == 0 || report.published > 0)) {
        if (options.csv || options.json)
            bench_report_print_machine(&report, options.json);
        else
            s_print_human(&options, &frames, &report);
        fflush(stdout);
    }
    if (exit_code == 0 && report.lost > 0 && options.hwm == 0) {
        fprintf(stderr, s_NAME ": %" PRId64 " of %" PRIu64 " messages lost although every "
                "high-water mark was unlimited\n", report.lost, report.expected);
        exit_code = s_EXIT_FAILURE;
    }
    for (int index = 0; bench.subscribers && index < options.subscribers; index++)
        free(bench.subscribers[index].latency);
    free(bench.subscribers);
    free(bench.publishers);
    bench_run_destroy(&bench.run);
    free(latency);
    bench_frames_free(&frames);
    return exit_code;
}
