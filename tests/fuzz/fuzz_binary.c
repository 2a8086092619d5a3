/*  =========================================================================
    fuzz_binary.c - fuzz target: a binary-mode message (msgpack frame 1)

    Input, by its first byte:
      - 0x80 or more (every msgpack map starts so): the whole input is
        frame 1, under the fixed topic FUZZ_TOPIC;
      - below 0x80: that byte is the topic's length n; the next n bytes
        (fewer when the input ends first) are the topic, frame 0, and the
        rest is frame 1. So the fuzzer also varies the type, which binary
        mode takes from the topic.
    The empty input is an empty frame 1 under FUZZ_TOPIC.

    What it does: jb_message_decode on those two frames, each copied into a
    heap block of its own size so that any read past a frame is caught.

    What must hold: a failed decode reports a decoder's code in jb_error_t
    and sets no event; a decoded event has the topic as its type, byte for
    byte, validates, and comes back equal through binary mode, structured
    mode and the JSON format, with stable encodings (fuzz_check_event).

    Seeds: tests/fuzz/corpus/fuzz_binary/, binary-mode messages that
    jb_message_encode wrote for the conformance and generated events
    (tests/fuzz/make_seeds.c), in both layouts above. Dictionary:
    tests/fuzz/binary.dict. Run it with scripts/fuzz; reproduce a saved
    input with
        build-fuzz/tests/fuzz_binary FILE
    ========================================================================= */

#include <stdlib.h>
#include <string.h>
#include "fuzz.h"

const char *
fuzz_binary(const uint8_t *data, size_t size)
{
    const uint8_t *topic = (const uint8_t *) FUZZ_TOPIC;
    size_t topic_size = strlen(FUZZ_TOPIC);
    const uint8_t *body = data;
    size_t body_size = size;
    if (size > 0 && data[0] < 0x80) {
        topic = data + 1;
        topic_size = data[0] < size - 1? data[0]: size - 1;
        body = topic + topic_size;
        body_size = size - 1 - topic_size;
    }
    jb_frame_t frames [2] = {
        { fuzz_copy(topic, topic_size), topic_size },
        { fuzz_copy(body, body_size), body_size }
    };
    const char *problem = NULL;
    if (!frames[0].data || !frames[1].data)
        problem = "the harness ran out of memory";
    else {
        jb_event_t *event = NULL;
        jb_error_t error;
        jb_error_clear(&error);
        int rc = jb_message_decode(frames, 2, NULL, &event, &error);
        if (rc)
            problem = fuzz_check_failure(rc, &error, event);
        else
        if (strlen(jb_event_type(event)) != topic_size
        ||  memcmp(jb_event_type(event), topic, topic_size) != 0)
            problem = "a decoded event's type is not the topic";
        else
            problem = fuzz_check_event(event);
        jb_event_destroy(&event);
    }
    free((void *) frames[0].data);
    free((void *) frames[1].data);
    return problem;
}

#ifdef JB_FUZZ_LIBFUZZER
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_verdict("fuzz_binary", fuzz_binary(data, size));
    return 0;
}
#endif
