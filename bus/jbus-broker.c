/*  =========================================================================
    jbus-broker.c - the jbus broker as a program

        jbus-broker [--config FILE] [--frontend EP] [--backend EP] ...

    A thin main around the library's jb_broker actor: read the flags and
    the ZPL file (flags win), start the broker, print one "ready" line with
    the bound endpoints, wait for SIGINT or SIGTERM, stop. See --help for
    the flags and the exit codes.

    Signals are blocked in every thread before any is started and taken
    with sigwait(), so no thread is ever interrupted mid-call and CZMQ's
    own handlers are switched off.
    ========================================================================= */

#define _POSIX_C_SOURCE 200809L

#include <assert.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <czmq.h>

#include "jbus.h"

#define s_NAME "jbus-broker"

//  Exit codes, as documented in --help.
enum {
    s_EXIT_OK = 0,              //  stopped by SIGINT or SIGTERM
    s_EXIT_FAILURE = 1,         //  could not start: an endpoint in use, ...
    s_EXIT_USAGE = 2            //  a bad flag, config file or value
};

//  Flags that set a configuration key, in the order --help lists them.
typedef struct {
    const char *flag;           //  --flag
    const char *key;            //  jb_broker_config_set key
    const char *argument;       //  for --help; NULL for a flag without a
                                //  value, which sets the key to "true"
    const char *help;
} s_setting_t;

static const s_setting_t s_settings [] = {
    { "frontend", "frontend", "EP",
      "where publishers connect (default " JB_BROKER_FRONTEND_DEFAULT ")" },
    { "backend", "backend", "EP",
      "where subscribers connect (default " JB_BROKER_BACKEND_DEFAULT ")" },
    { "control", "control", "EP",
      "where \"STATS\" is answered (default " JB_BROKER_CONTROL_DEFAULT ")" },
    { "sndhwm", "sndhwm", "N", "send high-water mark in messages, 0 = none (default 100000)" },
    { "rcvhwm", "rcvhwm", "N", "receive high-water mark in messages, 0 = none (default 100000)" },
    { "max-message-size", "max_message_size", "N",
      "largest frame a publisher may send, in bytes; a publisher\n"
      "that sends more is disconnected; -1 = no limit (default 1048576)" },
    { "max-frames", "max_frames", "N",
      "most frames in one message from a publisher (1-64); a message\n"
      "with more is dropped whole and its publisher disconnected (default 3)" },
    { "max-message-bytes", "max_message_bytes", "N",
      "most bytes in one message, all frames together; as --max-frames;\n"
      "0 = max_message_size, -1 = no limit (default 0)" },
    { "announce-retain", "announce_retain", "DURATION",
      "how long a closed publisher's final announcements (its last\n"
      "sequence numbers) are kept and sent again each second, so that\n"
      "subscribers that fell behind learn what they lost; 0 = none\n"
      "(default 1m)" },
    { "linger", "linger", "DURATION", "how long unsent messages outlive a stop (default 1s)" },
    { "stats-interval", "stats_interval", "DURATION",
      "period of the counters log line, 0 = never (default 1m)" },
    { "heartbeat-ivl", "heartbeat_ivl", "DURATION", "ZMTP heartbeat period, 0 = none (default 5s)" },
    { "heartbeat-timeout", "heartbeat_timeout", "DURATION",
      "drop a silent peer and its subscriptions after this\n(default 15s)" },
    { "strict", "strict", NULL,
      "check every message from publishers against the jbus\n"
      "binding; drop and count those that do not fit, log the\n"
      "first from each peer address (default off)" },
    { "curve-cert", "curve_cert", "FILE",
      "the broker's secret certificate (jbus keygen), readable\n"
      "by its owner only (else refused: chmod 600 it): CURVE\n"
      "authentication and encryption on every endpoint; needs\n"
      "--curve-clients (default none)" },
    { "curve-clients", "curve_clients", "DIR",
      "directory of the certificates of the clients let in;\n"
      "needs --curve-cert. Who may publish and subscribe to\n"
      "what is the config file's `clients` section" },
    { "journal", "journal", "DIR",
      "keep a durable journal (LMDB) of the events forwarded in\n"
      "DIR, made when missing (default none)" },
    { "journal-filter", "journal_filter", "PREFIX",
      "journal only the types that start with PREFIX; repeatable\n"
      "(default every type). The broker subscribes to them itself" },
    { "journal-max-bytes", "journal_max_bytes", "N",
      "keep the journal under N bytes, the oldest going first\n"
      "(default 1073741824)" },
    { "journal-max-age", "journal_max_age", "DURATION",
      "drop journaled events older than this; 0 = no age bound\n"
      "(default 7d)" },
    { "journal-commit-ms", "journal_commit_ms", "DURATION",
      "commit the journal at least this often (default 10ms): a\n"
      "broker crash loses the events of that last while and the queue" },
    { "journal-commit-count", "journal_commit_count", "N",
      "or as soon as N events wait (default 1000)" },
    { "journal-sync", "journal_sync", "BOOL",
      "fsync each commit (default true); false: a system crash\n"
      "(not a broker crash) may also undo the last commit" },
    { "journal-queue", "journal_queue", "N",
      "events waiting for the journal before more are left out\n"
      "of it, counted (forwarding goes on; default 100000)" },
    { "replay", "replay", "EP",
      "with a journal: where clients replay it (docs/replay.md;\n"
      "default " JB_BROKER_REPLAY_DEFAULT ", \"\" for none)" },
    { "http", "http", "ADDR:PORT",
      "serve monitoring over HTTP (docs/monitoring.md): /varz,\n"
      "/connz, /subsz, /journalz, Prometheus /metrics and a status\n"
      "page at /. A bare PORT is on 127.0.0.1; port 0 picks a free\n"
      "one, and the ready line says which (default off)" },
    { "http-token", "http_token", "TOKEN",
      "every data request must carry \"Authorization: Bearer\n"
      "TOKEN\" (16 characters or more; better in the config file,\n"
      "where ps cannot show it). With CURVE, --http without a\n"
      "token must be on loopback (default none)" },
};

#define s_SETTING_COUNT (sizeof s_settings / sizeof s_settings[0])

//  getopt_long values of the other flags; settings use s_SETTING_BASE + index.
enum {
    s_OPT_NO_CONTROL = 1000,
    s_OPT_SYSLOG,
    s_OPT_LOG_LEVEL,
    s_OPT_LOG_FILE,
    s_SETTING_BASE = 2000
};

//  --------------------------------------------------------------------------

static size_t
s_setting_index(const char *key)
{
    size_t index = 0;
    while (strcmp(s_settings[index].key, key) != 0)
        index++;
    assert(index < s_SETTING_COUNT);
    return index;
}

//  --------------------------------------------------------------------------

static void
s_help(void)
{
    printf("Usage: " s_NAME " [OPTIONS]\n"
           "Forward CloudEvents from publishers to subscribers on the jbus ZeroMQ bus\n"
           "(publishers connect to the frontend, an XSUB socket; subscribers to the\n"
           "backend, an XPUB socket). Endpoints are tcp://, ipc:// or inproc://;\n"
           "a tcp port of * picks a free one, and the ready line says which.\n"
           "A DURATION is a whole number and a unit: 500ms, 5s, 2m, 1h, 7d, or several\n"
           "(1m30s); a bare number is milliseconds. The config file takes the same.\n\n"
           "Options:\n"
           "  -c, --config FILE            read the `broker` section of a ZPL file; flags win\n");
    for (size_t index = 0; index < s_SETTING_COUNT; index++) {
        char flag [64];
        snprintf(flag, sizeof flag, "--%s%s%s", s_settings[index].flag,
                 s_settings[index].argument? " ": "",
                 s_settings[index].argument? s_settings[index].argument: "");
        //  a flag too long for its column has its text on the next lines
        if (strlen(flag) >= 24)
            printf("      %s\n%31s", flag, "");
        else
            printf("      %-24s ", flag);
        //  Continuation lines of the help line up under its first line.
        for (const char *line = s_settings[index].help; *line; ) {
            size_t length = strcspn(line, "\n");
            printf("%.*s\n", (int) length, line);
            line += length;
            if (*line == '\n' && *++line)
                printf("%31s", "");
        }
    }
    printf("      --no-control             no control endpoint\n"
           "      --log-level LEVEL        log error, warn, info (the default) or debug lines and\n"
           "                               those more severe; each line is an ISO 8601 time with\n"
           "                               its zone, E/W/I/D, " s_NAME ": and the text\n"
           "  -q, --quiet                  log errors only (--log-level error)\n"
           "  -v, --verbose                log debug lines too, the configuration in use at\n"
           "                               start among them (--log-level debug)\n"
           "      --log-file FILE          append the log to FILE instead of stderr\n"
           "      --syslog                 log to syslog (daemon, as " s_NAME ") instead\n"
           "  -h, --help                   show this help and exit\n"
           "  -V, --version                show the version and exit\n\n"
           "With CURVE (docs/security.md), a config that lacks a piece of it (a secret\n"
           "certificate, a readable clients directory) stops the broker with exit code 2:\n"
           "it never runs without the security it was asked for.\n\n"
           "Once bound, prints one line on stdout:\n"
           "  " s_NAME ": ready frontend=EP backend=EP control=EP|none[ replay=EP]"
           "[ http=ADDR:PORT]\n"
           "(replay= when a journal is on with a replay endpoint, http= with --http)\n"
           "and runs until SIGINT or SIGTERM. SIGHUP reloads the config file: with CURVE,\n"
           "its client rules and the clients directory apply from then on, and a\n"
           "connection they no longer allow is cut; the log level and file apply too\n"
           "(the rest needs a restart). A config that fails to load is logged and the\n"
           "one in use stays.\n\n"
           "Exit status:\n"
           "  0  stopped by SIGINT or SIGTERM\n"
           "  1  could not start, e.g. an endpoint is in use\n"
           "  2  a bad flag, config file or value, or a CURVE setting that will not do\n");
}

//  --------------------------------------------------------------------------

static int
s_usage_error(const char *format, ...) JB_PRINTF(1, 2);

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

//  --------------------------------------------------------------------------
//  A failure after logging is set up: stderr always, syslog too when that
//  is where the operator looks.

static int
s_fail(int code, bool syslog, const char *message)
{
    fprintf(stderr, s_NAME ": %s\n", message);
    if (syslog)
        jb_log(JB_LOG_ERROR, "%s", message);
    return code;
}

//  --------------------------------------------------------------------------

//  At debug level (-v): the configuration in use.
static void
s_log_config(const jb_broker_config_t *config)
{
    jb_log(JB_LOG_DEBUG, "configuration: frontend=%s backend=%s control=%s sndhwm=%d rcvhwm=%d "
              "max_message_size=%lld max_frames=%d max_message_bytes=%lld announce_retain=%d "
              "linger=%d stats_interval=%d heartbeat_ivl=%d "
              "heartbeat_timeout=%d strict=%s curve_cert=%s curve_clients=%s journal=%s "
              "journal_max_bytes=%lld journal_max_age=%lld journal_commit_ms=%d "
              "journal_commit_count=%d journal_sync=%s journal_queue=%d replay=%s",
              config->frontend, config->backend,
              config->control && *config->control? config->control: "none",
              config->sndhwm, config->rcvhwm, (long long) config->max_message_size,
              config->max_frames, (long long) config->max_message_bytes,
              config->announce_retain_ms, config->linger_ms, config->stats_interval_ms,
              config->heartbeat_ivl_ms, config->heartbeat_timeout_ms,
              config->strict? "true": "false",
              config->curve_cert && *config->curve_cert? config->curve_cert: "none",
              config->curve_clients && *config->curve_clients? config->curve_clients: "none",
              config->journal && *config->journal? config->journal: "none",
              (long long) config->journal_max_bytes, (long long) config->journal_max_age_ms,
              config->journal_commit_ms, config->journal_commit_count,
              config->journal_sync? "true": "false", config->journal_queue,
              config->replay && *config->replay? config->replay: "none");
}

//  --------------------------------------------------------------------------
//  What the command line asks for.

//  Most --journal-filter flags.
#define s_JOURNAL_FILTERS_MAX 64

typedef struct {
    const char *values [s_SETTING_COUNT];   //  per setting; NULL when not given
    const char *journal_filters [s_JOURNAL_FILTERS_MAX];  //  --journal-filter,
    size_t journal_filter_count;            //  repeatable
    const char *config_path;                //  --config, or NULL
    bool syslog;
    const char *log_level;                  //  --log-level, -q, -v; NULL: info
    const char *log_file;                   //  --log-file, or NULL
} s_flags_t;

//  Read the command line into flags. Flags are collected here and applied
//  after the config file, so that they win wherever they stand. Returns
//  -1 to go on, or the exit code (--help, --version, a usage error).
static int
s_flags_parse(int argc, char *argv [], s_flags_t *flags)
{
    struct option options [s_SETTING_COUNT + 12];
    size_t option_count = 0;
    for (size_t index = 0; index < s_SETTING_COUNT; index++)
        options[option_count++] = (struct option) {
            s_settings[index].flag, s_settings[index].argument? required_argument: no_argument,
            NULL, s_SETTING_BASE + (int) index };
    options[option_count++] = (struct option) { "config", required_argument, NULL, 'c' };
    options[option_count++] = (struct option) { "no-control", no_argument, NULL, s_OPT_NO_CONTROL };
    options[option_count++] = (struct option) { "syslog", no_argument, NULL, s_OPT_SYSLOG };
    options[option_count++] = (struct option) { "verbose", no_argument, NULL, 'v' };
    options[option_count++] = (struct option) { "quiet", no_argument, NULL, 'q' };
    options[option_count++] = (struct option) { "log-level", required_argument, NULL,
                                                s_OPT_LOG_LEVEL };
    options[option_count++] = (struct option) { "log-file", required_argument, NULL,
                                                s_OPT_LOG_FILE };
    options[option_count++] = (struct option) { "help", no_argument, NULL, 'h' };
    options[option_count++] = (struct option) { "version", no_argument, NULL, 'V' };
    options[option_count++] = (struct option) { NULL, 0, NULL, 0 };

    *flags = (s_flags_t) { { NULL }, { NULL }, 0, NULL, false, NULL, NULL };
    int journal_filter = s_SETTING_BASE + (int) s_setting_index("journal_filter");
    opterr = 0;
    int option;
    while ((option = getopt_long(argc, argv, ":c:vqhV", options, NULL)) != -1) {
        if (option == journal_filter) {
            if (flags->journal_filter_count == s_JOURNAL_FILTERS_MAX)
                return s_usage_error("more than %d --journal-filter flags", s_JOURNAL_FILTERS_MAX);
            flags->journal_filters[flags->journal_filter_count++] = optarg;
        }
        else
        if (option >= s_SETTING_BASE && option < s_SETTING_BASE + (int) s_SETTING_COUNT)
            flags->values[option - s_SETTING_BASE] = optarg? optarg: "true";
        else
        switch (option) {
            case 'c': flags->config_path = optarg; break;
            case s_OPT_NO_CONTROL: flags->values[s_setting_index("control")] = ""; break;
            case s_OPT_SYSLOG: flags->syslog = true; break;
            case 'v': flags->log_level = "debug"; break;
            case 'q': flags->log_level = "error"; break;
            case s_OPT_LOG_LEVEL: flags->log_level = optarg; break;
            case s_OPT_LOG_FILE: flags->log_file = optarg; break;
            case 'h': s_help(); return s_EXIT_OK;
            case 'V':
                printf(s_NAME " %d.%d.%d\n", JBUS_VERSION_MAJOR, JBUS_VERSION_MINOR,
                       JBUS_VERSION_PATCH);
                return s_EXIT_OK;
            case ':': return s_usage_error("option '%s' needs a value", argv[optind - 1]);
            default: return s_usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return s_usage_error("unexpected argument '%s'", argv[optind]);
    return -1;
}

//  --------------------------------------------------------------------------
//  The log: its level, its file or syslog. Returns s_EXIT_OK, or
//  s_EXIT_USAGE with the error printed.

static void
s_log_start(const s_flags_t *flags)
{
    jb_log_set_ident(s_NAME);
    if (flags->syslog)
        jb_log_set_syslog(true);
}

//  The level and the file: the flags', else the config's (log_level,
//  log_file), else info on stderr. 0, or JB_EINVAL or JB_EIO with the
//  reason in error (the log stays as it was).
static int
s_log_apply(const s_flags_t *flags, const jb_broker_config_t *config, jb_error_t *error)
{
    const char *level_text = flags->log_level? flags->log_level
                           : config->log_level && *config->log_level? config->log_level: "info";
    jb_log_level_t level;
    if (jb_log_level_parse(level_text, &level, error))
        return JB_EINVAL;
    const char *file = flags->log_file? flags->log_file
                     : config->log_file && *config->log_file? config->log_file: NULL;
    if (jb_log_set_file(file, error))
        return JB_EIO;
    jb_log_set_level(level);
    return 0;
}

//  --------------------------------------------------------------------------
//  Fill config: the defaults, then the config file, then the flags.
//  Returns s_EXIT_OK, or s_EXIT_USAGE with the error printed.

static int
s_config_read(jb_broker_config_t *config, const s_flags_t *flags, jb_error_t *error)
{
    jb_error_t detail;
    if (flags->config_path && jb_broker_config_load(config, flags->config_path, &detail)) {
        *error = detail;
        return JB_ECONFIG;
    }
    for (size_t index = 0; index < s_SETTING_COUNT; index++)
        if (flags->values[index]
        &&  jb_broker_config_set(config, s_settings[index].key, flags->values[index], &detail)) {
            snprintf(error->message, sizeof error->message, "--%s: %.300s", s_settings[index].flag,
                     detail.message);
            return error->code = JB_ECONFIG;
        }
    //  the flags' filters replace the file's
    if (flags->journal_filter_count)
        config->journal_filters = NULL;
    for (size_t index = 0; index < flags->journal_filter_count; index++)
        if (jb_broker_config_set(config, "journal_filter", flags->journal_filters[index],
                                 &detail)) {
            snprintf(error->message, sizeof error->message, "--journal-filter: %.300s",
                     detail.message);
            return error->code = JB_ECONFIG;
        }
    return 0;
}

static int
s_config_build(jb_broker_config_t *config, const s_flags_t *flags)
{
    jb_error_t error;
    if (s_config_read(config, flags, &error))
        return s_fail(s_EXIT_USAGE, flags->syslog, error.message);
    return s_EXIT_OK;
}

//  SIGHUP: read the config file (and the flags over it) again and apply
//  what a running broker can take; a config that fails keeps the old, and
//  says why. The log file is opened again too (after a logrotate).
static void
s_reload(jb_broker_t *broker, const s_flags_t *flags)
{
    jb_broker_config_t config;
    jb_broker_config_defaults(&config);
    jb_error_t error;
    if (s_config_read(&config, flags, &error) || jb_broker_reload(broker, &config, &error))
        jb_log(JB_LOG_WARN, "reload failed: %s; the configuration in use stays", error.message);
    else
    if (s_log_apply(flags, &config, &error))
        jb_log(JB_LOG_ERROR, "reload: %s; the log goes on as it was", error.message);
    jb_broker_config_reset(&config);
}

//  --------------------------------------------------------------------------
//  Print the ready line, wait for SIGINT or SIGTERM, stop the broker.
//  SIGHUP reloads. SIGUSR1 and SIGUSR2 are logged and ignored: their
//  default is to kill the process, which would end every connection
//  without a word.

static void
s_run(jb_broker_t **broker_p, const sigset_t *signals, const s_flags_t *flags)
{
    jb_broker_t *broker = *broker_p;
    const char *control = jb_broker_endpoint_control(broker);
    const char *replay = jb_broker_endpoint_replay(broker);
    const char *http = jb_broker_endpoint_http(broker);
    printf(s_NAME ": ready frontend=%s backend=%s control=%s%s%s%s%s\n",
           jb_broker_endpoint_frontend(broker), jb_broker_endpoint_backend(broker),
           *control? control: "none", *replay? " replay=": "", replay, *http? " http=": "", http);
    fflush(stdout);
    while (true) {
        int signal_number = 0;
        if (sigwait(signals, &signal_number) != 0)
            continue;
        if (signal_number == SIGINT || signal_number == SIGTERM) {
            jb_log(JB_LOG_INFO, "%s received, stopping", signal_number == SIGINT? "SIGINT": "SIGTERM");
            break;
        }
        if (signal_number == SIGHUP) {
            jb_log(JB_LOG_INFO, "SIGHUP received, reloading %s", flags->config_path
                   ? flags->config_path: "(no config file: the flags)");
            s_reload(broker, flags);
            continue;
        }
        jb_log(JB_LOG_WARN, "%s received: it has no meaning here; ignored, the broker goes on",
               signal_number == SIGUSR1? "SIGUSR1": "SIGUSR2");
    }
    jb_broker_destroy(broker_p);
}

//  --------------------------------------------------------------------------

int
main(int argc, char *argv [])
{
    s_flags_t flags;
    int exit_code = s_flags_parse(argc, argv, &flags);
    if (exit_code >= 0)
        return exit_code;

    //  Before CZMQ starts a thread: every thread inherits the mask, and
    //  only sigwait in s_run sees these signals. SIGPIPE is blocked and
    //  never waited for: a write to a closed stderr then fails with EPIPE
    //  instead of killing the broker (libzmq's own sends never raise it).
    sigset_t signals, blocked;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    sigaddset(&signals, SIGUSR1);
    sigaddset(&signals, SIGUSR2);
    blocked = signals;
    sigaddset(&blocked, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &blocked, NULL);
    zsys_handler_set(NULL);
    //  CZMQ's own few lines keep zsys's format; ours are jbus/log.h's
    zsys_set_logident(s_NAME);
    zsys_set_logstream(stderr);         //  stdout carries the ready line only
    s_log_start(&flags);
    exit_code = s_EXIT_OK;

    jb_broker_config_t config;
    jb_broker_config_defaults(&config);
    if (exit_code == s_EXIT_OK)
        exit_code = s_config_build(&config, &flags);
    jb_error_t log_error;
    if (exit_code == s_EXIT_OK && s_log_apply(&flags, &config, &log_error)) {
        fprintf(stderr, s_NAME ": %s\n", log_error.message);
        exit_code = s_EXIT_USAGE;
    }
    if (exit_code == s_EXIT_OK) {
        s_log_config(&config);
        jb_error_t error;
        jb_broker_t *broker = jb_broker_new(&config, &error);
        if (broker)
            s_run(&broker, &signals, &flags);
        else
            exit_code = s_fail(error.code == JB_ECONFIG? s_EXIT_USAGE: s_EXIT_FAILURE,
                               flags.syslog, error.message);
    }
    jb_broker_config_reset(&config);
    //  Gives unsent messages their linger time, then frees CZMQ's globals.
    zsys_shutdown();
    return exit_code;
}
