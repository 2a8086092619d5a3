/*  =========================================================================
    json.h - the JSON event format's writer, for the structured mode (private
    to the library; the public API is jbus/json.h)

    Not installed. Non-static internals are named jb__<name> (STYLE.md).
    ========================================================================= */

#ifndef JBUS_JSON_PRIVATE_H_INCLUDED
#define JBUS_JSON_PRIVATE_H_INCLUDED

#include "buffer.h"
#include "value.h"
#include "jbus/event.h"

//  Append event in the JSON event format, without validating it;
//  with the extras (NULL for none) after the event's extensions, in place
//  of any of the same name.
void
    jb__json_write_event(jb__buffer_t *buffer, const jb_event_t *event, const jb__extras_t *extras);

//  Jb_json_decode, but an extension named as one of the extra_count extras
//  goes there (jb__extra_take), not into the event.
int
    jb__json_decode_extras(const char *text, size_t size, const jb_extension_def_t *known,
                           jb__extra_t *extras, size_t extra_count, jb_event_t **event_p,
                           jb_error_t *error);

#endif
