/*  =========================================================================
    bench_codec.c - how fast jbus makes, encodes and decodes one event

    A benchmark program, not a test: it prints rates (events per second),
    the cost per event and the encoded size for a typical work-tracking
    event with a small JSON payload.
        build/tests/bench_codec [seconds-per-figure]
        build/tests/bench_codec --count N [--stamped] [FIGURE...]
    --count runs each figure exactly N times instead of for a while, so that
    valgrind --tool=callgrind counts repeatable instructions: the difference
    between two runs with different N, over the difference of N, is the cost
    per event. FIGURE names the figures to run (make, validate, json-encode,
    json-decode, binary-encode, binary-decode, structured-encode,
    structured-decode, convert; all when none is named). --stamped gives the
    event the two attributes a jbus publisher stamps on every event, as a
    subscriber receives it.
    ========================================================================= */

#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "jbus.h"
#include "bench_loop.h"

static const char *s_payload = BENCH_LOOP_PAYLOAD;

//  --stamped: add jbuspub and jbusseq, as a jbus publisher does.
static bool s_stamped;

static jb_event_t *
s_make_event(void)
{
    jb_event_t *event = jb_event_new("jerry.work_tracking.task.completed", "/jerry/work-tracking");
    jb_event_set_subject(event, "WORK-001");
    jb_event_set_datacontenttype(event, "application/json");
    jb_event_set_data_json(event, s_payload, SIZE_MAX, NULL);
    if (s_stamped) {
        jb_value_t publisher = jb_value_string("0123456789abcdef");
        jb_value_t sequence = jb_value_integer(123456);
        jb_event_set_extension(event, "jbuspub", &publisher, NULL);
        jb_event_set_extension(event, "jbusseq", &sequence, NULL);
    }
    return event;
}

//  Run body repeatedly for about `seconds`, or exactly bench_loop_count times, when
//  the figure is wanted; report events/s and ns/event.
#define BENCH(figure, label, seconds, body) do {                                \
    double ns;                                                                  \
    BENCH_LOOP(figure, seconds, ns, body);                                      \
    if (ns >= 0)                                                                \
        printf("%-34s %12.0f events/s %9.0f ns/event\n", label, 1e9 / ns, ns);  \
} while (0)

static int
s_usage(void)
{
    fprintf(stderr, "usage: bench_codec [seconds-per-figure > 0]\n"
                    "       bench_codec --count N [--stamped] [FIGURE...]\n");
    return 2;
}

int
main(int argc, char *argv[])
{
    double seconds = 1.0;
    if (argc > 2 && strcmp(argv[1], "--count") == 0) {
        bench_loop_count = atol(argv[2]);
        if (bench_loop_count <= 0)
            return s_usage();
        int next = 3;
        if (next < argc && strcmp(argv[next], "--stamped") == 0) {
            s_stamped = true;
            next++;
        }
        bench_loop_figures = argv + next;
        bench_loop_figure_count = argc - next;
    }
    else
    if (argc > 1) {
        seconds = atof(argv[1]);
        if (seconds <= 0 || argc > 2)
            return s_usage();
    }
    jb_event_t *event = s_make_event();
    char *json = NULL;
    size_t json_size = 0;
    if (jb_json_encode(event, &json, &json_size, NULL)) {
        fprintf(stderr, "bench_codec: the sample event does not encode\n");
        return 1;
    }
    printf("jbus %d.%d.%d codec benchmark: one work-tracking event, %zu-byte JSON payload\n",
           JBUS_VERSION_MAJOR, JBUS_VERSION_MINOR, JBUS_VERSION_PATCH, strlen(s_payload));
    printf("%-34s %12zu bytes/event\n", "JSON event format size", json_size);

    BENCH("make", "make (new + set attributes + data)", seconds, {
        jb_event_t *made = s_make_event();
        jb_event_destroy(&made);
    });
    BENCH("validate", "validate", seconds, {
        if (jb_event_validate(event, NULL)) abort();
    });
    BENCH("json-encode", "JSON encode (validate + write)", seconds, {
        char *text = NULL;
        if (jb_json_encode(event, &text, NULL, NULL)) abort();
        free(text);
    });
    BENCH("json-decode", "JSON decode (parse + validate)", seconds, {
        jb_event_t *decoded = NULL;
        if (jb_json_decode(json, json_size, NULL, &decoded, NULL)) abort();
        jb_event_destroy(&decoded);
    });
    jb_message_t *message = jb_message_new();
    for (jb_mode_t mode = JB_MODE_BINARY; mode <= JB_MODE_STRUCTURED; mode++) {
        const char *name = mode == JB_MODE_BINARY? "binary": "structured";
        if (jb_message_encode(message, event, mode, NULL))
            abort();
        size_t frames = jb_message_frame_count(message), bytes = 0;
        jb_frame_t copies [3];
        for (size_t index = 0; index < frames; index++) {
            copies[index] = jb_message_frame(message, index);
            bytes += copies[index].size;
        }
        char label [64], figure [32];
        snprintf(label, sizeof label, "%s message size (%zu frames)", name, frames);
        printf("%-34s %12zu bytes/event\n", label, bytes);
        snprintf(label, sizeof label, "%s message encode", name);
        snprintf(figure, sizeof figure, "%s-encode", name);
        jb_message_t *scratch = jb_message_new();
        BENCH(figure, label, seconds, {
            if (jb_message_encode(scratch, event, mode, NULL)) abort();
        });
        jb_message_destroy(&scratch);
        snprintf(label, sizeof label, "%s message decode", name);
        snprintf(figure, sizeof figure, "%s-decode", name);
        BENCH(figure, label, seconds, {
            jb_event_t *decoded = NULL;
            if (jb_message_decode(copies, frames, NULL, &decoded, NULL)) abort();
            jb_event_destroy(&decoded);
        });
    }
    jb_message_destroy(&message);
    jb_error_t error;
    jb_converter_t *converter = jb_converter_new("/jerry/work-tracking", "work_tracking", &error);
    jb_domain_event_t completed = jb_domain_event("TaskCompleted", "WORK-001", s_payload);
    BENCH("convert", "convert domain event", seconds, {
        jb_event_t *converted = NULL;
        if (jb_converter_convert(converter, &completed, &converted, NULL)) abort();
        jb_event_destroy(&converted);
    });
    jb_converter_destroy(&converter);
    free(json);
    jb_event_destroy(&event);
    return 0;
}
