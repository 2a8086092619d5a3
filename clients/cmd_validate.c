/*  =========================================================================
    cmd_validate.c - jbus validate: check CloudEvents in the JSON format

        jbus validate [OPTIONS] [FILE...]

    Each input (a file, or standard input) holds one event in the JSON
    event format or a batch in the JSON batch format; the first byte that is
    not blank tells which ('[' is a batch). A valid input is printed back as
    one line of JSON by the library's encoder; an invalid one is reported as
    "FILE: MESSAGE" on stderr, with the library's message, which names the
    attribute at fault. The other inputs are still checked.
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

#define s_NAME "validate"

//  What stands for standard input in messages.
#define s_STDIN_LABEL "<stdin>"

//  The command line, once parsed.
typedef struct {
    jb_extension_def_t *known;  //  --ext definitions, ended by { NULL }; names owned
    size_t known_count;         //  entries in known before the { NULL }
    bool quiet;                 //  --quiet: print no events
    bool convention;            //  --convention: check types against jerry.*
} s_options_t;

//  --------------------------------------------------------------------------

static void
s_print_help(void)
{
    printf(
        "Usage: jbus validate [OPTIONS] [FILE...]\n"
        "\n"
        "Check that each FILE holds one CloudEvent in the JSON event format\n"
        "(application/cloudevents+json) or a batch of them in the JSON batch format\n"
        "(application/cloudevents-batch+json, a JSON array), and that every event\n"
        "follows every rule of CloudEvents v1.0. With no FILE, or when FILE is -,\n"
        "read standard input.\n"
        "\n"
        "Each valid input is printed to standard output as one line of normalized\n"
        "JSON. Each invalid input is reported on standard error as 'FILE: MESSAGE',\n"
        "where MESSAGE names the attribute at fault, and the other inputs are still\n"
        "checked and printed.\n"
        "\n"
        "Options:\n"
        "      --ext NAME=TYPE  declare the type of extension attribute NAME, which\n"
        "                       the JSON format cannot express, so that its string\n"
        "                       value is checked and kept as that type. TYPE is one\n"
        "                       of Boolean, Integer, String, Binary, URI,\n"
        "                       URI-reference, Timestamp (any case). Repeatable.\n"
        "      --convention     also require each event's type to follow the\n"
        "                       jerry.{context}.{aggregate}.{verb} convention\n"
        "  -q, --quiet          print no events, only errors\n"
        "  -h, --help           show this help and exit\n"
        "\n"
        "Exit codes:\n"
        "  0  every input is valid\n"
        "  1  an input is invalid or cannot be read\n"
        "  2  usage error: unknown option or bad argument\n"
        "\n"
        "Examples:\n"
        "  jbus validate --convention --ext expires=Timestamp events/*.json\n"
        "  curl -s https://example.com/events | jbus validate --quiet && echo valid\n");
}

//  --------------------------------------------------------------------------
//  Check the event's type against the jerry.* convention; report it when it
//  does not follow it. index is its position when it is in a batch.
//  Returns true when it follows it.

static bool
s_follows_convention(const char *label, const jb_event_t *event, bool in_batch, size_t index)
{
    jb_error_t error;
    jb_error_clear(&error);
    //  a decoded event is valid, so it has a type
    if (jb_event_type_check(jb_event_type(event), &error) == 0)
        return true;
    if (in_batch)
        fprintf(stderr, "%s: %s (event %zu of the batch)\n", label, error.message, index + 1);
    else
        fprintf(stderr, "%s: %s\n", label, error.message);
    return false;
}

//  --------------------------------------------------------------------------
//  Validate size bytes of text read from the input called label, print it
//  normalized unless quiet. Returns true when it is valid.

static bool
s_validate(const s_options_t *options, const char *label, const char *text, size_t size)
{
    size_t start = 0;
    while (start < size && (text[start] == ' ' || text[start] == '\t'
                            || text[start] == '\r' || text[start] == '\n'))
        start++;
    if (start == size) {
        fprintf(stderr, "%s: empty input, expected a JSON event or a JSON batch\n", label);
        return false;
    }
    bool is_batch = text[start] == '[';

    jb_event_t *event = NULL;
    jb_batch_t *batch = NULL;
    jb_error_t error;
    jb_error_clear(&error);
    int rc = is_batch? jb_json_decode_batch(text, size, options->known, &batch, &error)
                     : jb_json_decode(text, size, options->known, &event, &error);
    if (rc) {
        fprintf(stderr, "%s: %s\n", label, error.message[0]? error.message: jb_strerror(rc));
        return false;
    }

    bool valid = true;
    //  every event is checked, so that one run reports all that fail
    if (options->convention && is_batch) {
        for (size_t index = 0; index < jb_batch_size(batch); index++)
            if (!s_follows_convention(label, jb_batch_at(batch, index), true, index))
                valid = false;
    }
    else
    if (options->convention)
        valid = s_follows_convention(label, event, false, 0);

    if (valid && !options->quiet) {
        char *json = NULL;
        size_t json_size = 0;
        rc = is_batch? jb_json_encode_batch(batch, &json, &json_size, &error)
                     : jb_json_encode(event, &json, &json_size, &error);
        if (rc) {
            //  out of memory, or the encoder refuses what the decoder accepted
            fprintf(stderr, "%s: cannot encode: %s\n", label,
                    error.message[0]? error.message: jb_strerror(rc));
            valid = false;
        }
        else {
            fwrite(json, 1, json_size, stdout);
            fputc('\n', stdout);
        }
        free(json);
    }
    jb_event_destroy(&event);
    jb_batch_destroy(&batch);
    return valid;
}

//  --------------------------------------------------------------------------
//  Read and validate one input: a path, or "-" for standard input.
//  Returns true when it is valid.

static bool
s_validate_input(const s_options_t *options, const char *path)
{
    bool is_stdin = strcmp(path, "-") == 0;
    const char *label = is_stdin? s_STDIN_LABEL: path;
    FILE *stream = is_stdin? stdin: fopen(path, "rb");
    if (!stream) {
        fprintf(stderr, "%s: cannot read: %s\n", label, strerror(errno));
        return false;
    }
    char *text = NULL;
    size_t size = 0;
    int code = cmd_read_stream(stream, &text, &size);
    if (is_stdin)
        clearerr(stdin);                //  "-" may be given again, e.g. at a terminal
    else
        fclose(stream);
    if (code) {
        fprintf(stderr, "%s: cannot read: %s\n", label, strerror(code));
        return false;
    }
    bool valid = s_validate(options, label, text, size);
    free(text);
    return valid;
}

//  --------------------------------------------------------------------------

int
cmd_validate(int argc, char **argv)
{
    enum { s_OPTION_EXT = 256, s_OPTION_CONVENTION };
    static const struct option long_options [] = {
        { "ext",        required_argument, NULL, s_OPTION_EXT },
        { "convention", no_argument,       NULL, s_OPTION_CONVENTION },
        { "quiet",      no_argument,       NULL, 'q' },
        { "help",       no_argument,       NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    s_options_t options = { NULL, 0, false, false };
    //  each --ext takes at least one argument, so argc bounds their number
    options.known = (jb_extension_def_t *) calloc((size_t) argc + 1, sizeof *options.known);
    if (!options.known)
        return cmd_usage_error(s_NAME, "out of memory");

    int exit_code = CMD_EXIT_OK;
    int option;
    while (exit_code == CMD_EXIT_OK
           && (option = getopt_long(argc, argv, "qh", long_options, NULL)) != -1) {
        switch (option) {
            case s_OPTION_EXT:
                exit_code = cmd_add_extension_def(s_NAME, options.known, &options.known_count, optarg);
                break;
            case s_OPTION_CONVENTION:
                options.convention = true;
                break;
            case 'q':
                options.quiet = true;
                break;
            case 'h':
                s_print_help();
                exit_code = -1;                 //  done, with success
                break;
            default:                            //  getopt_long has said what
                exit_code = cmd_usage_hint(s_NAME);
                break;
        }
    }
    if (exit_code == -1)
        exit_code = CMD_EXIT_OK;
    else
    if (exit_code == CMD_EXIT_OK) {
        if (optind >= argc) {
            if (!s_validate_input(&options, "-"))
                exit_code = CMD_EXIT_FAILURE;
        }
        for (int index = optind; index < argc; index++)
            if (!s_validate_input(&options, argv[index]))
                exit_code = CMD_EXIT_FAILURE;
        if (fflush(stdout) != 0 || ferror(stdout)) {
            fprintf(stderr, "jbus " s_NAME ": cannot write the output: %s\n", strerror(errno));
            exit_code = CMD_EXIT_FAILURE;
        }
    }
    for (size_t index = 0; index < options.known_count; index++)
        free((char *) options.known[index].name);
    free(options.known);
    return exit_code;
}
