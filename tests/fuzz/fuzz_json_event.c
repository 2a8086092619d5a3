/*  =========================================================================
    fuzz_json_event.c - fuzz target: one event in the JSON event format

    Input: the bytes of a JSON document, as a structured-mode frame 2 or a
    `jbus validate` file would bring them (not NUL-terminated).

    What it does: jb_json_decode on the bytes twice, once without extension
    definitions and once with the conformance samples' typed extensions
    (fuzz_sample_extensions), so that both the plain String/Integer/Boolean
    mapping and the typed conversions (Binary, Timestamp, URI, ...) are
    reached.

    What must hold: a failed decode reports a decoder's code in jb_error_t
    and sets no event; a decoded event validates and comes back equal
    through jb_json_encode + jb_json_decode and through both binding modes,
    and its encodings are stable (fuzz_check_event in fuzz_common.c).

    Seeds: tests/fuzz/corpus/fuzz_json_event/, one file per "event" of the
    CloudEvents conformance vectors (valid and invalid) and the events of
    tests/fuzz/make_seeds.c. Dictionary: tests/fuzz/json.dict. Run it with
    scripts/fuzz; reproduce a saved input with
        build-fuzz/tests/fuzz_json_event FILE
    ========================================================================= */

#include <stdlib.h>
#include "fuzz.h"

const char *
fuzz_json_event(const uint8_t *data, size_t size)
{
    const jb_extension_def_t *variants [] = { NULL, fuzz_sample_extensions };
    for (size_t variant = 0; variant < 2; variant++) {
        jb_event_t *event = NULL;
        jb_error_t error;
        jb_error_clear(&error);
        int rc = jb_json_decode((const char *) data, size, variants[variant], &event, &error);
        const char *problem = rc? fuzz_check_failure(rc, &error, event): fuzz_check_event(event);
        jb_event_destroy(&event);
        if (problem)
            return problem;
    }
    return NULL;
}

#ifdef JB_FUZZ_LIBFUZZER
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_verdict("fuzz_json_event", fuzz_json_event(data, size));
    return 0;
}
#endif
