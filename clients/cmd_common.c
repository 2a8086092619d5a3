/*  =========================================================================
    cmd_common.c - what several jbus subcommands need: reading input,
    extension type declarations, option values
    ========================================================================= */

#define _POSIX_C_SOURCE 200809L

#include <errno.h>
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
