/*  =========================================================================
    jbus/message.h - a CloudEvent in its ZeroMQ wire form (the jbus binding)

    docs/zeromq-binding.md defines the binding. In short, one event is one
    multipart message whose first frame, the topic, is the event's type
    byte for byte, so a plain ZeroMQ prefix subscription routes by type:

        structured mode  [type] ["application/cloudevents+json"] [JSON event]
        binary mode      [type] [msgpack map: the other attributes, typed, and data]

    A receiver tells the modes apart by the frame count and the first byte
    of frame 1: a media type starts with an ASCII letter, a msgpack map with
    a byte of 0x80 or more.

    A jb_message_t holds the frames of one encoded event in buffers that
    are reused from one event to the next, so a publisher that encodes into
    the same message allocates nothing in the steady state.
    ========================================================================= */

#ifndef JBUS_MESSAGE_H_INCLUDED
#define JBUS_MESSAGE_H_INCLUDED

#include <stddef.h>
#include "jbus/export.h"
#include "jbus/error.h"
#include "jbus/event.h"
#include "jbus/json.h"

#ifdef __cplusplus
extern "C" {
#endif

//  How an event is laid out on the wire.
typedef enum {
    JB_MODE_BINARY = 1,         //  compact and typed, for jbus peers (the default)
    JB_MODE_STRUCTURED = 2      //  the JSON event format, for any CloudEvents SDK
} jb_mode_t;

//  Frame 1 of a structured-mode message.
#define JB_STRUCTURED_MEDIA_TYPE "application/cloudevents+json"

//  A frame received: size bytes at data, borrowed.
typedef struct {
    const void *data;
    size_t size;
} jb_frame_t;

typedef struct jb_message jb_message_t;

//  Create an empty message. Returns NULL when out of memory.
JB_EXPORT jb_message_t *
    jb_message_new(void);

//  Destroy the message; set *self_p to NULL. Accepts NULL.
JB_EXPORT void
    jb_message_destroy(jb_message_t **self_p);

//  Validate event and encode it into self in mode, replacing what self held.
//  Returns 0, JB_EINVALID when the event does not validate (self is then
//  empty), or JB_ENOMEM.
JB_EXPORT int
    jb_message_encode(jb_message_t *self, const jb_event_t *event, jb_mode_t mode,
                      jb_error_t *error);

//  Number of frames in the encoded message (0 when empty, 2 or 3).
JB_EXPORT size_t
    jb_message_frame_count(const jb_message_t *self);

//  Frame index of the encoded message. Borrowed: valid until the next
//  encode or destroy.
JB_EXPORT jb_frame_t
    jb_message_frame(const jb_message_t *self, size_t index);

//  Decode count frames into a new event in *event_p (free with
//  jb_event_destroy). known: extension types for structured mode, as for
//  jb_json_decode (binary mode carries its types). Returns 0, JB_EFRAME
//  when the frames do not fit the binding (frame count, an unsupported
//  media type, a topic that differs from the event's type), JB_EPARSE when
//  the event cannot be read, or JB_EINVALID when it is not a valid
//  CloudEvent; error says why. *event_p is untouched on failure.
JB_EXPORT int
    jb_message_decode(const jb_frame_t *frames, size_t count, const jb_extension_def_t *known,
                      jb_event_t **event_p, jb_error_t *error);

#ifdef __cplusplus
}
#endif

#endif
