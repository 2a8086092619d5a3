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

//  0 when size bytes at text are a CloudEvents String, else JB_EINVALID
//  with the problem, for the attribute name.
int
    jb__string_check(const char *text, size_t size, const char *name, jb_error_t *error);

//  0 when value, of the extension name, is valid (a String one, a URI
//  absolute, ...), else JB_EINVALID; a String, URI or URI-reference is
//  string_size bytes at value->as.string.
int
    jb__value_check(const jb_value_t *value, size_t string_size, const char *name,
                    jb_error_t *error);

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

//  The extra of extras[0 .. count) named by name_size bytes at name, or NULL.
static inline jb__extra_t *
jb__extra_find(jb__extra_t *extras, size_t count, const char *name, size_t name_size)
{
    for (size_t index = 0; index < count; index++)
        if (extras[index].name_size == name_size
        &&  memcmp(extras[index].name, name, name_size) == 0)
            return &extras[index];
    return NULL;
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
