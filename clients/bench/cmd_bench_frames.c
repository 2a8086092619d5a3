/*  =========================================================================
    cmd_bench_frames.c - jbus bench --dump-frames: one event's frames, as a
    publisher sends them, for tests/bench_raw.c

    The frames are captured off a real socket, whatever the library adds on
    the way, after s_DUMP_WARMUP other events so that numbers it counts per
    event have their steady-state width. The file's format is in
    bench_frames.h.
    ========================================================================= */

#define _GNU_SOURCE

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <czmq.h>

#include "jbus.h"
#include "../cmd.h"
#include "bench_support.h"
#include "bench_frames.h"
#include "cmd_bench.h"

#define s_NAME CMD_BENCH_NAME

//  Events published before the one captured, and how long capturing may
//  take.
#define s_DUMP_WARMUP 70000
#define s_DUMP_TIMEOUT_MS 5000

//  --------------------------------------------------------------------------
//  Publish the marker event through a real publisher and capture its
//  frames with a plain SUB socket, so that the file holds exactly what
//  publishers send, whatever the library adds to an event on the way
//  (such as its own extension attributes). Publishes s_DUMP_WARMUP events
//  nobody receives first, so that numbers the library counts per event
//  have the width they have in the steady state of a run. On success
//  returns 0 with the frames in parts[0 .. *count_p - 1] (close each with
//  zmq_msg_close); otherwise an exit code, after saying why.

static int
s_capture_frames(const cmd_bench_options_t *options, uint64_t marker, zmq_msg_t *parts,
                 size_t max, size_t *count_p)
{
    jb_error_t error;
    jb_error_clear(&error);
    jb_publisher_options_t publisher_options;
    jb_publisher_options_defaults(&publisher_options);
    publisher_options.mode = options->mode;
    publisher_options.bind = true;
    publisher_options.linger_ms = 0;
    publisher_options.sndhwm = 0;
    jb_publisher_t *publisher = jb_publisher_new("inproc://jbus-bench-dump", &publisher_options,
                                                 &error);
    char *payload = cmd_bench_payload_new((size_t) options->size);
    zsock_t *capture = zsock_new(ZMQ_SUB);
    char subject [32];
    cmd_bench_data_subject(subject, 0);
    int rc = publisher && payload && capture? 0: JB_ENOMEM;
    if (!publisher)
        rc = error.code;
    for (int sequence = 0; rc == 0 && sequence < s_DUMP_WARMUP; sequence++)
        rc = cmd_bench_publish_one(publisher, subject, payload, (size_t) options->size, true, &error);
    if (rc == 0) {
        zsock_set_rcvtimeo(capture, s_DUMP_TIMEOUT_MS);
        zsock_set_subscribe(capture, CMD_BENCH_TYPE);
        if (zsock_connect(capture, "inproc://jbus-bench-dump") == -1)
            rc = JB_ESOCKET;
    }
    if (rc == 0)
        rc = jb_publisher_wait_for(publisher, CMD_BENCH_TYPE, s_DUMP_TIMEOUT_MS, &error);
    jb_event_t *event = NULL;
    if (rc == 0)
        rc = cmd_bench_event_make(subject, payload, (size_t) options->size, &marker, &event, &error);
    if (rc == 0)
        rc = jb_publisher_publish(publisher, event, &error);
    size_t count = 0;
    bool more = rc == 0;
    while (more && count < max) {
        zmq_msg_init(&parts[count]);
        if (zmq_msg_recv(&parts[count], zsock_resolve(capture), 0) == -1) {
            zmq_msg_close(&parts[count]);
            snprintf(error.message, sizeof error.message, "the event did not come back: %s",
                     zmq_strerror(zmq_errno()));
            rc = JB_ESOCKET;
            break;
        }
        more = zmq_msg_more(&parts[count++]);
    }
    if (rc == 0 && more) {
        snprintf(error.message, sizeof error.message, "more than %zu frames", max);
        rc = JB_EFRAME;
    }
    if (rc) {
        fprintf(stderr, "jbus " s_NAME ": cannot capture an event's frames: %s\n",
                error.message[0]? error.message: jb_strerror(rc));
        while (count > 0)
            zmq_msg_close(&parts[--count]);
    }
    jb_event_destroy(&event);
    zsock_destroy(&capture);
    jb_publisher_destroy(&publisher);
    free(payload);
    *count_p = count;
    return rc? CMD_EXIT_FAILURE: CMD_EXIT_OK;
}

//  --------------------------------------------------------------------------

int
cmd_bench_dump_frames(const cmd_bench_options_t *options)
{
    //  a stamp whose digits are easy to find, and found once only
    const uint64_t marker = UINT64_C(12345678901234567890);
    char marker_text [BENCH_STAMP_DIGITS + 1];
    bench_write_digits(marker_text, marker, BENCH_STAMP_DIGITS);
    marker_text[BENCH_STAMP_DIGITS] = '\0';

    zmq_msg_t parts [BENCH_FRAMES_MAX];
    size_t count = 0;
    int exit_code = s_capture_frames(options, marker, parts, BENCH_FRAMES_MAX, &count);
    if (exit_code)
        return exit_code;
    size_t stamp_frame = count - 1;
    const char *last = (const char *) zmq_msg_data(&parts[stamp_frame]);
    size_t last_size = zmq_msg_size(&parts[stamp_frame]);
    const char *found = (const char *) memmem(last, last_size, marker_text, BENCH_STAMP_DIGITS);
    const char *again = found? (const char *) memmem(found + 1, last_size - (size_t) (found + 1
                                                     - last), marker_text, BENCH_STAMP_DIGITS)
                             : NULL;
    bench_frames_t frames;
    memset(&frames, 0, sizeof frames);
    frames.mode = (uint32_t) options->mode;
    frames.data_bytes = (uint32_t) options->size;
    frames.count = count;
    frames.stamp_frame = stamp_frame;
    frames.stamp_offset = found? (size_t) (found - last): 0;
    for (size_t index = 0; index < count; index++) {
        frames.frames[index] = (unsigned char *) zmq_msg_data(&parts[index]);
        frames.sizes[index] = zmq_msg_size(&parts[index]);
        frames.total += frames.sizes[index];
    }
    int rc = found && !again? bench_frames_write(options->dump_frames, &frames): 0;
    if (!found || again) {
        fprintf(stderr, "jbus " s_NAME ": cannot locate the stamp in the encoded event\n");
        exit_code = CMD_EXIT_FAILURE;
    }
    else
    if (rc) {
        fprintf(stderr, "jbus " s_NAME ": %s: cannot write: %s\n", options->dump_frames,
                strerror(rc));
        exit_code = CMD_EXIT_FAILURE;
    }
    else
    if (!options->quiet) {
        fprintf(stderr, "jbus " s_NAME ": wrote %zu frames (", count);
        for (size_t index = 0; index < count; index++)
            fprintf(stderr, "%s%zu", index? " + ": "", frames.sizes[index]);
        fprintf(stderr, " = %zu bytes) of a %s-mode event to %s\n", frames.total,
                options->mode == JB_MODE_BINARY? "binary": "structured", options->dump_frames);
    }
    for (size_t index = 0; index < count; index++)
        zmq_msg_close(&parts[index]);
    return exit_code;
}
