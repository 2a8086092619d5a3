/*  =========================================================================
    inspect.h - the broker's checks of one message, as decisions (private
    to the library)

    Not installed. Non-static internals are named jb__<name> (STYLE.md).
    ========================================================================= */

#ifndef JBUS_INSPECT_PRIVATE_H_INCLUDED
#define JBUS_INSPECT_PRIVATE_H_INCLUDED

#include <stddef.h>
#include <zmq.h>

#include "jbus/error.h"

//  Most frames of a message that fits the binding (structured mode).
#define JB__INSPECT_FRAMES_MAX 3

//  0 when the count frames of a message fit the binding, else JB_EFRAME,
//  JB_EPARSE or JB_EINVALID with the reason in error.
int
    jb__inspect_binding(zmq_msg_t *frames, size_t count, jb_error_t *error);

//  0 when the event of the count frames has its topic (frame 0) as its
//  type, so that a rule that judges the topic judges the event; else
//  JB_EFRAME, JB_EPARSE or JB_EINVALID with the reason in error. Binary
//  mode passes but for a topic with a NUL byte, which no type has and
//  the broker's own notices use: its type is frame 0.
int
    jb__inspect_type(zmq_msg_t *frames, size_t count, jb_error_t *error);

#endif
