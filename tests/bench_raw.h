/*  =========================================================================
    bench_raw.h - what the files of the raw-libzmq baseline share

    bench_raw.c is the program (see its header comment); the others each
    do one job:
        bench_raw_options.c     the command line and --help
        bench_raw_forwarder.c   the forwarder: zmq_proxy in a thread or a
                                process of its own, or the jbus-broker program
    libzmq and the benchmark's support code only (clients/bench/bench_*.h):
    no jbus code.
    ========================================================================= */

#ifndef JBUS_TESTS_BENCH_RAW_H_INCLUDED
#define JBUS_TESTS_BENCH_RAW_H_INCLUDED

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#define RAW_NAME "bench_raw"

//  Exit codes, as for jbus bench.
enum { RAW_EXIT_OK = 0, RAW_EXIT_FAILURE = 1, RAW_EXIT_USAGE = 2 };

//  Longest endpoint we keep.
#define RAW_ENDPOINT_MAX 256

//  Where messages go from publishers to subscribers.
typedef enum {
    RAW_ZMQ_PROXY,              //  zmq_proxy in a thread, on our context
    RAW_ZMQ_PROXY_PROCESS,      //  zmq_proxy in a child process of its own
    RAW_JBUS_BROKER             //  the jbus-broker program
} raw_forwarder_kind_t;

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
    raw_forwarder_kind_t forwarder;     //  --forwarder
    const char *broker_program;
    bool csv, json, quiet;
} raw_options_t;

//  The forwarder of a run, and this process's ZeroMQ context.
typedef struct {
    void *context;              //  the publishers', subscribers' and zmq_proxy thread's
    char frontend [RAW_ENDPOINT_MAX];   //  where publishers connect
    char backend [RAW_ENDPOINT_MAX];    //  where subscribers connect
    pid_t pid;                  //  a forwarder process; 0 when none
    pthread_t thread;           //  the zmq_proxy thread
    bool thread_started;
    void *xsub, *xpub;          //  the zmq_proxy thread's sockets, its own once it runs
} raw_forwarder_t;

//  --------------------------------------------------------------------------
//  bench_raw_options.c

//  Parse the command line into options, defaults first. Returns 0, -1
//  after --help, or RAW_EXIT_USAGE after saying what is wrong.
int
    raw_parse(int argc, char **argv, raw_options_t *options);

//  The name of a forwarder, as --forwarder takes it and the report says it.
const char *
    raw_forwarder_name(raw_forwarder_kind_t kind);

//  --------------------------------------------------------------------------
//  bench_raw_forwarder.c

//  Start the forwarder options asks for into a zeroed self: a forwarder
//  process first, while this process has no thread; then this process's
//  ZeroMQ context; then a zmq_proxy thread on it. Returns 0, or
//  RAW_EXIT_FAILURE after saying why; call raw_forwarder_stop either way.
int
    raw_forwarder_start(raw_forwarder_t *self, const raw_options_t *options);

//  Once every socket of ours is closed: end the context (and with it a
//  zmq_proxy thread) and stop a forwarder process, whose peak memory goes
//  into *rss_kb (left alone when there is none).
void
    raw_forwarder_stop(raw_forwarder_t *self, long *rss_kb);

#endif
