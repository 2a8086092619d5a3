/*  =========================================================================
    fuzz.h - the jbus fuzz targets and what they check

    tests/fuzz/ holds five libFuzzer targets over the bytes that enter jbus
    from outside:

        fuzz_json_event   jb_json_decode            (the JSON event format)
        fuzz_json_batch   jb_json_decode_batch      (the JSON batch format)
        fuzz_binary       jb_message_decode, binary mode: frame 1 as msgpack
        fuzz_frames       jb_message_decode on 0..5 frames, either mode
        fuzz_replay_request
                          jb__replay_request_parse (docs/replay.md 2), on
                          0..36 frames: what a replay client sends the broker

    Each target is a function, fuzz_<target>(data, size), that returns NULL
    when the input kept every property, or a static text naming the property
    it broke. The same functions serve twice: built with JB_FUZZ_LIBFUZZER
    (cmake -DJBUS_FUZZ=ON, clang), each file also defines
    LLVMFuzzerTestOneInput, which aborts on a broken property so that
    libFuzzer saves the input; built into tests/test_fuzz_regressions.c,
    they run every seed (tests/fuzz/corpus/<target>/) and every saved
    reproducer (tests/fuzz/regressions/<target>/) in every normal build,
    plain and under ASan + UBSan.

    The properties, for every input:
      - a decoder never crashes, leaks, reads out of bounds or hits
        undefined behaviour (the sanitizers say so);
      - a failed decode returns JB_EPARSE, JB_EINVALID, JB_EFRAME or
        JB_ENOMEM, fills jb_error_t with that code and a message, and leaves
        the output pointer untouched (fuzz_check_failure);
      - a decoded event is valid, encodes in the JSON format and in both
        binary and structured mode, and each encoding decodes back to an
        equal event (jb_event_equal, and also every Timestamp written the
        same and the data's bytes the same) whose encoding is byte for byte
        the first one (fuzz_check_event). Whitespace around JSON data is
        the one difference allowed: binary mode keeps it, the JSON format
        cannot.

    scripts/fuzz builds and runs the targets for a bounded time.
    ========================================================================= */

#ifndef JBUS_FUZZ_H_INCLUDED
#define JBUS_FUZZ_H_INCLUDED

#include <stddef.h>
#include <stdint.h>
#include "jbus.h"

//  The targets. Each returns NULL, or a static text naming the property
//  that the input broke. data need not be NUL-terminated; the targets read
//  exactly size bytes of it.
const char *fuzz_json_event(const uint8_t *data, size_t size);
const char *fuzz_json_batch(const uint8_t *data, size_t size);
const char *fuzz_binary(const uint8_t *data, size_t size);
const char *fuzz_frames(const uint8_t *data, size_t size);
const char *fuzz_replay_request(const uint8_t *data, size_t size);

//  The topic fuzz_binary uses when an input does not choose one.
#define FUZZ_TOPIC "jerry.work_tracking.task.completed"

//  The extension types of the CloudEvents conformance samples
//  (extinteger, extboolean, extstring, extbinary, exttimestamp, exturi,
//  exturiref), which the targets also decode with, so that typed extensions
//  in the JSON format are reached.
extern const jb_extension_def_t fuzz_sample_extensions [];

//  Check what a failed decode returned: rc one of the decoders' codes, the
//  same code and a message in error, and no output (output is what the
//  decoder's output pointer holds afterwards). Returns NULL or a problem.
const char *
    fuzz_check_failure(int rc, const jb_error_t *error, const void *output);

//  Check a decoded event: it validates, and it survives the JSON format and
//  both binding modes unchanged (decoded equal, encoded again byte for
//  byte). Extensions are decoded from JSON with the types they have in
//  event. Returns NULL or a problem.
const char *
    fuzz_check_event(const jb_event_t *event);

//  A copy of size bytes in a heap block of exactly size bytes (never NULL
//  unless out of memory), so that the sanitizer sees any read past the end;
//  free with free().
void *
    fuzz_copy(const void *data, size_t size);

//  libFuzzer's entry point, in each target file built with JB_FUZZ_LIBFUZZER.
//  fuzz_verdict aborts, naming target and problem, when problem is not NULL.
#ifdef JB_FUZZ_LIBFUZZER
int
    LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
void
    fuzz_verdict(const char *target, const char *problem);
#endif

#endif
