/*  =========================================================================
    event.h - what the codecs need of an event beyond the public API in
    jbus/event.h (private to the library)

    Not installed. Non-static internals are named jb__<name> (STYLE.md).
    ========================================================================= */

#ifndef JBUS_EVENT_PRIVATE_H_INCLUDED
#define JBUS_EVENT_PRIVATE_H_INCLUDED

#include <stddef.h>
#include "jbus/event.h"

//  Set the data to a copy of size bytes of the given kind,
//  trusting the caller that JSON data is one JSON value. 0 or JB_ENOMEM.
int
    jb__event_set_data(jb_event_t *event, jb_data_kind_t kind, const void *bytes, size_t size);

//  The attributes by name; the core attributes first, in the order
//  that the encoders write them, which also index an event's core strings.
typedef enum {
    JB__SPECVERSION, JB__ID, JB__SOURCE, JB__TYPE, JB__DATACONTENTTYPE, JB__DATASCHEMA,
    JB__SUBJECT,
    JB__CORE_COUNT,
    JB__TIME = JB__CORE_COUNT, JB__DATA, JB__DATA_BASE64,
    JB__EXTENSION               //  any other name
} jb__attribute_t;

//  Which attribute the size bytes at name (no NUL needed) name.
jb__attribute_t
    jb__attribute_lookup(const char *name, size_t size);

//  Why size bytes at name cannot name an extension, or NULL.
const char *
    jb__extension_name_problem(const char *name, size_t size);

//  A core attribute (which < JB__CORE_COUNT) and its length
//  through size_p; NULL when unset. Borrowed, as jb_event_id().
const char *
    jb__event_core(const jb_event_t *event, jb__attribute_t which, size_t *size_p);

//  Set a core attribute to a copy of size bytes at value, which
//  hold no NUL (NULL unsets). 0 or JB_ENOMEM.
int
    jb__event_set_core(jb_event_t *event, jb__attribute_t which, const char *value, size_t size);

//  Jb_event_extension_at with the lengths of the name and of a
//  String, URI or URI-reference value.
const jb_value_t *
    jb__event_extension_at(const jb_event_t *event, size_t index, const char **name_p,
                           size_t *name_size_p, size_t *string_size_p);

//  Add the extension name (name_size bytes, no NUL needed) with a
//  copy of value, trusting the caller that the name is valid and not set
//  yet; a String, URI or URI-reference is string_size bytes at
//  value->as.string, holding no NUL. 0 or JB_ENOMEM.
int
    jb__event_append_extension(jb_event_t *event, const char *name, size_t name_size,
                               const jb_value_t *value, size_t string_size);

#endif
