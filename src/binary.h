/*  =========================================================================
    binary.h - the binary mode's msgpack map, written (binary.c) and read
    (binary_read.c) (private to the library)

    Not installed. Non-static internals are named jb__<name> (STYLE.md).
    ========================================================================= */

#ifndef JBUS_BINARY_PRIVATE_H_INCLUDED
#define JBUS_BINARY_PRIVATE_H_INCLUDED

#include <stddef.h>
#include "buffer.h"
#include "value.h"

//  The application ext types of binary mode, and the body of a Timestamp.
enum {
    JB__BINARY_EXT_URI = 1,
    JB__BINARY_EXT_URI_REF = 2,
    JB__BINARY_EXT_TIMESTAMP = 3,
    JB__BINARY_EXT_JSON = 4
};
#define JB__BINARY_TIMESTAMP_SIZE 16
#include "jbus/event.h"

//  Append the binary-mode msgpack map of event (all attributes
//  but type, and the data), without validating it; with the extras (NULL
//  for none) after the event's extensions, in place of any of the same name.
void
    jb__binary_write(jb__buffer_t *buffer, const jb_event_t *event, const jb__extras_t *extras);

//  Decode a binary-mode msgpack map of size bytes, with the type
//  from the topic, into a new valid event; an extension named as one of
//  the extra_count extras goes there (jb__extra_take), not into the event.
int
    jb__binary_read(const char *type, size_t type_size, const char *bytes, size_t size,
                    jb__extra_t *extras, size_t extra_count, jb_event_t **event_p,
                    jb_error_t *error);

#endif
