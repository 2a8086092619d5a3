/*  =========================================================================
    value.h - extension values: their checks and text forms, and the extra
    attributes a codec carries beside an event (private to the library)

    Not installed. Non-static internals are named jb__<name> (STYLE.md).
    ========================================================================= */

#ifndef JBUS_VALUE_PRIVATE_H_INCLUDED
#define JBUS_VALUE_PRIVATE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "jbus/error.h"
#include "jbus/event.h"
#include "jbus/uri.h"
#include "error.h"
#include "text.h"

//  The checks of jb_event_validate, which runs them for every event sent
//  and received: inline, as a call costs more than a short check.

//  0 when size bytes at text are a CloudEvents String, else JB_EINVALID
//  with the problem, for the attribute name.
static inline int
jb__string_check(const char *text, size_t size, const char *name, jb_error_t *error)
{
    const char *problem = jb__string_problem(text, size);
    if (problem)
        return jb__error(error, JB_EINVALID, name, "not a CloudEvents String: %s", problem);
    return 0;
}

//  0 when value, of the extension name, is valid (a String one, a URI
//  absolute, ...), else JB_EINVALID; a String, URI or URI-reference is
//  string_size bytes at value->as.string.
static inline int
jb__value_check(const jb_value_t *value, size_t string_size, const char *name,
                jb_error_t *error)
{
    switch (value->type) {
        case JB_TYPE_STRING:
            return jb__string_check(value->as.string, string_size, name, error);
        case JB_TYPE_URI:
            if (!jb_uri_is_absolute(value->as.string, string_size))
                return jb__error(error, JB_EINVALID, name,
                                 "not an absolute URI: \"%.*s\"", (int) string_size,
                                 value->as.string);
            return 0;
        case JB_TYPE_URI_REF:
            if (!jb_uri_is_reference(value->as.string, string_size))
                return jb__error(error, JB_EINVALID, name,
                                 "not a URI-reference: \"%.*s\"", (int) string_size,
                                 value->as.string);
            return 0;
        case JB_TYPE_BOOLEAN:
        case JB_TYPE_INTEGER:
        case JB_TYPE_BINARY:
        case JB_TYPE_TIMESTAMP:
            return 0;       //  the C types hold only valid values
    }
    return jb__error(error, JB_EINVALID, name, "unknown attribute type");
}

//  Read text, the canonical string form of a value of type, into *value.
//  A Binary's bytes go into a new buffer in *bytes_p (free it), NULL for
//  other types; a String's text is text itself. 0, JB_EINVALID or JB_ENOMEM.
int
    jb__value_parse(const char *text, jb_type_t type, const char *name, jb_value_t *value,
                    uint8_t **bytes_p, jb_error_t *error);

//  True when a and b are the same type and value.
bool
    jb__value_equal(const jb_value_t *a, const jb_value_t *b);

//  An extension attribute that travels beside an event instead of in it:
//  an encoder writes it after the event's own extensions (in place of one
//  of the same name), a decoder hands it back here instead of adding it to
//  the event. The message layer carries the loss-detection stamp so.
typedef struct {
    const char *name;           //  the extension name, NUL-terminated
    size_t name_size;           //  strlen(name)
    jb_value_t value;           //  encode: what to write; decode: what was read
    size_t string_size;         //  a String, URI or URI-reference's length
    bool present;               //  decode: it was there, and not null
    char *text;                 //  decode: where a String, URI, URI-reference
    size_t text_capacity;       //  or Binary is copied, NUL-terminated, when it
                                //  fits (else value.as.string or .binary.bytes
                                //  is NULL); capacity 0 for none
} jb__extra_t;

//  The extras an encoder writes, and the sum of their lengths, names and
//  values (a String, URI or URI-reference's string_size, a Binary's size;
//  0 for the rest) to bound them by: the owner of the extras works it out
//  once (it knows which of their sizes change), not the encoder per event.
typedef struct {
    const jb__extra_t *items;
    size_t count;
    size_t size;
} jb__extras_t;

//  The index in extras[0 .. count) of the extra named by name_size bytes at
//  name, or count when there is none.
static inline size_t
jb__extra_index(const jb__extra_t *extras, size_t count, const char *name, size_t name_size)
{
    size_t index = 0;
    while (index < count && (extras[index].name_size != name_size
                             || memcmp(extras[index].name, name, name_size) != 0))
        index++;
    return index;
}

//  Keep value, just decoded, in extra, checked as jb_event_validate checks
//  an extension; a String, URI or URI-reference is string_size bytes at
//  value->as.string. 0 or JB_EINVALID (it appeared before, or is invalid).
int
    jb__extra_take(jb__extra_t *extra, const jb_value_t *value, size_t string_size,
                   jb_error_t *error);

//  Jb__extra_take of text read as a value of type (jb__value_parse).
int
    jb__extra_take_text(jb__extra_t *extra, jb_type_t type, const char *text,
                        jb_error_t *error);

#endif
