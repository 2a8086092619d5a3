/*  =========================================================================
    fuzz_common.c - the properties every fuzz target checks (see fuzz.h)

    Everything here goes through the public API only, so that a target sees
    the library exactly as a peer's bytes do.
    ========================================================================= */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"

const jb_extension_def_t fuzz_sample_extensions [] = {
    { "extinteger", JB_TYPE_INTEGER },
    { "extboolean", JB_TYPE_BOOLEAN },
    { "extstring", JB_TYPE_STRING },
    { "extbinary", JB_TYPE_BINARY },
    { "exttimestamp", JB_TYPE_TIMESTAMP },
    { "exturi", JB_TYPE_URI },
    { "exturiref", JB_TYPE_URI_REF },
    { NULL, 0 }
};

//  --------------------------------------------------------------------------

void *
fuzz_copy(const void *data, size_t size)
{
    //  malloc(0) gives a block of no bytes under ASan, so that even reading
    //  the first byte of an empty frame is reported
    void *copy = malloc(size);
    if (!copy && size == 0)
        copy = malloc(1);
    if (copy && size)
        memcpy(copy, data, size);
    return copy;
}

//  --------------------------------------------------------------------------

const char *
fuzz_check_failure(int rc, const jb_error_t *error, const void *output)
{
    if (rc != JB_EPARSE && rc != JB_EINVALID && rc != JB_EFRAME && rc != JB_ENOMEM)
        return "a failed decode returned a code other than JB_EPARSE, JB_EINVALID, "
               "JB_EFRAME or JB_ENOMEM";
    if (error->code != rc)
        return "a failed decode put another code in jb_error_t than it returned";
    if (error->message[0] == '\0')
        return "a failed decode left jb_error_t without a message";
    if (memchr(error->message, '\0', sizeof error->message) == NULL
    ||  memchr(error->attribute, '\0', sizeof error->attribute) == NULL)
        return "a failed decode left jb_error_t unterminated";
    if (output)
        return "a failed decode set its output";
    return NULL;
}

//  --------------------------------------------------------------------------
//  The extension definitions that give every extension of event its type,
//  so that the JSON format, which loses Binary, URI, URI-reference and
//  Timestamp, reads them back as they were. Names are borrowed from event.
//  NULL when out of memory; free with free().

static jb_extension_def_t *
s_known_of(const jb_event_t *event)
{
    size_t count = jb_event_extension_count(event);
    jb_extension_def_t *known = (jb_extension_def_t *) calloc(count + 1, sizeof *known);
    for (size_t index = 0; known && index < count; index++) {
        const jb_value_t *value = jb_event_extension_at(event, index, &known[index].name);
        known[index].type = value->type;
    }
    return known;
}

//  --------------------------------------------------------------------------
//  jb_event_equal compares times as instants and JSON data as JSON values;
//  a round trip must also keep how a Timestamp is written (the binding
//  records it so that it is written back exactly as it came) and the data's
//  bytes. Whitespace around JSON data is the one exception: binary mode
//  keeps it, the JSON format cannot (it lies between the member's ':' and
//  ','), so it is compared without it.

static bool
s_is_json_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool
s_same_timestamp_text(const jb_timestamp_t *a, const jb_timestamp_t *b)
{
    char text_a [JB_TIMESTAMP_MAX], text_b [JB_TIMESTAMP_MAX];
    size_t size_a = jb_timestamp_format(a, text_a);
    size_t size_b = jb_timestamp_format(b, text_b);
    return size_a == size_b && memcmp(text_a, text_b, size_a) == 0;
}

//  The data of event, without the whitespace around JSON data.
static const char *
s_data_bytes(const jb_event_t *event, size_t *size_p)
{
    const char *data = (const char *) jb_event_data(event, size_p);
    if (data && jb_event_data_kind(event) == JB_DATA_JSON) {
        while (*size_p > 0 && s_is_json_blank(data[*size_p - 1]))
            (*size_p)--;
        while (*size_p > 0 && s_is_json_blank(*data))
            data++, (*size_p)--;
    }
    return data;
}

//  True when event's JSON data has whitespace around it, which makes its
//  first JSON encoding differ from later ones (see above).
static bool
s_json_data_padded(const jb_event_t *event)
{
    size_t size = 0, trimmed = 0;
    jb_event_data(event, &size);
    s_data_bytes(event, &trimmed);
    return trimmed != size;
}

static bool
s_same_event(const jb_event_t *a, const jb_event_t *b)
{
    if (!jb_event_equal(a, b))
        return false;
    if (jb_event_time(a) && !s_same_timestamp_text(jb_event_time(a), jb_event_time(b)))
        return false;
    for (size_t index = 0; index < jb_event_extension_count(a); index++) {
        const char *name;
        const jb_value_t *value = jb_event_extension_at(a, index, &name);
        const jb_value_t *other = jb_event_extension(b, name);
        if (value->type == JB_TYPE_TIMESTAMP
        &&  !s_same_timestamp_text(&value->as.timestamp, &other->as.timestamp))
            return false;
    }
    size_t size_a = 0, size_b = 0;
    const char *data_a = s_data_bytes(a, &size_a);
    const char *data_b = s_data_bytes(b, &size_b);
    return jb_event_data_kind(a) == jb_event_data_kind(b) && size_a == size_b
        && (size_a == 0 || memcmp(data_a, data_b, size_a) == 0);
}

//  --------------------------------------------------------------------------
//  event in the JSON event format and back.

static const char *
s_json_round_trip(const jb_event_t *event, const jb_extension_def_t *known)
{
    jb_error_t error;
    char *first = NULL, *second = NULL, *copy = NULL;
    size_t first_size = 0, second_size = 0;
    jb_event_t *again = NULL;
    const char *problem = NULL;
    if (jb_json_encode(event, &first, &first_size, &error) != 0)
        problem = "jb_json_encode failed on a decoded event";
    else
    if (strlen(first) != first_size)
        problem = "jb_json_encode wrote a NUL inside the JSON text, or a wrong size";
    else
    if (!(copy = (char *) fuzz_copy(first, first_size)))
        problem = "the harness ran out of memory";
    else
    if (jb_json_decode(copy, first_size, known, &again, &error) != 0)
        problem = "the JSON encoding of a decoded event does not decode";
    else
    if (!s_same_event(event, again))
        problem = "an event changed through the JSON format";
    else
    if (jb_json_encode(again, &second, &second_size, &error) != 0)
        problem = "jb_json_encode failed on an event decoded from its own output";
    else
    if (!s_json_data_padded(event)
    &&  (second_size != first_size || memcmp(first, second, first_size) != 0))
        problem = "the JSON encoding is not stable: encode(decode(encode(e))) != encode(e)";
    free(first);
    free(second);
    free(copy);
    jb_event_destroy(&again);
    return problem;
}

//  --------------------------------------------------------------------------
//  The frames of message, each copied into a block of its own size.

static void
s_free_frames(jb_frame_t *frames, size_t count)
{
    for (size_t index = 0; index < count; index++)
        free((void *) frames[index].data);
}

static bool
s_copy_frames(const jb_message_t *message, jb_frame_t *frames, size_t count)
{
    bool copied = true;
    for (size_t index = 0; index < count; index++) {
        jb_frame_t frame = jb_message_frame(message, index);
        frames[index].data = fuzz_copy(frame.data, frame.size);
        frames[index].size = frame.size;
        copied = copied && frames[index].data;
    }
    return copied;
}

static bool
s_same_frames(const jb_message_t *a, const jb_message_t *b)
{
    if (jb_message_frame_count(a) != jb_message_frame_count(b))
        return false;
    for (size_t index = 0; index < jb_message_frame_count(a); index++) {
        jb_frame_t frame_a = jb_message_frame(a, index);
        jb_frame_t frame_b = jb_message_frame(b, index);
        if (frame_a.size != frame_b.size || memcmp(frame_a.data, frame_b.data, frame_a.size) != 0)
            return false;
    }
    return true;
}

//  event as a ZeroMQ message in mode and back.

static const char *
s_message_round_trip(const jb_event_t *event, jb_mode_t mode, const jb_extension_def_t *known)
{
    bool binary = mode == JB_MODE_BINARY;
    size_t expected_count = binary? 2: 3;
    jb_message_t *message = jb_message_new();
    jb_message_t *again_message = jb_message_new();
    jb_frame_t frames [3] = { { NULL, 0 } };
    jb_event_t *again = NULL;
    jb_error_t error;
    const char *problem = NULL;
    if (!message || !again_message)
        problem = "the harness ran out of memory";
    else
    if (jb_message_encode(message, event, mode, &error) != 0)
        problem = binary? "jb_message_encode (binary) failed on a decoded event"
                        : "jb_message_encode (structured) failed on a decoded event";
    else
    if (jb_message_frame_count(message) != expected_count)
        problem = "jb_message_encode wrote the wrong number of frames";
    else
    if (!s_copy_frames(message, frames, expected_count))
        problem = "the harness ran out of memory";
    else
    if (frames[0].size != strlen(jb_event_type(event))
    ||  memcmp(frames[0].data, jb_event_type(event), frames[0].size) != 0)
        problem = "frame 0 of an encoded message is not the event's type";
    else
    if (!binary && (frames[1].size != strlen(JB_STRUCTURED_MEDIA_TYPE)
                    || memcmp(frames[1].data, JB_STRUCTURED_MEDIA_TYPE, frames[1].size) != 0))
        problem = "frame 1 of a structured-mode message is not " JB_STRUCTURED_MEDIA_TYPE;
    else
    if (jb_message_decode(frames, expected_count, known, &again, &error) != 0)
        problem = binary? "a binary-mode message of a decoded event does not decode"
                        : "a structured-mode message of a decoded event does not decode";
    else
    if (!s_same_event(event, again))
        problem = binary? "an event changed through binary mode"
                        : "an event changed through structured mode";
    else
    if (jb_message_encode(again_message, again, mode, &error) != 0)
        problem = "jb_message_encode failed on an event decoded from its own message";
    else
    if ((binary || !s_json_data_padded(event)) && !s_same_frames(message, again_message))
        problem = binary? "binary mode is not stable: encode(decode(encode(e))) != encode(e)"
                        : "structured mode is not stable: encode(decode(encode(e))) != encode(e)";
    s_free_frames(frames, expected_count);
    jb_event_destroy(&again);
    jb_message_destroy(&message);
    jb_message_destroy(&again_message);
    return problem;
}

//  --------------------------------------------------------------------------

const char *
fuzz_check_event(const jb_event_t *event)
{
    if (jb_event_validate(event, NULL) != 0)
        return "a decoded event does not validate";
    jb_extension_def_t *known = s_known_of(event);
    if (!known)
        return "the harness ran out of memory";
    const char *problem = s_json_round_trip(event, known);
    if (!problem)
        problem = s_message_round_trip(event, JB_MODE_BINARY, known);
    if (!problem)
        problem = s_message_round_trip(event, JB_MODE_STRUCTURED, known);
    free(known);
    return problem;
}

//  --------------------------------------------------------------------------

#ifdef JB_FUZZ_LIBFUZZER
void
fuzz_verdict(const char *target, const char *problem)
{
    if (problem) {
        fprintf(stderr, "%s: %s\n", target, problem);
        abort();
    }
}
#endif
