/*  =========================================================================
    json.h - the JSON event format's writer, for the structured mode (private
    to the library; the public API is jbus/json.h)

    Not installed. Non-static internals are named jb__<name> (STYLE.md).
    ========================================================================= */

#ifndef JBUS_JSON_PRIVATE_H_INCLUDED
#define JBUS_JSON_PRIVATE_H_INCLUDED

#include "buffer.h"
#include "sequence.h"
#include "jbus/event.h"

//  Append event in the JSON event format, without validating it;
//  with the stamp's attributes when stamp is not NULL.
void
    jb__json_write_event(jb__buffer_t *buffer, const jb_event_t *event, const jb__stamp_t *stamp);

#endif
