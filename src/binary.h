/*  =========================================================================
    binary.h - the binary mode's msgpack map, written and read (private to
    the library)

    Not installed. Non-static internals are named jb__<name> (STYLE.md).
    ========================================================================= */

#ifndef JBUS_BINARY_PRIVATE_H_INCLUDED
#define JBUS_BINARY_PRIVATE_H_INCLUDED

#include <stddef.h>
#include "buffer.h"
#include "sequence.h"
#include "jbus/event.h"

//  Append the binary-mode msgpack map of event (all attributes
//  but type, and the data), without validating it.
void
    jb__binary_write(jb__buffer_t *buffer, const jb_event_t *event, const jb__stamp_t *stamp);

//  Decode a binary-mode msgpack map of size bytes, with the type
//  from the topic, into a new valid event.
int
    jb__binary_read(const char *type, size_t type_size, const char *bytes, size_t size,
                    jb_event_t **event_p, jb_error_t *error);

#endif
