/*  =========================================================================
    message.c - a CloudEvent in its ZeroMQ wire form (the jbus binding)
    ========================================================================= */

#include <assert.h>
#include <stdlib.h>

#include "jbus.h"
#include "message.h"
#include "binary.h"
#include "buffer.h"
#include "error.h"
#include "event.h"
#include "json.h"
#include "sequence.h"
#include "value.h"

#define s_FRAMES_MAX 3

struct jb_message {
    jb__buffer_t buffer;                //  every frame, back to back, reused
    size_t offsets [s_FRAMES_MAX];      //  where each frame starts in buffer
    size_t sizes [s_FRAMES_MAX];        //  and its size
    size_t frame_count;                 //  0 when empty
    jb__extra_t stamp [2];              //  the stamp's attributes (s_stamp_name)
    size_t stamp_names_size;            //  the sum of their name_size
};

//  Longest frame 1 media type looked at in structured mode.
#define s_MEDIA_TYPE_MAX 256

//  --------------------------------------------------------------------------
//  The loss-detection stamp (docs/zeromq-binding.md, 4.1) is this layer's:
//  the codecs carry its two attributes as extras, written after the event's
//  extensions and, on receipt, read out beside the event instead of into it.

//  Name the stamp's two attributes, in this order.
static void
s_stamp_name(jb__extra_t *stamp)
{
    stamp[0].name = JB__PUBLISHER_ATTRIBUTE;
    stamp[0].name_size = sizeof JB__PUBLISHER_ATTRIBUTE - 1;
    stamp[1].name = JB__SEQUENCE_ATTRIBUTE;
    stamp[1].name_size = sizeof JB__SEQUENCE_ATTRIBUTE - 1;
}

//  --------------------------------------------------------------------------

jb_message_t *
jb_message_new(void)
{
    jb_message_t *self = (jb_message_t *) calloc(1, sizeof(jb_message_t));
    if (self) {
        s_stamp_name(self->stamp);      //  named once, for every encode
        self->stamp_names_size = self->stamp[0].name_size + self->stamp[1].name_size;
    }
    return self;
}

void
jb_message_destroy(jb_message_t **self_p)
{
    assert(self_p);
    jb_message_t *self = *self_p;
    if (self) {
        jb__buffer_free(&self->buffer);
        free(self);
        *self_p = NULL;
    }
}

//  --------------------------------------------------------------------------
//  Close the frame that started at start and open the next one.

static void
s_end_frame(jb_message_t *self, size_t start)
{
    self->offsets[self->frame_count] = start;
    self->sizes[self->frame_count] = self->buffer.size - start;
    self->frame_count++;
}

//  Encode event in mode, with the extras (NULL for none) after its extensions.

static int
s_encode(jb_message_t *self, const jb_event_t *event, jb_mode_t mode, const jb__extras_t *extras,
         jb_error_t *error)
{
    assert(event);
    assert(mode == JB_MODE_BINARY || mode == JB_MODE_STRUCTURED);
    self->frame_count = 0;
    jb__buffer_reset(&self->buffer);
    int rc = jb_event_validate(event, error);
    if (rc)
        return rc;
    size_t type_size;
    const char *type = jb__event_core(event, JB__TYPE, &type_size);
    jb__buffer_append(&self->buffer, type, type_size);
    s_end_frame(self, 0);
    size_t start = self->buffer.size;
    if (mode == JB_MODE_BINARY) {
        jb__binary_write(&self->buffer, event, extras);
        s_end_frame(self, start);
    }
    else {
        jb__buffer_append(&self->buffer, JB_STRUCTURED_MEDIA_TYPE,
                          sizeof JB_STRUCTURED_MEDIA_TYPE - 1);
        s_end_frame(self, start);
        start = self->buffer.size;
        jb__json_write_event(&self->buffer, event, extras);
        s_end_frame(self, start);
    }
    if (self->buffer.failed) {
        self->frame_count = 0;
        return jb__error(error, JB_ENOMEM, NULL, "out of memory");
    }
    return 0;
}

int
jb_message_encode(jb_message_t *self, const jb_event_t *event, jb_mode_t mode, jb_error_t *error)
{
    assert(self);
    return s_encode(self, event, mode, NULL, error);
}

int
jb__message_encode(jb_message_t *self, const jb_event_t *event, jb_mode_t mode,
                   const jb__stamp_t *stamp, jb_error_t *error)
{
    assert(self);
    if (!stamp)
        return s_encode(self, event, mode, NULL, error);
    self->stamp[0].value = jb_value_string(stamp->publisher);
    self->stamp[0].string_size = stamp->publisher_size;
    self->stamp[1].value = jb_value_integer(stamp->sequence);
    //  of the lengths that bound the extras only the publisher's can change
    jb__extras_t extras = { self->stamp, 2, self->stamp_names_size + stamp->publisher_size };
    return s_encode(self, event, mode, &extras, error);
}

size_t
jb_message_frame_count(const jb_message_t *self)
{
    assert(self);
    return self->frame_count;
}

jb_frame_t
jb_message_frame(const jb_message_t *self, size_t index)
{
    assert(self);
    assert(index < self->frame_count);
    jb_frame_t frame = { self->buffer.data + self->offsets[index], self->sizes[index] };
    return frame;
}

//  --------------------------------------------------------------------------

static int
s_decode_structured(const jb_frame_t *frames, size_t count, const jb_extension_def_t *known,
                    jb__extra_t *extras, size_t extra_count, jb_event_t **event_p,
                    jb_error_t *error)
{
    if (count != 3)
        return jb__error(error, JB_EFRAME, NULL,
                         "a structured-mode message has 3 frames, this one has %zu", count);
    //  what jbus and most senders write, byte for byte, needs no parsing
    bool exact = frames[1].size == sizeof JB_STRUCTURED_MEDIA_TYPE - 1
              && memcmp(frames[1].data, JB_STRUCTURED_MEDIA_TYPE, frames[1].size) == 0;
    char media_type [s_MEDIA_TYPE_MAX];
    if (!exact) {
        if (frames[1].size >= sizeof media_type || memchr(frames[1].data, '\0', frames[1].size))
            return jb__error(error, JB_EFRAME, NULL, "frame 1 is not a media type");
        memcpy(media_type, frames[1].data, frames[1].size);
        media_type[frames[1].size] = '\0';
        if (!jb_media_type_is_valid(media_type)
        ||  !jb_media_type_matches(media_type, JB_STRUCTURED_MEDIA_TYPE))
            return jb__error(error, JB_EFRAME, NULL,
                             "unsupported event format \"%.100s\": jbus carries "
                             JB_STRUCTURED_MEDIA_TYPE " (one event a message)", media_type);
    }
    jb_event_t *event = NULL;
    int rc = jb__json_decode_extras((const char *) frames[2].data, frames[2].size, known,
                                    extras, extra_count, &event, error);
    if (rc)
        return rc;
    size_t type_size;
    const char *type = jb__event_core(event, JB__TYPE, &type_size);
    if (type_size != frames[0].size || memcmp(type, frames[0].data, frames[0].size) != 0) {
        jb_event_destroy(&event);
        return jb__error(error, JB_EFRAME, "type", "the topic (frame 0) differs from the type");
    }
    *event_p = event;
    return 0;
}

//  --------------------------------------------------------------------------

//  Decode frames into a new event, with the extras read out beside it.

static int
s_decode(const jb_frame_t *frames, size_t count, const jb_extension_def_t *known,
         jb__extra_t *extras, size_t extra_count, jb_event_t **event_p, jb_error_t *error)
{
    assert(frames || count == 0);
    assert(event_p);
    if (count < 2)
        return jb__error(error, JB_EFRAME, NULL,
                         "a jbus message has 2 frames (binary mode) or 3 (structured mode), "
                         "this one has %zu", count);
    const unsigned char *first = (const unsigned char *) frames[1].data;
    //  a media type starts with an ASCII letter, a msgpack map with 0x80 or more
    if (frames[1].size > 0 && first[0] >= 0x80) {
        if (count != 2)
            return jb__error(error, JB_EFRAME, NULL,
                             "a binary-mode message has 2 frames, this one has %zu", count);
        return jb__binary_read((const char *) frames[0].data, frames[0].size,
                               (const char *) frames[1].data, frames[1].size, extras,
                               extra_count, event_p, error);
    }
    static const char prefix [] = "application/cloudevents";
    if ((frames[1].size >= sizeof prefix - 1 && memcmp(frames[1].data, prefix, sizeof prefix - 1) == 0)
    ||  jb_media_type_has_prefix((const char *) frames[1].data, frames[1].size, prefix))
        return s_decode_structured(frames, count, known, extras, extra_count, event_p, error);
    return jb__error(error, JB_EFRAME, NULL,
                     "frame 1 is neither a msgpack map (binary mode) nor "
                     JB_STRUCTURED_MEDIA_TYPE " (structured mode)");
}

int
jb_message_decode(const jb_frame_t *frames, size_t count, const jb_extension_def_t *known,
                  jb_event_t **event_p, jb_error_t *error)
{
    return s_decode(frames, count, known, NULL, 0, event_p, error);
}

int
jb__message_decode_stamped(const jb_frame_t *frames, size_t count,
                           const jb_extension_def_t *known, jb_event_t **event_p,
                           jb__received_stamp_t *stamp, jb_error_t *error)
{
    assert(stamp);
    jb__extra_t extras [2];
    memset(extras, 0, sizeof extras);
    s_stamp_name(extras);
    extras[0].text = stamp->publisher;
    extras[0].text_capacity = sizeof stamp->publisher;
    int rc = s_decode(frames, count, known, extras, 2, event_p, error);
    const jb__extra_t *publisher = &extras[0];
    const jb__extra_t *sequence = &extras[1];
    stamp->stamped = rc == 0
        && publisher->present && publisher->value.type == JB_TYPE_STRING
        && publisher->value.as.string       //  NULL when too long to keep
        && sequence->present && sequence->value.type == JB_TYPE_INTEGER
        && sequence->value.as.integer >= 1;
    stamp->publisher_size = stamp->stamped? publisher->string_size: 0;
    stamp->sequence = stamp->stamped? sequence->value.as.integer: 0;
    return rc;
}
