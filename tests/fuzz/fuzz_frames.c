/*  =========================================================================
    fuzz_frames.c - fuzz target: the binding's frame parser, either mode

    Input: byte 0 says how many frames (its low 7 bits modulo 6: 0 to 5)
    and, in bit 7, whether to decode with the conformance samples' typed
    extensions (fuzz_sample_extensions) for structured mode. Every frame
    but the last is then one length byte and that many bytes (fewer when
    the input ends first); the last frame is the rest of the input.
    So "\x02" "\x04" "abcd" "\x81..." is the binary-mode message
    [abcd] [map...], and "\x03" "\x04" "abcd" "\x1c"
    "application/cloudevents+json" "{...}" a structured-mode one.

    What it does: jb_message_decode on those frames, each copied into a
    heap block of its own size so that any read past a frame is caught.
    This reaches what a subscriber does with a message off the wire: the
    frame count, the mode chosen by frame 1, the media type check, the
    topic against the type, and both decoders.

    What must hold: a failed decode reports a decoder's code in jb_error_t
    and sets no event; a decoded event has frame 0 as its type, byte for
    byte, validates, and comes back equal through both modes and the JSON
    format, with stable encodings (fuzz_check_event).

    Seeds: tests/fuzz/corpus/fuzz_frames/, binary- and structured-mode
    messages that jb_message_encode wrote for the conformance and generated
    events (tests/fuzz/make_seeds.c). Dictionary: json.dict and binary.dict
    together (scripts/fuzz joins them). Run it with scripts/fuzz; reproduce
    a saved input with
        build-fuzz/tests/fuzz_frames FILE
    ========================================================================= */

#include <stdlib.h>
#include <string.h>
#include "fuzz.h"

#define s_FRAMES_MAX 5

const char *
fuzz_frames(const uint8_t *data, size_t size)
{
    if (size == 0)
        return NULL;
    size_t count = (size_t) (data[0] & 0x7F) % (s_FRAMES_MAX + 1);
    const jb_extension_def_t *known = data[0] & 0x80? fuzz_sample_extensions: NULL;
    jb_frame_t frames [s_FRAMES_MAX] = { { NULL, 0 } };
    size_t at = 1;
    const char *problem = NULL;
    for (size_t index = 0; index < count; index++) {
        size_t frame_size = size - at;
        if (index + 1 < count && at < size) {
            size_t declared = data[at++];
            frame_size = declared < size - at? declared: size - at;
        }
        frames[index].data = fuzz_copy(data + at, frame_size);
        frames[index].size = frame_size;
        at += frame_size;
        if (!frames[index].data)
            problem = "the harness ran out of memory";
    }
    if (!problem) {
        jb_event_t *event = NULL;
        jb_error_t error;
        jb_error_clear(&error);
        int rc = jb_message_decode(frames, count, known, &event, &error);
        if (rc)
            problem = fuzz_check_failure(rc, &error, event);
        else
        if (strlen(jb_event_type(event)) != frames[0].size
        ||  memcmp(jb_event_type(event), frames[0].data, frames[0].size) != 0)
            problem = "a decoded event's type is not frame 0";
        else
            problem = fuzz_check_event(event);
        jb_event_destroy(&event);
    }
    for (size_t index = 0; index < count; index++)
        free((void *) frames[index].data);
    return problem;
}

#ifdef JB_FUZZ_LIBFUZZER
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_verdict("fuzz_frames", fuzz_frames(data, size));
    return 0;
}
#endif
