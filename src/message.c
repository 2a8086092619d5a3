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

#define s_FRAMES_MAX 3

struct jb_message {
    jb__buffer_t buffer;                //  every frame, back to back, reused
    size_t offsets [s_FRAMES_MAX];      //  where each frame starts in buffer
    size_t sizes [s_FRAMES_MAX];        //  and its size
    size_t frame_count;                 //  0 when empty
};

//  Longest frame 1 media type looked at in structured mode.
#define s_MEDIA_TYPE_MAX 256

jb_message_t *
jb_message_new(void)
{
    return (jb_message_t *) calloc(1, sizeof(jb_message_t));
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

int
jb_message_encode(jb_message_t *self, const jb_event_t *event, jb_mode_t mode, jb_error_t *error)
{
    return jb__message_encode(self, event, mode, NULL, error);
}

int
jb__message_encode(jb_message_t *self, const jb_event_t *event, jb_mode_t mode,
                   const jb__stamp_t *stamp, jb_error_t *error)
{
    assert(self);
    assert(event);
    assert(mode == JB_MODE_BINARY || mode == JB_MODE_STRUCTURED);
    self->frame_count = 0;
    jb__buffer_reset(&self->buffer);
    int rc = jb_event_validate(event, error);
    if (rc)
        return rc;
    jb__buffer_append_text(&self->buffer, jb_event_type(event));
    s_end_frame(self, 0);
    size_t start = self->buffer.size;
    if (mode == JB_MODE_BINARY) {
        jb__binary_write(&self->buffer, event, stamp);
        s_end_frame(self, start);
    }
    else {
        jb__buffer_append_text(&self->buffer, JB_STRUCTURED_MEDIA_TYPE);
        s_end_frame(self, start);
        start = self->buffer.size;
        jb__json_write_event(&self->buffer, event, stamp);
        s_end_frame(self, start);
    }
    if (self->buffer.failed) {
        self->frame_count = 0;
        return jb__error(error, JB_ENOMEM, NULL, "out of memory");
    }
    return 0;
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
                    jb_event_t **event_p, jb_error_t *error)
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
    int rc = jb_json_decode((const char *) frames[2].data, frames[2].size, known, &event, error);
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

int
jb_message_decode(const jb_frame_t *frames, size_t count, const jb_extension_def_t *known,
                  jb_event_t **event_p, jb_error_t *error)
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
                               (const char *) frames[1].data, frames[1].size, event_p, error);
    }
    static const char prefix [] = "application/cloudevents";
    if ((frames[1].size >= sizeof prefix - 1 && memcmp(frames[1].data, prefix, sizeof prefix - 1) == 0)
    ||  jb_media_type_has_prefix((const char *) frames[1].data, frames[1].size, prefix))
        return s_decode_structured(frames, count, known, event_p, error);
    return jb__error(error, JB_EFRAME, NULL,
                     "frame 1 is neither a msgpack map (binary mode) nor "
                     JB_STRUCTURED_MEDIA_TYPE " (structured mode)");
}
