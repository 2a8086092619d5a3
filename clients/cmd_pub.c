/*  =========================================================================
    cmd_pub.c - jbus pub: publish CloudEvents on the bus

        jbus pub --type TYPE [--source SOURCE] [--data DATA] [OPTIONS]
        jbus pub [OPTIONS] [FILE...]          JSON lines: one event a line

    An event is built from flags when --type is given; otherwise events are
    read as JSON lines (the JSON event format, one event or one batch per
    line) from each FILE or standard input. Invalid events are reported with
    their line and not sent; the others are.
    ========================================================================= */

#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jbus.h"
#include "cmd.h"

#define s_NAME "pub"
#define s_STDIN_LABEL "<stdin>"
#define s_DEFAULT_SOURCE "/jbus/cli"

typedef struct {
    const char *endpoint;
    jb_publisher_options_t publisher;
    int wait_ms;                //  wait for a subscriber before the first event
    int count;                  //  how many times to send the flag event
    bool quiet;
    //  the event from flags; type NULL means "read JSON lines"
    const char *type, *source, *subject, *id, *time, *datacontenttype, *dataschema;
    const char *data, *data_file;
    const char **extensions;    //  "NAME=VALUE" or "NAME:TYPE=VALUE", argc-bounded
    size_t extension_count;
    const char *curve_cert, *curve_server;      //  CURVE flags, NULL when not given
} s_options_t;

//  --------------------------------------------------------------------------

static void
s_print_help(void)
{
    printf(
        "Usage: jbus pub --type TYPE [--source SOURCE] [--data DATA] [OPTIONS]\n"
        "       jbus pub [OPTIONS] [FILE...]\n"
        "\n"
        "Publish CloudEvents to a jbus broker. With --type, publish one event built\n"
        "from the flags (--count times). Otherwise read events as JSON lines, one\n"
        "event in the JSON event format (or one batch, a JSON array) per line, from\n"
        "each FILE, or standard input when there is none or FILE is -. An invalid\n"
        "event is reported as FILE:LINE: MESSAGE and not sent; the rest are.\n"
        "\n"
        "Event from flags:\n"
        "  -t, --type TYPE           the event type, e.g. jerry.work_tracking.task.created\n"
        "  -s, --source SOURCE       URI-reference (default " s_DEFAULT_SOURCE ")\n"
        "      --subject SUBJECT\n"
        "      --id ID               default: a new UUID for each event\n"
        "      --time RFC3339        default: now\n"
        "      --datacontenttype CT  media type of the data\n"
        "      --dataschema URI\n"
        "  -d, --data DATA           a JSON value when the content type is JSON or unset\n"
        "                            (it is then set to application/json), text otherwise\n"
        "      --data-file FILE      the data from FILE: JSON, text or bytes as above,\n"
        "                            bytes when the content type is neither JSON nor text/*\n"
        "      --ext NAME=VALUE      an extension attribute: true/false is a Boolean, a\n"
        "                            whole number an Integer, anything else a String;\n"
        "                            NAME:TYPE=VALUE gives the type (Boolean, Integer,\n"
        "                            String, Binary as base64, URI, URI-reference,\n"
        "                            Timestamp). Repeatable.\n"
        "  -n, --count N             publish the event N times (default 1)\n"
        "\n"
        "Connection:\n"
        "  -e, --endpoint EP         the broker's publisher endpoint\n"
        "                            (default " JB_DEFAULT_PUBLISH_ENDPOINT ")\n"
        "      --bind                bind EP instead of connecting (no broker)\n"
        "      --connect-timeout DURATION\n"
        "                            how long to wait for the broker at the start: no\n"
        "                            broker there, a peer that is not its publisher\n"
        "                            endpoint, or a CURVE key it refuses is then an\n"
        "                            error and nothing is sent (default 2s; 0 = send\n"
        "                            into the background connection, unchecked)\n"
        "  -m, --mode MODE           binary (default) or structured (JSON)\n"
        "      --wait DURATION       wait up to this long for a subscriber to be attached\n"
        "                            before the first event (of --type, when given), so that\n"
        "                            none is lost to a slow join\n"
        "                            (default 1s; 0 = do not wait)\n"
        "      --linger DURATION     how long to flush queued events on exit (default 2s)\n"
        "      --hwm N               events queued for the broker, 0 = unlimited (default\n"
        "                            100000); when the queue is full, publishing waits\n"
        "                            for room rather than drop an event\n"
        "      --curve-cert FILE     CURVE: our secret certificate (the _secret file of\n"
        "                            jbus keygen); default $JBUS_CURVE_CERT\n"
        "      --curve-server KEY    CURVE: the broker's public key, or its public\n"
        "                            certificate; default $JBUS_CURVE_SERVER. Both or\n"
        "                            neither (docs/security.md). The broker drops events\n"
        "                            of types its rules do not let us publish\n"
        "  -q, --quiet               no summary line\n"
        "  -h, --help                show this help and exit\n"
        "\n"
        CMD_DURATION_HELP
        "\n"
        "Exit codes:\n"
        "  0  every event was sent\n"
        "  1  an event was invalid or an input unreadable (the valid ones were sent);\n"
        "     no broker, or not one that takes publishers, at EP within\n"
        "     --connect-timeout, or the broker refused our CURVE key (none were sent)\n"
        "  2  usage error, a malformed endpoint among them\n"
        "\n"
        "Examples:\n"
        "  jbus pub -t jerry.work_tracking.task.created -s /jerry/work-tracking \\\n"
        "           --subject WORK-001 -d '{\"task_id\":\"WORK-001\"}'\n"
        "  jbus validate -q events.jsonl && jbus pub --mode structured < events.jsonl\n");
}

//  --------------------------------------------------------------------------
//  Set one --ext on event. Returns 0, or CMD_EXIT_USAGE after saying why.

static int
s_set_extension(jb_event_t *event, const char *argument)
{
    const char *equals = strchr(argument, '=');
    if (!equals || equals == argument)
        return cmd_usage_error(s_NAME, "bad --ext '%s': expected NAME=VALUE", argument);
    const char *colon = memchr(argument, ':', (size_t) (equals - argument));
    char name [128];
    size_t name_size = (size_t) ((colon? colon: equals) - argument);
    if (name_size >= sizeof name)
        return cmd_usage_error(s_NAME, "bad --ext '%s': name too long", argument);
    memcpy(name, argument, name_size);
    name[name_size] = '\0';
    const char *text = equals + 1;

    jb_type_t type = 0;
    if (colon) {
        for (jb_type_t candidate = JB_TYPE_BOOLEAN; candidate <= JB_TYPE_TIMESTAMP; candidate++)
            if (strlen(jb_type_name(candidate)) == (size_t) (equals - colon - 1)
            &&  strncasecmp(colon + 1, jb_type_name(candidate), (size_t) (equals - colon - 1)) == 0)
                type = candidate;
        if (!type)
            return cmd_usage_error(s_NAME, "bad --ext '%s': TYPE must be Boolean, Integer, String, "
                                   "Binary, URI, URI-reference or Timestamp", argument);
    }
    jb_error_t error;
    int rc;
    if (type)
        rc = jb_event_set_extension_text(event, name, type, text, &error);
    else        //  untyped: true/false is a Boolean, a 32-bit whole number an Integer
        rc = jb_event_set_extension_text(event, name, JB_TYPE_BOOLEAN, text, NULL) == 0
          || jb_event_set_extension_text(event, name, JB_TYPE_INTEGER, text, NULL) == 0
           ? 0: jb_event_set_extension_text(event, name, JB_TYPE_STRING, text, &error);
    if (rc)
        return cmd_usage_error(s_NAME, "bad --ext '%s': %s", argument, error.message);
    return 0;
}

//  --------------------------------------------------------------------------
//  Build the event the flags describe. Returns 0 and *event_p, or an exit code.

static int
s_event_from_flags(const s_options_t *options, jb_event_t **event_p)
{
    jb_event_t *event = jb_event_new(options->type, options->source);
    if (!event)
        return cmd_usage_error(s_NAME, "out of memory");
    jb_error_t error;
    jb_error_clear(&error);
    int exit_code = CMD_EXIT_OK;
    if ((options->id && jb_event_set_id(event, options->id))
    ||  (options->subject && jb_event_set_subject(event, options->subject))
    ||  (options->datacontenttype && jb_event_set_datacontenttype(event, options->datacontenttype))
    ||  (options->dataschema && jb_event_set_dataschema(event, options->dataschema)))
        exit_code = cmd_usage_error(s_NAME, "out of memory");
    if (!exit_code && options->time && jb_event_set_time_text(event, options->time, &error))
        exit_code = cmd_usage_error(s_NAME, "bad --time: %s", error.message);
    for (size_t index = 0; !exit_code && index < options->extension_count; index++)
        exit_code = s_set_extension(event, options->extensions[index]);

    char *file_data = NULL;
    size_t size = 0;
    const char *data = options->data;
    if (!exit_code && options->data_file) {
        FILE *stream = fopen(options->data_file, "rb");
        int code = stream? cmd_read_stream(stream, &file_data, &size): errno;
        if (stream)
            fclose(stream);
        if (code) {
            fprintf(stderr, "jbus " s_NAME ": %s: cannot read: %s\n", options->data_file,
                    strerror(code));
            exit_code = CMD_EXIT_FAILURE;
        }
        data = file_data;
    }
    else
    if (data)
        size = strlen(data);
    if (!exit_code && data) {
        const char *content_type = jb_event_datacontenttype(event);
        int rc = 0;
        if (jb_media_type_is_json(content_type))
            rc = jb_event_set_data_json(event, data, size, &error);
        else
        if (!options->data_file || strncasecmp(content_type, "text/", 5) == 0)
            rc = jb_event_set_data_text(event, data, size);
        else
            rc = jb_event_set_data_binary(event, data, size);
        if (rc)
            exit_code = cmd_usage_error(s_NAME, "bad %s: %s", options->data_file? "--data-file"
                                        : "--data", error.message[0]? error.message: jb_strerror(rc));
    }
    free(file_data);
    if (!exit_code && jb_event_validate(event, &error)) {
        fprintf(stderr, "jbus " s_NAME ": %s\n", error.message);
        exit_code = CMD_EXIT_FAILURE;
    }
    if (exit_code)
        jb_event_destroy(&event);
    *event_p = event;
    return exit_code;
}

//  --------------------------------------------------------------------------
//  Publish every JSON line of one input. Returns true when all were sent.

static bool
s_publish_lines(jb_publisher_t *publisher, const char *path, size_t *sent)
{
    bool is_stdin = strcmp(path, "-") == 0;
    const char *label = is_stdin? s_STDIN_LABEL: path;
    FILE *stream = is_stdin? stdin: fopen(path, "rb");
    if (!stream) {
        fprintf(stderr, "%s: cannot read: %s\n", label, strerror(errno));
        return false;
    }
    bool all_sent = true;
    char *line = NULL;
    size_t capacity = 0;
    ssize_t length;
    size_t number = 0;
    while ((length = getline(&line, &capacity, stream)) != -1) {
        number++;
        size_t start = 0;
        while ((ssize_t) start < length && strchr(" \t\r\n", line[start]))
            start++;
        if ((ssize_t) start == length)
            continue;                           //  blank lines are allowed
        jb_error_t error;
        jb_error_clear(&error);
        int rc;
        if (line[start] == '[') {
            jb_batch_t *batch = NULL;
            rc = jb_json_decode_batch(line, (size_t) length, NULL, &batch, &error);
            if (rc == 0)
                rc = jb_publisher_publish_batch(publisher, batch, &error);
            if (rc == 0)
                *sent += jb_batch_size(batch);
            jb_batch_destroy(&batch);
        }
        else {
            jb_event_t *event = NULL;
            rc = jb_json_decode(line, (size_t) length, NULL, &event, &error);
            if (rc == 0)
                rc = jb_publisher_publish(publisher, event, &error);
            if (rc == 0)
                (*sent)++;
            jb_event_destroy(&event);
        }
        if (rc) {
            fprintf(stderr, "%s:%zu: %s\n", label, number,
                    error.message[0]? error.message: jb_strerror(rc));
            all_sent = false;
        }
    }
    if (ferror(stream)) {
        fprintf(stderr, "%s: cannot read: %s\n", label, strerror(errno));
        all_sent = false;
    }
    free(line);
    if (!is_stdin)
        fclose(stream);
    return all_sent;
}

//  --------------------------------------------------------------------------

static int
s_parse(int argc, char **argv, s_options_t *options)
{
    enum {
        s_SUBJECT = 256, s_ID, s_TIME, s_CONTENT_TYPE, s_SCHEMA, s_DATA_FILE, s_EXT, s_BIND,
        s_WAIT, s_LINGER, s_HWM, s_CURVE_CERT, s_CURVE_SERVER, s_CONNECT
    };
    static const struct option long_options [] = {
        { "endpoint",        required_argument, NULL, 'e' },
        { "mode",            required_argument, NULL, 'm' },
        { "type",            required_argument, NULL, 't' },
        { "source",          required_argument, NULL, 's' },
        { "subject",         required_argument, NULL, s_SUBJECT },
        { "id",              required_argument, NULL, s_ID },
        { "time",            required_argument, NULL, s_TIME },
        { "datacontenttype", required_argument, NULL, s_CONTENT_TYPE },
        { "dataschema",      required_argument, NULL, s_SCHEMA },
        { "data",            required_argument, NULL, 'd' },
        { "data-file",       required_argument, NULL, s_DATA_FILE },
        { "ext",             required_argument, NULL, s_EXT },
        { "count",           required_argument, NULL, 'n' },
        { "bind",            no_argument,       NULL, s_BIND },
        { "connect-timeout", required_argument, NULL, s_CONNECT },
        { "wait",            required_argument, NULL, s_WAIT },
        { "linger",          required_argument, NULL, s_LINGER },
        { "hwm",             required_argument, NULL, s_HWM },
        { "curve-cert",      required_argument, NULL, s_CURVE_CERT },
        { "curve-server",    required_argument, NULL, s_CURVE_SERVER },
        { "quiet",           no_argument,       NULL, 'q' },
        { "help",            no_argument,       NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    int option, rc = 0;
    while (rc == 0 && (option = getopt_long(argc, argv, "e:m:t:s:d:n:qh", long_options, NULL)) != -1) {
        switch (option) {
            case 'e': options->endpoint = optarg; break;
            case 'm':
                if (strcmp(optarg, "binary") == 0)
                    options->publisher.mode = JB_MODE_BINARY;
                else
                if (strcmp(optarg, "structured") == 0)
                    options->publisher.mode = JB_MODE_STRUCTURED;
                else
                    rc = cmd_usage_error(s_NAME, "bad --mode '%s': binary or structured", optarg);
                break;
            case 't': options->type = optarg; break;
            case 's': options->source = optarg; break;
            case s_SUBJECT: options->subject = optarg; break;
            case s_ID: options->id = optarg; break;
            case s_TIME: options->time = optarg; break;
            case s_CONTENT_TYPE: options->datacontenttype = optarg; break;
            case s_SCHEMA: options->dataschema = optarg; break;
            case 'd': options->data = optarg; break;
            case s_DATA_FILE: options->data_file = optarg; break;
            case s_EXT: options->extensions[options->extension_count++] = optarg; break;
            case 'n': rc = cmd_parse_int(s_NAME, "--count", optarg, 1, INT32_MAX, &options->count); break;
            case s_BIND: options->publisher.bind = true; break;
            case s_CONNECT:
                rc = cmd_parse_duration(s_NAME, "--connect-timeout", optarg, 0, INT32_MAX,
                                   &options->publisher.connect_timeout_ms);
                break;
            case s_WAIT:
                rc = cmd_parse_duration(s_NAME, "--wait", optarg, 0, INT32_MAX, &options->wait_ms);
                break;
            case s_LINGER:
                rc = cmd_parse_duration(s_NAME, "--linger", optarg, 0, INT32_MAX,
                                        &options->publisher.linger_ms);
                break;
            case s_HWM:
                rc = cmd_parse_int(s_NAME, "--hwm", optarg, 0, INT32_MAX, &options->publisher.sndhwm);
                break;
            case s_CURVE_CERT: options->curve_cert = optarg; break;
            case s_CURVE_SERVER: options->curve_server = optarg; break;
            case 'q': options->quiet = true; break;
            case 'h': s_print_help(); return -1;
            default: return cmd_usage_hint(s_NAME);
        }
    }
    if (rc)
        return rc;
    bool has_event_flags = options->source || options->subject || options->id || options->time
                        || options->datacontenttype || options->dataschema || options->data
                        || options->data_file || options->extension_count;
    if (!options->type && has_event_flags)
        return cmd_usage_error(s_NAME, "event flags need --type (or give JSON lines instead)");
    if (options->type && optind < argc)
        return cmd_usage_error(s_NAME, "give either --type or FILEs of JSON lines, not both");
    if (options->data && options->data_file)
        return cmd_usage_error(s_NAME, "give either --data or --data-file, not both");
    if (!options->source)
        options->source = s_DEFAULT_SOURCE;
    return 0;
}

//  --------------------------------------------------------------------------

int
cmd_pub(int argc, char **argv)
{
    s_options_t options;
    memset(&options, 0, sizeof options);
    options.endpoint = JB_DEFAULT_PUBLISH_ENDPOINT;
    jb_publisher_options_defaults(&options.publisher);
    options.publisher.connect_timeout_ms = CMD_CONNECT_TIMEOUT_MS;
    //  a tool says what it published: none may be dropped at a full queue
    options.publisher.wait_when_full = true;
    options.wait_ms = 1000;
    options.count = 1;
    options.extensions = (const char **) calloc((size_t) argc + 1, sizeof(char *));
    if (!options.extensions)
        return cmd_usage_error(s_NAME, "out of memory");
    int exit_code = s_parse(argc, argv, &options);
    cmd_curve_t curve;
    memset(&curve, 0, sizeof curve);
    if (exit_code == 0)
        exit_code = cmd_curve_load(s_NAME, options.curve_cert, options.curve_server, &curve);
    if (curve.on) {
        options.publisher.curve_server_key = curve.server_key;
        options.publisher.curve_public_key = curve.cert.public_key;
        options.publisher.curve_secret_key = curve.cert.secret_key;
    }
    jb_event_t *event = NULL;
    if (exit_code == 0 && options.type)
        exit_code = s_event_from_flags(&options, &event);
    jb_publisher_t *publisher = NULL;
    if (exit_code == 0) {
        jb_error_t error;
        publisher = jb_publisher_new(options.endpoint, &options.publisher, &error);
        if (!publisher && error.code == JB_EINVAL)
            exit_code = cmd_usage_error(s_NAME, "%s", error.message);
        else
        if (!publisher) {
            fprintf(stderr, "jbus " s_NAME ": %s\n", error.message);
            exit_code = CMD_EXIT_FAILURE;
        }
        //  the publisher holds its own copies of the keys now
        cmd_curve_clear(&curve);
    }
    //  with an event from flags, wait for a subscriber of its type; JSON lines
    //  may hold any types, so any subscriber will do
    if (exit_code == 0 && options.wait_ms > 0
    &&  jb_publisher_wait_for(publisher, options.type, options.wait_ms, NULL) != 0
    &&  !options.quiet)
        fprintf(stderr, "jbus " s_NAME ": no subscriber within %d ms at %s; publishing anyway "
                "(events nobody subscribed to are dropped%s)\n", options.wait_ms, options.endpoint,
                options.publisher.curve_server_key? "; with CURVE, check that the broker lets "
                "our key in and --curve-server is its key": "");
    size_t sent = 0;
    if (exit_code == 0 && event) {
        for (int round = 0; exit_code == 0 && round < options.count; round++) {
            //  each event after the first is built anew: a fresh id and time
            if (round > 0) {
                jb_event_destroy(&event);
                exit_code = s_event_from_flags(&options, &event);
            }
            jb_error_t error;
            if (exit_code == 0 && jb_publisher_publish(publisher, event, &error)) {
                fprintf(stderr, "jbus " s_NAME ": %s\n", error.message);
                exit_code = CMD_EXIT_FAILURE;
            }
            if (exit_code == 0)
                sent++;
        }
    }
    else
    if (exit_code == 0) {
        if (optind >= argc && !s_publish_lines(publisher, "-", &sent))
            exit_code = CMD_EXIT_FAILURE;
        for (int index = optind; index < argc; index++)
            if (!s_publish_lines(publisher, argv[index], &sent))
                exit_code = CMD_EXIT_FAILURE;
    }
    if (publisher && !options.quiet)
        fprintf(stderr, "jbus " s_NAME ": published %zu event%s to %s\n", sent,
                sent == 1? "": "s", jb_publisher_endpoint(publisher));
    jb_publisher_destroy(&publisher);
    jb_event_destroy(&event);
    cmd_curve_clear(&curve);
    free(options.extensions);
    return exit_code == -1? CMD_EXIT_OK: exit_code;
}
