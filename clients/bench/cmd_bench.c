/*  =========================================================================
    cmd_bench.c - jbus bench: publishers and subscribers through a broker,
    measured end to end

        jbus bench [--pub N] [--sub N] [--count N | --duration S] [OPTIONS]

    In the spirit of `nats bench`. Every event is made, encoded, sent,
    forwarded, received and decoded for real through the library
    (jb_event_new, jb_publisher_publish, the broker, jb_subscriber_recv,
    jb_event_destroy); the tool prints what was delivered per second, the
    one-way latency, what was lost, and the CPU and memory each role used.

    This file is the command: it starts the broker, has the run made
    (cmd_bench_roles.c), stops the broker and prints the report. The broker
    is embedded (a jb_broker_t on tcp://127.0.0.1:* in its own thread), a
    program this tool starts (--broker-program), or one already running
    (--frontend and --backend). Embedded, the broker's sockets share the
    process's ZeroMQ context, and so its I/O threads, with the publishers
    and subscribers, exactly as tests/bench_raw.c shares one context with
    zmq_proxy. cmd_bench.h lists the other files.
    ========================================================================= */

#define _GNU_SOURCE

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <czmq.h>

#include "jbus.h"
#include "../cmd.h"
#include "bench_support.h"
#include "bench_report.h"
#include "cmd_bench.h"

#define s_NAME CMD_BENCH_NAME

//  Longest endpoint we keep.
#define s_ENDPOINT_MAX 256
//  How long a spawned broker may take to print its ready line, and to exit.
#define s_BROKER_START_MS 10000
#define s_BROKER_STOP_MS 5000

//  A broker program we started.
typedef struct {
    pid_t pid;                  //  0 when none
    char frontend [s_ENDPOINT_MAX];
    char backend [s_ENDPOINT_MAX];
    struct rusage usage;        //  its resource use, once it has exited
    bool exited;
    bool died;                  //  it had ended before we stopped it
    int status;                 //  then its wait status
} s_child_t;

//  --------------------------------------------------------------------------
//  The broker program: start it on free loopback ports and read its ready
//  line, "jbus-broker: ready frontend=EP backend=EP control=none". Returns
//  0, or CMD_EXIT_FAILURE after saying why.

static int
s_child_start(s_child_t *child, const cmd_bench_options_t *options)
{
    int fd = -1;
    int rc = bench_broker_spawn(options->broker_program, options->hwm, options->quiet,
                                &child->pid, &fd);
    if (rc) {
        fprintf(stderr, "jbus " s_NAME ": cannot start %s: %s\n", options->broker_program,
                strerror(rc));
        return CMD_EXIT_FAILURE;
    }
    char line [1024];
    if (!bench_read_ready(fd, s_BROKER_START_MS, child->frontend, child->backend,
                          sizeof child->frontend, line, sizeof line)) {
        fprintf(stderr, "jbus " s_NAME ": %s did not print its ready line within %d ms%s%s\n",
                options->broker_program, s_BROKER_START_MS, *line? ": ": "", line);
        return CMD_EXIT_FAILURE;
    }
    return 0;
}

//  Stop the broker program with SIGTERM and collect its resource use; it
//  gets s_BROKER_STOP_MS before SIGKILL. A program that had already ended
//  (killed from outside, or crashed) is noted. Accepts a child never started.
static void
s_child_stop(s_child_t *child)
{
    if (child->pid <= 0)
        return;
    child->died = wait4(child->pid, &child->status, WNOHANG, &child->usage) == child->pid;
    if (!child->died)
        bench_process_stop(child->pid, s_BROKER_STOP_MS, &child->usage);
    child->exited = true;
    child->pid = 0;
}

//  --------------------------------------------------------------------------
//  The embedded broker, on free loopback ports, into *broker_p; its
//  endpoints and its thread into broker. Returns 0, or CMD_EXIT_FAILURE
//  after saying why.

static int
s_embedded_start(const cmd_bench_options_t *options, jb_broker_t **broker_p,
                 cmd_bench_broker_t *broker)
{
    //  The broker's thread is the one that appears with it (besides
    //  libzmq's own, which its first socket starts).
    pid_t before [1024], after [1024];
    size_t before_count = bench_list_tasks(getpid(), before, 1024);
    jb_broker_config_t config;
    jb_broker_config_defaults(&config);
    config.frontend = "tcp://127.0.0.1:*";
    config.backend = "tcp://127.0.0.1:*";
    config.control = NULL;
    config.sndhwm = options->hwm;
    config.rcvhwm = options->hwm;
    config.max_message_size = -1;
    config.stats_interval_ms = 0;
    jb_error_t error;
    *broker_p = jb_broker_new(&config, &error);
    if (!*broker_p) {
        fprintf(stderr, "jbus " s_NAME ": cannot start the broker: %s\n", error.message);
        return CMD_EXIT_FAILURE;
    }
    broker->frontend = jb_broker_endpoint_frontend(*broker_p);
    broker->backend = jb_broker_endpoint_backend(*broker_p);
    size_t after_count = bench_list_tasks(getpid(), after, 1024);
    for (size_t index = 0; index < after_count; index++) {
        bool old = false;
        for (size_t other = 0; other < before_count; other++)
            old = old || before[other] == after[index];
        char name [64];
        bench_task_name(getpid(), after[index], name, sizeof name);
        if (!old && strncmp(name, "ZMQbg", 5) != 0)
            broker->thread = after[index];
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  The broker the options ask for: a program (child), one already running,
//  or embedded (*embedded_p). Returns 0 with broker set, or
//  CMD_EXIT_FAILURE after saying why.

static int
s_broker_start(const cmd_bench_options_t *options, s_child_t *child, jb_broker_t **embedded_p,
               cmd_bench_broker_t *broker)
{
    if (options->broker_program) {
        int exit_code = s_child_start(child, options);
        broker->frontend = child->frontend;
        broker->backend = child->backend;
        broker->process = child->pid;
        return exit_code;
    }
    if (options->frontend) {
        broker->frontend = options->frontend;
        broker->backend = options->backend;
        return 0;
    }
    return s_embedded_start(options, embedded_p, broker);
}

//  --------------------------------------------------------------------------
//  Print the report (when the run got far enough to have one) and say
//  whether anything was lost that should not have been. Returns the exit
//  code.

static int
s_report(const cmd_bench_options_t *options, const bench_report_t *report,
         const s_child_t *child, int exit_code)
{
    if (exit_code == 0 || report->published > 0) {
        if (options->csv || options->json)
            bench_report_print_machine(report, options->json);
        else
            cmd_bench_report_print_human(options, report);
        fflush(stdout);
    }
    if (child->died) {
        //  what was lost went with the broker, not through a fault of ours
        char how [64];
        if (WIFSIGNALED(child->status))
            snprintf(how, sizeof how, "killed by signal %d", WTERMSIG(child->status));
        else
            snprintf(how, sizeof how, "exit code %d", WEXITSTATUS(child->status));
        fprintf(stderr, "jbus " s_NAME ": the broker program %s ended during the run (%s); "
                "%" PRId64 " of %" PRIu64 " events lost with it\n", options->broker_program, how,
                report->lost, report->expected);
        exit_code = CMD_EXIT_FAILURE;
    }
    else
    if (exit_code == 0 && report->lost > 0 && options->hwm == 0) {
        fprintf(stderr, "jbus " s_NAME ": %" PRId64 " of %" PRIu64 " events lost although every "
                "high-water mark was unlimited: that is a bug\n", report->lost, report->expected);
        exit_code = CMD_EXIT_FAILURE;
    }
    return exit_code;
}

//  --------------------------------------------------------------------------

int
cmd_bench(int argc, char **argv)
{
    cmd_bench_options_t options;
    int exit_code = cmd_bench_parse(argc, argv, &options);
    if (exit_code)
        return exit_code == -1? CMD_EXIT_OK: exit_code;

    //  No CZMQ signal handlers (Ctrl-C ends the process, and the broker
    //  program with it: same process group) and no CZMQ log lines: the
    //  embedded broker's "started" line would only interleave with ours.
    zsys_handler_set(NULL);
    zsys_set_logstream(NULL);
    zsys_set_io_threads((size_t) options.io_threads);
    if (options.dump_frames)
        return cmd_bench_dump_frames(&options);
    if (options.callgrind_publish >= 0)
        return cmd_bench_callgrind_publish(&options);

    bench_latency_t *latency = (bench_latency_t *) calloc(1, sizeof(bench_latency_t));
    bench_report_t report;
    bench_report_init(&report, "jbus", latency);
    cmd_bench_report_describe(&options, &report);

    //  The broker, first of all: a program is spawned before this process
    //  has any ZeroMQ socket or thread.
    s_child_t child;
    memset(&child, 0, sizeof child);
    jb_broker_t *embedded = NULL;
    cmd_bench_broker_t broker;
    memset(&broker, 0, sizeof broker);
    exit_code = s_broker_start(&options, &child, &embedded, &broker);
    if (exit_code == 0 && !latency) {
        fprintf(stderr, "jbus " s_NAME ": out of memory\n");
        exit_code = CMD_EXIT_FAILURE;
    }
    if (exit_code == 0)
        exit_code = cmd_bench_run(&options, &broker, &report);

    //  The broker program's CPU was sampled; its peak memory comes as it exits.
    s_child_stop(&child);
    if (child.exited)
        report.rss_broker_kb = child.usage.ru_maxrss;
    jb_broker_destroy(&embedded);
    exit_code = s_report(&options, &report, &child, exit_code);
    free(latency);
    return exit_code;
}
