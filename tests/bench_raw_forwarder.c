/*  =========================================================================
    bench_raw_forwarder.c - bench_raw's forwarder: zmq_proxy in a thread of
    this program, zmq_proxy in a process of its own, or the jbus-broker
    program, started on free loopback ports
    ========================================================================= */

#define _GNU_SOURCE

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <unistd.h>
#include <zmq.h>

#include "bench_support.h"
#include "bench_raw.h"

//  How long a forwarder process may take to print its ready line, and to
//  exit.
#define s_BROKER_START_MS 10000
#define s_BROKER_STOP_MS 5000

//  Set an int socket option; false on failure.
static bool
s_set_int(void *socket, int option, int value)
{
    return zmq_setsockopt(socket, option, &value, sizeof value) == 0;
}

//  --------------------------------------------------------------------------
//  The forwarders.

//  zmq_proxy in its own thread; returns when the context is shut down.
static void *
s_proxy_run(void *argument)
{
    raw_forwarder_t *self = (raw_forwarder_t *) argument;
    pthread_setname_np(pthread_self(), "raw-proxy");
    zmq_proxy(self->xsub, self->xpub, NULL);
    zmq_close(self->xsub);
    zmq_close(self->xpub);
    return NULL;
}

//  Bind a socket of type on tcp://127.0.0.1:*, its endpoint into bound.
static void *
s_bind(void *context, int type, int hwm, char *bound)
{
    void *socket = zmq_socket(context, type);
    size_t size = RAW_ENDPOINT_MAX;
    if (!socket
    ||  !s_set_int(socket, ZMQ_SNDHWM, hwm) || !s_set_int(socket, ZMQ_RCVHWM, hwm)
    ||  !s_set_int(socket, ZMQ_LINGER, 0)
    ||  zmq_bind(socket, "tcp://127.0.0.1:*") == -1
    ||  zmq_getsockopt(socket, ZMQ_LAST_ENDPOINT, bound, &size) == -1) {
        fprintf(stderr, RAW_NAME ": cannot bind a forwarder socket: %s\n", zmq_strerror(zmq_errno()));
        if (socket)
            zmq_close(socket);
        return NULL;
    }
    return socket;
}

//  Read a forwarder's ready line from fd (closed here) into self's
//  endpoints. Returns 0, or RAW_EXIT_FAILURE after saying why.
static int
s_read_ready(int fd, const char *what, raw_forwarder_t *self)
{
    char line [1024];
    if (bench_read_ready(fd, s_BROKER_START_MS, self->frontend, self->backend,
                         sizeof self->frontend, line, sizeof line))
        return 0;
    fprintf(stderr, RAW_NAME ": %s did not print its ready line within %d ms\n", what,
            s_BROKER_START_MS);
    return RAW_EXIT_FAILURE;
}

//  The jbus-broker program: start it on free ports (its log lines go to
//  /dev/null with --quiet), read its ready line. Returns 0 with self->pid
//  set, or RAW_EXIT_FAILURE after saying why.
static int
s_broker_start(raw_forwarder_t *self, const raw_options_t *options)
{
    int fd = -1;
    int rc = bench_broker_spawn(options->broker_program, options->hwm, options->quiet, &self->pid,
                                &fd);
    if (rc) {
        fprintf(stderr, RAW_NAME ": cannot start %s: %s\n", options->broker_program, strerror(rc));
        return RAW_EXIT_FAILURE;
    }
    return s_read_ready(fd, options->broker_program, self);
}

//  zmq_proxy in a process of its own: fork before this process has any
//  thread or ZeroMQ context; the child makes its own context, binds, prints
//  a ready line like jbus-broker's on the pipe and forwards until killed.
//  Returns 0 with self->pid set, or RAW_EXIT_FAILURE after saying why.
static int
s_proxy_fork(raw_forwarder_t *self, const raw_options_t *options)
{
    int pipe_fds [2];
    if (pipe(pipe_fds) == -1) {
        fprintf(stderr, RAW_NAME ": pipe: %s\n", strerror(errno));
        return RAW_EXIT_FAILURE;
    }
    self->pid = fork();
    if (self->pid == -1) {
        self->pid = 0;
        close(pipe_fds[0]);
        close(pipe_fds[1]);
        fprintf(stderr, RAW_NAME ": fork: %s\n", strerror(errno));
        return RAW_EXIT_FAILURE;
    }
    if (self->pid == 0) {
        close(pipe_fds[0]);
        void *context = zmq_ctx_new();
        char frontend [RAW_ENDPOINT_MAX], backend [RAW_ENDPOINT_MAX];
        void *xsub = context && zmq_ctx_set(context, ZMQ_IO_THREADS, options->io_threads) == 0
                   ? s_bind(context, ZMQ_XSUB, options->hwm, frontend): NULL;
        void *xpub = xsub? s_bind(context, ZMQ_XPUB, options->hwm, backend): NULL;
        if (!xpub)
            _exit(RAW_EXIT_FAILURE);
        dprintf(pipe_fds[1], "zmq_proxy: ready frontend=%s backend=%s\n", frontend, backend);
        close(pipe_fds[1]);
        zmq_proxy(xsub, xpub, NULL);
        _exit(RAW_EXIT_OK);
    }
    close(pipe_fds[1]);
    return s_read_ready(pipe_fds[0], "the zmq_proxy process", self);
}

//  --------------------------------------------------------------------------
//  This process's ZeroMQ context, and zmq_proxy on it in a thread of its
//  own. Returns 0, or RAW_EXIT_FAILURE after saying why.

static int
s_context_start(raw_forwarder_t *self, const raw_options_t *options)
{
    self->context = zmq_ctx_new();
    if (!self->context || zmq_ctx_set(self->context, ZMQ_IO_THREADS, options->io_threads)) {
        fprintf(stderr, RAW_NAME ": cannot make a ZeroMQ context: %s\n",
                zmq_strerror(zmq_errno()));
        return RAW_EXIT_FAILURE;
    }
    if (options->forwarder != RAW_ZMQ_PROXY)
        return 0;
    self->xsub = s_bind(self->context, ZMQ_XSUB, options->hwm, self->frontend);
    self->xpub = self->xsub? s_bind(self->context, ZMQ_XPUB, options->hwm, self->backend): NULL;
    //  the proxy thread owns both sockets from here (thread creation is
    //  the barrier libzmq asks for when a socket changes threads)
    if (self->xpub)
        self->thread_started = pthread_create(&self->thread, NULL, s_proxy_run, self) == 0;
    if (!self->thread_started) {
        if (self->xsub)
            zmq_close(self->xsub);
        if (self->xpub)
            zmq_close(self->xpub);
        return RAW_EXIT_FAILURE;
    }
    return 0;
}

//  --------------------------------------------------------------------------

int
raw_forwarder_start(raw_forwarder_t *self, const raw_options_t *options)
{
    int exit_code = 0;
    if (options->forwarder == RAW_JBUS_BROKER)
        exit_code = s_broker_start(self, options);
    if (options->forwarder == RAW_ZMQ_PROXY_PROCESS)
        exit_code = s_proxy_fork(self, options);
    if (exit_code == 0)
        exit_code = s_context_start(self, options);
    return exit_code;
}

void
raw_forwarder_stop(raw_forwarder_t *self, long *rss_kb)
{
    //  shutting the context down ends zmq_proxy, whose thread then closes
    //  its own sockets
    if (self->context) {
        zmq_ctx_shutdown(self->context);
        if (self->thread_started)
            pthread_join(self->thread, NULL);
        zmq_ctx_term(self->context);
        self->context = NULL;
    }
    if (self->pid) {
        struct rusage usage;
        memset(&usage, 0, sizeof usage);
        bench_process_stop(self->pid, s_BROKER_STOP_MS, &usage);
        *rss_kb = usage.ru_maxrss;
        self->pid = 0;
    }
}
