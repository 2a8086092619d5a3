/*  =========================================================================
    fuzz_json_batch.c - fuzz target: a batch in the JSON batch format

    Input: the bytes of a JSON document, as a `jbus validate` batch file
    (application/cloudevents-batch+json) would bring them.

    What it does: jb_json_decode_batch on the bytes, without extension
    definitions and with the conformance samples' typed extensions
    (fuzz_sample_extensions).

    What must hold: a failed decode reports a decoder's code in jb_error_t
    and sets no batch; a decoded batch holds valid events, encodes with
    jb_json_encode_batch into exactly "[" + the events' jb_json_encode
    texts joined by "," + "]", decodes back (with the same definitions) to
    as many equal events in the same order, and encodes again byte for
    byte the same. The events themselves go through fuzz_check_event in
    fuzz_json_event; here the batch framing is what is under test.

    Seeds: tests/fuzz/corpus/fuzz_json_batch/, one file per "batch" of the
    CloudEvents conformance vectors and a batch of the events of
    tests/fuzz/make_seeds.c. Dictionary: tests/fuzz/json.dict. Run it with
    scripts/fuzz; reproduce a saved input with
        build-fuzz/tests/fuzz_json_batch FILE
    ========================================================================= */

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"

//  True when json is "[" + each event's jb_json_encode text, joined by
//  "," + "]".
static bool
s_is_joined_events(const jb_batch_t *batch, const char *json, size_t size)
{
    size_t at = 0;
    if (size < 2 || json[at++] != '[')
        return false;
    for (size_t index = 0; index < jb_batch_size(batch); index++) {
        if (index > 0 && (at >= size || json[at++] != ','))
            return false;
        char *event_json = NULL;
        size_t event_size = 0;
        if (jb_json_encode(jb_batch_at(batch, index), &event_json, &event_size, NULL) != 0)
            return false;
        bool same = size - at >= event_size && memcmp(json + at, event_json, event_size) == 0;
        free(event_json);
        if (!same)
            return false;
        at += event_size;
    }
    return at == size - 1 && json[at] == ']';
}

//  The batch round trip, with the definitions the batch was decoded with.
static const char *
s_check_batch(const jb_batch_t *batch, const jb_extension_def_t *known)
{
    for (size_t index = 0; index < jb_batch_size(batch); index++)
        if (jb_event_validate(jb_batch_at(batch, index), NULL) != 0)
            return "an event of a decoded batch does not validate";
    jb_error_t error;
    char *first = NULL, *second = NULL, *copy = NULL;
    size_t first_size = 0, second_size = 0;
    jb_batch_t *again = NULL;
    const char *problem = NULL;
    if (jb_json_encode_batch(batch, &first, &first_size, &error) != 0)
        problem = "jb_json_encode_batch failed on a decoded batch";
    else
    if (!s_is_joined_events(batch, first, first_size))
        problem = "jb_json_encode_batch is not its events' jb_json_encode texts in an array";
    else
    if (!(copy = (char *) fuzz_copy(first, first_size)))
        problem = "the harness ran out of memory";
    else
    if (jb_json_decode_batch(copy, first_size, known, &again, &error) != 0)
        problem = "the JSON encoding of a decoded batch does not decode";
    else
    if (jb_batch_size(again) != jb_batch_size(batch))
        problem = "a batch changed its size through the JSON format";
    else {
        for (size_t index = 0; index < jb_batch_size(batch) && !problem; index++)
            if (!jb_event_equal(jb_batch_at(batch, index), jb_batch_at(again, index)))
                problem = "an event of a batch changed through the JSON format";
    }
    if (!problem) {
        if (jb_json_encode_batch(again, &second, &second_size, &error) != 0)
            problem = "jb_json_encode_batch failed on a batch decoded from its own output";
        else
        if (second_size != first_size || memcmp(first, second, first_size) != 0)
            problem = "the batch encoding is not stable: encode(decode(encode(b))) != encode(b)";
    }
    free(first);
    free(second);
    free(copy);
    jb_batch_destroy(&again);
    return problem;
}

const char *
fuzz_json_batch(const uint8_t *data, size_t size)
{
    const jb_extension_def_t *variants [] = { NULL, fuzz_sample_extensions };
    for (size_t variant = 0; variant < 2; variant++) {
        jb_batch_t *batch = NULL;
        jb_error_t error;
        jb_error_clear(&error);
        int rc = jb_json_decode_batch((const char *) data, size, variants[variant], &batch, &error);
        const char *problem = rc? fuzz_check_failure(rc, &error, batch)
                                : s_check_batch(batch, variants[variant]);
        jb_batch_destroy(&batch);
        if (problem)
            return problem;
    }
    return NULL;
}

#ifdef JB_FUZZ_LIBFUZZER
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_verdict("fuzz_json_batch", fuzz_json_batch(data, size));
    return 0;
}
#endif
