/*  =========================================================================
    make_seeds.c - write the fuzz targets' seed corpora

    Usage: fuzz_make_seeds FUZZ_DIR        (FUZZ_DIR is tests/fuzz)

    scripts/fuzz --seeds runs it after extracting every "event" and "batch"
    of the CloudEvents conformance vectors into corpus/fuzz_json_event/ and
    corpus/fuzz_json_batch/. It then
      - adds the events below, which reach what the vectors do not (every
        extension type, every data kind, leap seconds, offsets, nine
        fraction digits, escapes), to corpus/fuzz_json_event/ as gen-*.json,
        and all of them as one batch to corpus/fuzz_json_batch/;
      - decodes every file of corpus/fuzz_json_event/ (with the samples'
        typed extensions, else without) and, for each event that decodes,
        writes what jb_message_encode makes of it in the input layouts of
        fuzz_binary and fuzz_frames (see those files) to
        corpus/fuzz_binary/ and corpus/fuzz_frames/;
      - adds a few messages that fit the binding only nearly (frame counts,
        media types), which the vectors cannot express;
      - writes replay requests of every command (docs/replay.md 2), valid
        and not, in fuzz_replay_request's layout to
        corpus/fuzz_replay_request/ (made when missing).
    The output is deterministic, so that the committed corpus only changes
    when the encoders do. Exit status 0, or 1 with a message on stderr.
    ========================================================================= */

#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"

typedef struct {
    const char *name;
    const char *json;
} s_seed_t;

//  Written by hand, whitespace and escapes included, as peers may write them.
static const s_seed_t s_events [] = {
    { "work-tracking",
      "{\"specversion\":\"1.0\",\"id\":\"A234-1234-1234\",\"source\":\"/jerry/work-tracking\","
      "\"type\":\"jerry.work_tracking.task.completed\",\"datacontenttype\":\"application/json\","
      "\"subject\":\"WORK-001\",\"time\":\"2018-04-05T17:31:00Z\",\"seq\":42,"
      "\"data\":{\"task_id\":\"WORK-001\"}}" },
    { "all-extension-types",
      "{ \"specversion\" : \"1.0\", \"id\" : \"ext-1\", \"source\" : \"urn:jbus:fuzz\",\n"
      "  \"type\" : \"jerry.fuzz.seed.typed\", \"time\" : \"1937-01-01T12:00:27.87+00:20\",\n"
      "  \"extinteger\" : -2147483648, \"extboolean\" : false,\n"
      "  \"extstring\" : \"caf\\u00e9 \\u2603 \\ud83d\\ude00 \\\"q\\\" \\\\ \\/\",\n"
      "  \"extbinary\" : \"AAEC/f7/\", \"exttimestamp\" : \"2016-12-31T23:59:60Z\",\n"
      "  \"exturi\" : \"https://user@cloudevents.io:443/a/b?c=d&e\",\n"
      "  \"exturiref\" : \"../a/%20b?q#\", \"other\" : 2147483647, \"flag\" : true }" },
    { "text-data",
      "{\"specversion\":\"1.0\",\"id\":\"text-1\",\"source\":\"#fragment\","
      "\"type\":\"jerry.fuzz.seed.text\",\"datacontenttype\":\"text/plain; charset=utf-8\","
      "\"subject\":\"\\u00e9t\\u00e9\",\"data\":\"Simple text\\n\\twith \\\"quotes\\\", "
      "\\\\ and caf\\u00e9\"}" },
    { "binary-data",
      "{\"specversion\":\"1.0\",\"id\":\"bytes-1\",\"source\":\"/s\","
      "\"type\":\"jerry.fuzz.seed.bytes\",\"datacontenttype\":\"application/octet-stream\","
      "\"data_base64\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g/w==\"}" },
    { "json-data-no-content-type",
      "{\"specversion\":\"1.0\",\"id\":\"json-1\",\"source\":\"/s\","
      "\"type\":\"jerry.fuzz.seed.json\",\"data\" : [ 1, -2.5e3, 0.0, \"x\\u0000y\",\n"
      "  { \"a\" : null, \"b\" : [ true, false, [], {} ] } ] }" },
    { "json-string-data",
      "{\"specversion\":\"1.0\",\"id\":\"json-2\",\"source\":\"/s\","
      "\"type\":\"jerry.fuzz.seed.json\",\"datacontenttype\":\"application/vnd.jbus+json\","
      "\"data\":\"a JSON string\"}" },
    { "time-unknown-offset",
      "{\"specversion\":\"1.0\",\"id\":\"time-1\",\"source\":\"/s\","
      "\"type\":\"jerry.fuzz.seed.time\",\"time\":\"2018-04-05T17:31:00.123456789-00:00\","
      "\"dataschema\":\"https://example.com/schema.json\",\"data\":null,\"data_base64\":null,"
      "\"subject\":null}" },
    { "time-numeric-offset",
      "{\"specversion\":\"1.0\",\"id\":\"time-2\",\"source\":\"/s\","
      "\"type\":\"jerry.fuzz.seed.time\",\"time\":\"0001-01-01T00:00:00+23:59\","
      "\"exttimestamp\":\"9998-12-31T23:59:59.999999999-23:59\"}" },
    { NULL, NULL }
};

//  Messages that nearly fit the binding, in fuzz_frames' layout.
static const struct {
    const char *name;
    const char *bytes;
    size_t size;
} s_frames [] = {
#define S_FRAMES(name, literal) { name, literal, sizeof literal - 1 }
    S_FRAMES("structured-parameters",
             "\x03\x04" "a.b." "\x2d" "Application/CloudEvents+JSON; charset=\"utf-8\""
             "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"a.b.\"}"),
    S_FRAMES("structured-batch-media-type",
             "\x03\x01" "t" "\x22" "application/cloudevents-batch+json"
             "[{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"t\"}]"),
    S_FRAMES("structured-topic-differs",
             "\x03\x01" "u" "\x1c" "application/cloudevents+json"
             "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"t\"}"),
    S_FRAMES("binary-three-frames",
             "\x03\x01" "t" "\x06" "\x81\xa2id\xa1x" "extra"),
    S_FRAMES("binary-type-member",
             "\x02\x01" "t" "\x84\xabspecversion\xa3" "1.0\xa2id\xa1" "1\xa6source\xa2/s"
             "\xa4type\xa1t"),
    S_FRAMES("one-frame", "\x01" "topic"),
    S_FRAMES("no-frames", "\x00"),
    S_FRAMES("five-frames", "\x05\x01t\x01u\x01v\x01w" "x"),
#undef S_FRAMES
    { NULL, NULL, 0 }
};

//  --------------------------------------------------------------------------

static bool
s_write(const char *dir, const char *target, const char *name, const void *bytes, size_t size)
{
    char path [4096];
    snprintf(path, sizeof path, "%s/corpus/%s/%s", dir, target, name);
    FILE *file = fopen(path, "wb");
    bool written = file && fwrite(bytes, 1, size, file) == size;
    if (file && fclose(file) != 0)
        written = false;
    if (!written)
        fprintf(stderr, "fuzz_make_seeds: cannot write %s\n", path);
    return written;
}

//  Bytes appended to a growing buffer; exits when memory runs out.
typedef struct {
    unsigned char *data;
    size_t size;
} s_bytes_t;

static void
s_append(s_bytes_t *bytes, const void *data, size_t size)
{
    unsigned char *grown = (unsigned char *) realloc(bytes->data, bytes->size + size + 1);
    if (!grown) {
        fprintf(stderr, "fuzz_make_seeds: out of memory\n");
        exit(1);
    }
    bytes->data = grown;
    if (size)
        memcpy(bytes->data + bytes->size, data, size);
    bytes->size += size;
}

static void
s_append_byte(s_bytes_t *bytes, unsigned char byte)
{
    s_append(bytes, &byte, 1);
}

//  --------------------------------------------------------------------------
//  The messages of one decoded event, in fuzz_binary's and fuzz_frames'
//  layouts. known: whether the event needed the samples' definitions.

static bool
s_write_messages(const char *dir, const char *stem, const jb_event_t *event, bool known)
{
    jb_message_t *binary = jb_message_new();
    jb_message_t *structured = jb_message_new();
    jb_error_t error;
    if (!binary || !structured
    ||  jb_message_encode(binary, event, JB_MODE_BINARY, &error) != 0
    ||  jb_message_encode(structured, event, JB_MODE_STRUCTURED, &error) != 0) {
        fprintf(stderr, "fuzz_make_seeds: %s: cannot encode: %s\n", stem, error.message);
        return false;
    }
    jb_frame_t topic = jb_message_frame(binary, 0);
    jb_frame_t map = jb_message_frame(binary, 1);
    jb_frame_t media_type = jb_message_frame(structured, 1);
    jb_frame_t json = jb_message_frame(structured, 2);
    char name [512];
    bool written = true;

    //  fuzz_binary: the map alone, under the fixed topic
    snprintf(name, sizeof name, "%s.bin", stem);
    written = written && s_write(dir, "fuzz_binary", name, map.data, map.size);
    s_bytes_t bytes = { NULL, 0 };
    if (topic.size < 0x80) {
        //  fuzz_binary: topic length, topic, map
        s_append_byte(&bytes, (unsigned char) topic.size);
        s_append(&bytes, topic.data, topic.size);
        s_append(&bytes, map.data, map.size);
        snprintf(name, sizeof name, "%s-topic.bin", stem);
        written = written && s_write(dir, "fuzz_binary", name, bytes.data, bytes.size);
    }
    if (topic.size <= 0xFF) {
        //  fuzz_frames: a binary-mode message
        bytes.size = 0;
        s_append_byte(&bytes, 2);
        s_append_byte(&bytes, (unsigned char) topic.size);
        s_append(&bytes, topic.data, topic.size);
        s_append(&bytes, map.data, map.size);
        snprintf(name, sizeof name, "%s-binary.bin", stem);
        written = written && s_write(dir, "fuzz_frames", name, bytes.data, bytes.size);
        //  fuzz_frames: a structured-mode message
        bytes.size = 0;
        s_append_byte(&bytes, known? 0x83: 0x03);
        s_append_byte(&bytes, (unsigned char) topic.size);
        s_append(&bytes, topic.data, topic.size);
        s_append_byte(&bytes, (unsigned char) media_type.size);
        s_append(&bytes, media_type.data, media_type.size);
        s_append(&bytes, json.data, json.size);
        snprintf(name, sizeof name, "%s-structured.bin", stem);
        written = written && s_write(dir, "fuzz_frames", name, bytes.data, bytes.size);
    }
    free(bytes.data);
    jb_message_destroy(&binary);
    jb_message_destroy(&structured);
    return written;
}

//  --------------------------------------------------------------------------
//  Replay requests (docs/replay.md 2), valid and not, each a list of frames
//  (at most 7, none holding a NUL) ending with NULL; small_reason: ask
//  fuzz_replay_request for its small reason buffer.

typedef struct {
    const char *name;
    bool small_reason;
    const char *frames [8];
} s_request_t;

static const s_request_t s_requests [] = {
    //  accepted
    { "replay-prefix-first", false, { "REPLAY", "jerry.work_tracking.", "first", "10", NULL } },
    { "replay-every-type-seq", false, { "REPLAY", "", "seq:42", "1000", NULL } },
    { "replay-pattern-time", false,
      { "REPLAY", "jerry.*.task.completed", "time:1712345678901", "1", NULL } },
    { "replay-tail-pattern-durable", false,
      { "REPLAY", "jerry.billing.>", "durable:billing-ledger", "100", NULL } },
    { "replay-after-publisher", false,
      { "REPLAY", "jerry.", "after:17:5f2c9a1e-0b6d-4e0b-9c39-2a4f1c7d8e90", "0050", NULL } },
    { "follow-one-filter", false, { "FOLLOW", "first", "10", "jerry.", NULL } },
    { "follow-three-filters", false,
      { "FOLLOW", "durable:audit", "250", "jerry.billing.>", "jerry.*.task.completed", "",
        NULL } },
    { "follow-after", false, { "FOLLOW", "after:2147483647:p", "1", "a.*.>", NULL } },
    { "follow-durable-new-from-time", false,
      { "FOLLOW", "durable:audit time:1712345678901", "100", "jerry.", NULL } },
    { "replay-durable-new-from-seq", false, { "REPLAY", "", "durable:a seq:7", "10", NULL } },
    { "credit", false, { "CREDIT", "5", NULL } },
    { "credit-largest", false, { "CREDIT", "4294967295", NULL } },
    { "cancel", false, { "CANCEL", NULL } },
    { "info", false, { "INFO", NULL } },
    { "ack", false, { "ACK", "audit", "1234", NULL } },
    { "ack-zero", false, { "ACK", "a", "0", NULL } },
    //  refused
    { "replay-missing-window", false, { "REPLAY", "jerry.", "first", NULL } },
    { "replay-extra-frame", false, { "REPLAY", "jerry.", "first", "10", "x", NULL } },
    { "replay-wildcard-in-segment", false, { "REPLAY", "jerry.ta*sk", "first", "10", NULL } },
    { "replay-tail-not-last", false, { "REPLAY", "a.>.b", "first", "10", NULL } },
    { "replay-unknown-start", false, { "REPLAY", "", "last", "10", NULL } },
    { "replay-unknown-start-small-reason", true, { "REPLAY", "", "last", "10", NULL } },
    { "replay-seq-signed", false, { "REPLAY", "", "seq:-1", "10", NULL } },
    { "replay-seq-too-big", false, { "REPLAY", "", "seq:99999999999999999999", "10", NULL } },
    { "replay-seq-above-half", false, { "REPLAY", "", "seq:9223372036854775808", "10", NULL } },
    { "replay-time-empty", false, { "REPLAY", "", "time:", "10", NULL } },
    { "replay-durable-space", false, { "REPLAY", "", "durable:my name", "10", NULL } },
    { "replay-durable-empty", false, { "REPLAY", "", "durable:", "10", NULL } },
    { "replay-durable-new-from-after", false,
      { "REPLAY", "", "durable:a after:1:p", "10", NULL } },
    { "replay-durable-new-from-durable", false,
      { "REPLAY", "", "durable:a durable:b", "10", NULL } },
    { "replay-after-zero", false, { "REPLAY", "", "after:0:publisher", "10", NULL } },
    { "replay-after-above-int32", false, { "REPLAY", "", "after:2147483648:p", "10", NULL } },
    { "replay-after-no-publisher", false, { "REPLAY", "", "after:5", "10", NULL } },
    { "replay-after-empty-publisher", false, { "REPLAY", "", "after:5:", "10", NULL } },
    { "replay-window-zero", false, { "REPLAY", "", "first", "0", NULL } },
    { "replay-window-above-max", false, { "REPLAY", "", "first", "1001", NULL } },
    { "replay-window-hex", false, { "REPLAY", "", "first", "0x10", NULL } },
    { "replay-control-start", false, { "REPLAY", "", "seq:\x1b[2J", "10", NULL } },
    { "follow-no-filter", false, { "FOLLOW", "first", "10", NULL } },
    { "follow-bad-last-filter", false, { "FOLLOW", "first", "10", "a.", "b*", NULL } },
    { "follow-bad-window", false, { "FOLLOW", "first", "ten", "a.", NULL } },
    { "credit-missing", false, { "CREDIT", NULL } },
    { "credit-signed", false, { "CREDIT", "-1", NULL } },
    { "credit-too-big", false, { "CREDIT", "4294967296", NULL } },
    { "cancel-extra", false, { "CANCEL", "now", NULL } },
    { "info-extra", false, { "INFO", "", NULL } },
    { "ack-missing-sequence", false, { "ACK", "audit", NULL } },
    { "ack-name-space", false, { "ACK", "my consumer", "5", NULL } },
    { "ack-bad-sequence", false, { "ACK", "audit", "12a", NULL } },
    { "unknown-command", false, { "PING", NULL } },
    { "lower-case-command", false, { "replay", "", "first", "10", NULL } },
    { "control-command", false, { "REP\x1bLAY", NULL } },
    { "empty-command", false, { "", NULL } },
    { "no-frames", false, { NULL } },
    { NULL, false, { NULL } }
};

//  frames as fuzz_replay_request's input: the frame count (and the small
//  reason bit), then each frame but the last after its length (0xFF and a
//  second byte above 254), then the last one. Frames up to 509 bytes.
static void
s_request_bytes(s_bytes_t *bytes, const char *const *frames, size_t count, bool small_reason)
{
    bytes->size = 0;
    s_append_byte(bytes, (unsigned char) (count | (small_reason? 0x80: 0)));
    for (size_t index = 0; index < count; index++) {
        size_t size = strlen(frames[index]);
        if (index + 1 < count && size < 0xFF)
            s_append_byte(bytes, (unsigned char) size);
        else
        if (index + 1 < count) {
            s_append_byte(bytes, 0xFF);
            s_append_byte(bytes, (unsigned char) (size - 0xFF));
        }
        s_append(bytes, frames[index], size);
    }
}

static bool
s_write_request(const char *dir, const char *stem, const char *const *frames, size_t count,
                bool small_reason)
{
    s_bytes_t bytes = { NULL, 0 };
    s_request_bytes(&bytes, frames, count, small_reason);
    char name [512];
    snprintf(name, sizeof name, "%s.bin", stem);
    bool written = s_write(dir, "fuzz_replay_request", name, bytes.data, bytes.size);
    free(bytes.data);
    return written;
}

//  The requests above, and those at the limits, which are made here.
static bool
s_write_requests(const char *dir)
{
    char path [4096];
    snprintf(path, sizeof path, "%s/corpus/fuzz_replay_request", dir);
    if (mkdir(path, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "fuzz_make_seeds: cannot make %s\n", path);
        return false;
    }
    bool written = true;
    for (const s_request_t *request = s_requests; request->name; request++) {
        size_t count = 0;
        while (request->frames[count])
            count++;
        written = written && s_write_request(dir, request->name, request->frames, count,
                                             request->small_reason);
    }
    //  FOLLOW with the most filters, and one more
    const char *follow [3 + 33] = { "FOLLOW", "seq:1", "1000" };
    static const char *const filters [] = { "a.", "b.*", "c.>", "", "d.e.f" };
    for (size_t index = 0; index < 33; index++)
        follow[3 + index] = filters[index % 5];
    written = written && s_write_request(dir, "follow-32-filters", follow, 3 + 32, false);
    written = written && s_write_request(dir, "follow-33-filters", follow, 3 + 33, false);
    //  a filter of 255 bytes (the longest) and of 256, in the middle
    char filter [257];
    memset(filter, 'a', sizeof filter - 1);
    filter[255] = '\0';
    const char *replay [] = { "REPLAY", filter, "first", "10" };
    written = written && s_write_request(dir, "replay-filter-255-bytes", replay, 4, false);
    filter[255] = 'a';
    filter[256] = '\0';
    written = written && s_write_request(dir, "replay-filter-256-bytes", replay, 4, false);
    //  a durable name of 128 characters (the longest) and of 129
    char durable [8 + 130] = "durable:";
    memset(durable + 8, 'n', 129);
    durable[8 + 128] = '\0';
    const char *start [] = { "REPLAY", "", durable, "10" };
    written = written && s_write_request(dir, "replay-durable-name-128", start, 4, false);
    const char *ack [] = { "ACK", durable + 8, "7" };
    written = written && s_write_request(dir, "ack-name-128", ack, 3, false);
    durable[8 + 128] = 'n';
    durable[8 + 129] = '\0';
    written = written && s_write_request(dir, "replay-durable-name-129", start, 4, false);
    written = written && s_write_request(dir, "ack-name-129", ack, 3, false);
    return written;
}

//  --------------------------------------------------------------------------

static int
s_compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

int
main(int argc, char *argv [])
{
    if (argc != 2) {
        fprintf(stderr, "usage: fuzz_make_seeds FUZZ_DIR   (tests/fuzz)\n");
        return 1;
    }
    const char *dir = argv[1];
    bool written = true;

    //  The generated events, one JSON seed each and all as one batch
    jb_batch_t *batch = jb_batch_new();
    for (const s_seed_t *seed = s_events; seed->name; seed++) {
        jb_event_t *event = NULL;
        jb_error_t error;
        if (jb_json_decode(seed->json, strlen(seed->json), fuzz_sample_extensions, &event,
                           &error) != 0) {
            fprintf(stderr, "fuzz_make_seeds: event %s: %s\n", seed->name, error.message);
            jb_batch_destroy(&batch);
            return 1;
        }
        char name [512];
        snprintf(name, sizeof name, "gen-%s.json", seed->name);
        written = written && s_write(dir, "fuzz_json_event", name, seed->json, strlen(seed->json));
        jb_batch_append(batch, &event);
    }
    char *json = NULL;
    size_t size = 0;
    jb_error_t error;
    if (jb_json_encode_batch(batch, &json, &size, &error) != 0) {
        fprintf(stderr, "fuzz_make_seeds: the generated batch: %s\n", error.message);
        return 1;
    }
    written = written && s_write(dir, "fuzz_json_batch", "gen-all-events.json", json, size);
    free(json);
    jb_batch_destroy(&batch);

    //  Every JSON event seed that decodes, as binding messages
    char path [4096];
    snprintf(path, sizeof path, "%s/corpus/fuzz_json_event", dir);
    DIR *events = opendir(path);
    if (!events) {
        fprintf(stderr, "fuzz_make_seeds: cannot read %s\n", path);
        return 1;
    }
    char **names = NULL;
    size_t count = 0;
    struct dirent *entry;
    while ((entry = readdir(events))) {
        size_t length = strlen(entry->d_name);
        if (length > 5 && strcmp(entry->d_name + length - 5, ".json") == 0) {
            char **grown = (char **) realloc(names, (count + 1) * sizeof *names);
            if (!grown || !(grown[count] = strdup(entry->d_name))) {
                fprintf(stderr, "fuzz_make_seeds: out of memory\n");
                return 1;
            }
            names = grown;
            count++;
        }
    }
    closedir(events);
    if (count)
        qsort(names, count, sizeof *names, s_compare_names);
    size_t messages = 0;
    for (size_t index = 0; index < count; index++) {
        snprintf(path, sizeof path, "%s/corpus/fuzz_json_event/%s", dir, names[index]);
        FILE *file = fopen(path, "rb");
        s_bytes_t text = { NULL, 0 };
        char chunk [4096];
        size_t got;
        while (file && (got = fread(chunk, 1, sizeof chunk, file)) > 0)
            s_append(&text, chunk, got);
        if (file)
            fclose(file);
        jb_event_t *event = NULL;
        bool known = true;
        if (jb_json_decode((const char *) text.data, text.size, fuzz_sample_extensions, &event,
                           NULL) != 0) {
            known = false;
            jb_json_decode((const char *) text.data, text.size, NULL, &event, NULL);
        }
        if (event) {
            names[index][strlen(names[index]) - 5] = '\0';      //  without ".json"
            written = written && s_write_messages(dir, names[index], event, known);
            messages++;
        }
        jb_event_destroy(&event);
        free(text.data);
        free(names[index]);
    }
    free(names);

    for (size_t index = 0; s_frames[index].name; index++) {
        char name [512];
        snprintf(name, sizeof name, "near-%s.bin", s_frames[index].name);
        written = written && s_write(dir, "fuzz_frames", name, s_frames[index].bytes,
                                     s_frames[index].size);
    }
    written = written && s_write_requests(dir);
    printf("fuzz_make_seeds: %zu generated events, messages for %zu of %zu JSON event seeds\n",
           sizeof s_events / sizeof s_events[0] - 1, messages, count);
    return written? 0: 1;
}
