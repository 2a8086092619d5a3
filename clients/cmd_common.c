/*  =========================================================================
    cmd_common.c - what several jbus subcommands need: reading input,
    extension type declarations, option values, CURVE keys
    ========================================================================= */

#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jbus.h"
#include "cmd.h"

//  First read buffer; it doubles as the input grows.
#define s_READ_CHUNK (64 * 1024)

//  --------------------------------------------------------------------------
//  Add the definition "NAME=TYPE" to known (known_count entries so far, with
//  room for one more). Returns 0, or CMD_EXIT_USAGE after saying what is
//  wrong, naming the subcommand command.

int
cmd_add_extension_def(const char *command, jb_extension_def_t *known, size_t *known_count,
                      const char *definition)
{
    const char *equals = strchr(definition, '=');
    if (!equals || equals == definition)
        return cmd_usage_error(command, "bad --ext '%s': expected NAME=TYPE", definition);

    const char *type_name = equals + 1;
    jb_type_t type = 0;
    for (jb_type_t candidate = JB_TYPE_BOOLEAN; candidate <= JB_TYPE_TIMESTAMP; candidate++)
        if (strcasecmp(type_name, jb_type_name(candidate)) == 0)
            type = candidate;
    if (!type)
        return cmd_usage_error(command, "bad --ext '%s': unknown type '%s' (expected Boolean, "
                               "Integer, String, Binary, URI, URI-reference or Timestamp)",
                               definition, type_name);

    char *name = strndup(definition, (size_t) (equals - definition));
    if (!name)
        return cmd_usage_error(command, "out of memory");
    for (size_t index = 0; index < *known_count; index++)
        if (strcmp(known[index].name, name) == 0) {
            free(name);
            return cmd_usage_error(command, "bad --ext '%s': extension '%.*s' is declared twice",
                                   definition, (int) (equals - definition), definition);
        }

    //  Let the library judge the name, by the same rules as the decoder:
    //  setting no value on a scratch event checks the name alone
    jb_event_t *scratch = jb_event_new_empty();
    jb_error_t error;
    jb_error_clear(&error);
    int rc = scratch? jb_event_set_extension(scratch, name, NULL, &error): JB_ENOMEM;
    jb_event_destroy(&scratch);
    if (rc) {
        free(name);
        return cmd_usage_error(command, "bad --ext '%s': %s", definition,
                               error.message[0]? error.message: jb_strerror(rc));
    }
    known[*known_count].name = name;
    known[*known_count].type = type;
    (*known_count)++;
    return 0;
}

//  --------------------------------------------------------------------------
//  Read all of stream into a new buffer (*data_p, free with free(); never
//  NULL on success) of *size_p bytes. Returns 0 or an errno value.

int
cmd_read_stream(FILE *stream, char **data_p, size_t *size_p)
{
    char *data = NULL;
    size_t capacity = 0;
    size_t size = 0;
    while (true) {
        if (size == capacity) {
            size_t grown = capacity? capacity * 2: s_READ_CHUNK;
            char *bigger = grown > capacity? (char *) realloc(data, grown): NULL;
            if (!bigger) {
                free(data);
                return ENOMEM;
            }
            data = bigger;
            capacity = grown;
        }
        errno = 0;
        size_t wanted = capacity - size;
        size_t got = fread(data + size, 1, wanted, stream);
        size += got;
        if (got < wanted) {
            if (ferror(stream)) {
                int code = errno? errno: EIO;
                free(data);
                return code;
            }
            break;                                  //  end of input
        }
    }
    *data_p = data;
    *size_p = size;
    return 0;
}

//  --------------------------------------------------------------------------
//  Parse text as a whole decimal int in [minimum, maximum] into *value.
//  Returns 0, or CMD_EXIT_USAGE after naming the option and the value.

int
cmd_parse_int(const char *command, const char *option, const char *text, long minimum,
              long maximum, int *value)
{
    char *end = NULL;
    errno = 0;
    long number = strtol(text, &end, 10);
    if (errno || end == text || *end != '\0' || number < minimum || number > maximum)
        return cmd_usage_error(command, "bad %s '%s': expected a whole number from %ld to %ld",
                               option, text, minimum, maximum);
    *value = (int) number;
    return 0;
}

//  --------------------------------------------------------------------------

int
cmd_parse_duration(const char *command, const char *option, const char *text, int minimum_ms,
                   int maximum_ms, int *value_ms)
{
    int64_t ms = 0;
    jb_error_t error;
    if (jb_duration_parse(text, 1, &ms, &error))
        return cmd_usage_error(command, "bad %s: %s", option, error.message);
    if (ms < minimum_ms || ms > maximum_ms)
        return cmd_usage_error(command, "bad %s '%s': from %d ms to %d ms", option, text,
                               minimum_ms, maximum_ms);
    *value_ms = (int) ms;
    return 0;
}

//  --------------------------------------------------------------------------
//  A flag's value, else the environment variable's, else NULL; *source_p
//  names where it came from, for messages.

static const char *
s_flag_or_environment(const char *flag_value, const char *flag, const char *variable,
                      const char **source_p)
{
    *source_p = flag;
    if (flag_value)
        return flag_value;
    const char *value = getenv(variable);
    *source_p = variable;
    return value && *value? value: NULL;
}

int
cmd_curve_load(const char *command, const char *cert_path, const char *server,
               cmd_curve_t *curve)
{
    memset(curve, 0, sizeof *curve);
    const char *cert_source, *server_source;
    cert_path = s_flag_or_environment(cert_path, "--curve-cert", "JBUS_CURVE_CERT", &cert_source);
    server = s_flag_or_environment(server, "--curve-server", "JBUS_CURVE_SERVER", &server_source);
    if (!cert_path && !server)
        return 0;
    //  Half a CURVE setup must not quietly become none
    if (!cert_path || !server)
        return cmd_usage_error(command, "%s is given but %s is not: CURVE needs both our "
                               "certificate (--curve-cert or JBUS_CURVE_CERT) and the broker's "
                               "key (--curve-server or JBUS_CURVE_SERVER)",
                               cert_path? cert_source: server_source,
                               cert_path? "--curve-server": "--curve-cert");
    jb_error_t error;
    if (jb_curve_cert_load_secret(&curve->cert, cert_path, &error))
        return cmd_usage_error(command, "bad %s: %s", cert_source, error.message);
    bool server_secret_given = false;
    if (jb_curve_server_key_read(server, curve->server_key, &server_secret_given, &error)) {
        cmd_curve_clear(curve);
        return cmd_usage_error(command, "bad %s: %s", server_source, error.message);
    }
    //  Used as given, since its public key is right; but the broker's
    //  secret key has no business outside the broker
    if (server_secret_given)
        fprintf(stderr, "jbus %s: warning: %s %s is the broker's secret certificate: only its "
                "public key is used; give the public certificate instead, and keep the secret "
                "one with the broker only\n", command, server_source, server);
    curve->on = true;
    return 0;
}

void
cmd_curve_clear(cmd_curve_t *curve)
{
    jb_curve_cert_clear(&curve->cert);
    memset(curve->server_key, 0, sizeof curve->server_key);
    curve->on = false;
}

//  --------------------------------------------------------------------------

zsock_t *
cmd_client_socket(const char *command, int type, const char *endpoint, const char *cert_path,
                  const char *server, int timeout_ms, bool *curve_on_p, int *exit_code_p)
{
    cmd_curve_t curve;
    *exit_code_p = cmd_curve_load(command, cert_path, server, &curve);
    if (*exit_code_p)
        return NULL;
    *curve_on_p = curve.on;
    zsock_t *socket = zsock_new(type);
    jb_error_t error;
    int rc = !socket? JB_ESOCKET
           : curve.on? jb_curve_client_apply(socket, curve.server_key, curve.cert.public_key,
                                             curve.cert.secret_key, &error): 0;
    cmd_curve_clear(&curve);
    if (rc == JB_ESOCKET) {
        fprintf(stderr, "jbus %s: cannot create a socket\n", command);
        *exit_code_p = CMD_EXIT_FAILURE;
    }
    else
    if (rc)
        *exit_code_p = cmd_usage_error(command, "%s", error.message);
    else {
        zsock_set_linger(socket, 0);
        zsock_set_sndtimeo(socket, timeout_ms);
        zsock_set_rcvtimeo(socket, timeout_ms);
        if (zsock_connect(socket, "%s", endpoint) == -1)
            *exit_code_p = cmd_usage_error(command, "cannot connect to \"%s\": %s", endpoint,
                                           zmq_strerror(zmq_errno()));
    }
    if (*exit_code_p)
        zsock_destroy(&socket);
    return socket;
}

//  --------------------------------------------------------------------------

int
cmd_client_parse(const char *command, int argc, char **argv, const char *endpoint_flag,
                 const char *default_endpoint, int extras, void (*help)(void),
                 cmd_client_options_t *options)
{
    enum { s_JSON = 256, s_CURVE_CERT, s_CURVE_SERVER, s_WATCH, s_INTERVAL, s_COUNT };
    struct option long_options [10] = {
        { endpoint_flag, required_argument, NULL, 'e' },
        { "timeout",  required_argument, NULL, 't' },
        { "curve-cert", required_argument, NULL, s_CURVE_CERT },
        { "curve-server", required_argument, NULL, s_CURVE_SERVER },
        { "help",     no_argument,       NULL, 'h' },
    };
    size_t count = 5;
    if (extras & CMD_CLIENT_JSON)
        long_options[count++] = (struct option) { "json", no_argument, NULL, s_JSON };
    if (extras & CMD_CLIENT_WATCH) {
        long_options[count++] = (struct option) { "watch", no_argument, NULL, s_WATCH };
        long_options[count++] = (struct option) { "interval", required_argument, NULL, s_INTERVAL };
        long_options[count++] = (struct option) { "count", required_argument, NULL, s_COUNT };
    }
    long_options[count] = (struct option) { NULL, 0, NULL, 0 };
    *options = (cmd_client_options_t) { default_endpoint, 2000, NULL, NULL, false, false, 1000, 0 };
    bool interval_given = false, count_given = false;
    int option, rc = 0;
    while (rc == 0 && (option = getopt_long(argc, argv, "e:t:h", long_options, NULL)) != -1) {
        switch (option) {
            case 'e': options->endpoint = optarg; break;
            case 't':
                rc = cmd_parse_duration(command, "--timeout", optarg, 1, INT32_MAX,
                                        &options->timeout_ms);
                break;
            case s_JSON: options->json = true; break;
            case s_WATCH: options->watch = true; break;
            case s_INTERVAL:
                rc = cmd_parse_duration(command, "--interval", optarg, 10, 86400000,
                                        &options->interval_ms);
                interval_given = true;
                break;
            case s_COUNT:
                rc = cmd_parse_int(command, "--count", optarg, 1, INT32_MAX, &options->samples);
                count_given = true;
                break;
            case s_CURVE_CERT: options->curve_cert = optarg; break;
            case s_CURVE_SERVER: options->curve_server = optarg; break;
            case 'h': help(); return CMD_EXIT_OK;
            default: return cmd_usage_hint(command);
        }
    }
    if (rc == 0 && (interval_given || count_given) && !options->watch)
        rc = cmd_usage_error(command, "--interval and --count are for --watch");
    if (rc)
        return rc;
    if (optind < argc)
        return cmd_usage_error(command, "unexpected argument '%s'", argv[optind]);
    return -1;
}
