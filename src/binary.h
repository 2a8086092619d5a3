/*  =========================================================================
    binary.h - the binary mode's msgpack map, written and read (private to
    the library)

    Not installed. Non-static internals are named jb__<name> (STYLE.md).
    ========================================================================= */

#ifndef JBUS_BINARY_PRIVATE_H_INCLUDED
#define JBUS_BINARY_PRIVATE_H_INCLUDED

#include <stddef.h>
#include "buffer.h"
#include "value.h"
#include "jbus/event.h"

//  Append the binary-mode msgpack map of event (all attributes
//  but type, and the data), without validating it; with the extra_count
//  extras after the event's extensions, in place of any of the same name.
void
    jb__binary_write(jb__buffer_t *buffer, const jb_event_t *event, const jb__extra_t *extras,
                     size_t extra_count);

//  Decode a binary-mode msgpack map of size bytes, with the type
//  from the topic, into a new valid event; an extension named as one of
//  the extra_count extras goes there (jb__extra_take), not into the event.
int
    jb__binary_read(const char *type, size_t type_size, const char *bytes, size_t size,
                    jb__extra_t *extras, size_t extra_count, jb_event_t **event_p,
                    jb_error_t *error);

#endif
