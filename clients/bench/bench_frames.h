/*  =========================================================================
    bench_frames.h - the frames file: one event as a jbus publisher sends it

    `jbus bench --dump-frames FILE` captures the frames of one event off a
    real socket and writes them here; tests/bench_raw.c reads them and
    sends those bytes unchanged, so that the raw baseline moves exactly
    what jbus moves. Part of the jbus_bench_support library (libc only).

    The format (integers are unsigned 32-bit little-endian):
        "JBFRAMES"              8 bytes of magic
        version                 1
        mode                    1 binary, 2 structured
        data bytes              the --size the event was made with
        frame count             1 to BENCH_FRAMES_MAX (2 or 3 from jbus)
        stamp frame             index of the frame holding "benchsent"'s digits
        stamp offset            where the BENCH_STAMP_DIGITS digits start in it
        stamp width             BENCH_STAMP_DIGITS (20)
        then per frame          its size, then its bytes
    ========================================================================= */

#ifndef JBUS_BENCH_FRAMES_H_INCLUDED
#define JBUS_BENCH_FRAMES_H_INCLUDED

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

//  The most frames a file may hold.
#define BENCH_FRAMES_MAX 8

//  What a frames file holds. From bench_frames_load the frames are
//  allocated and freed by bench_frames_free; for bench_frames_write they
//  are the caller's.
typedef struct {
    uint32_t mode;              //  1 binary, 2 structured
    uint32_t data_bytes;
    size_t count;               //  frames
    size_t stamp_frame, stamp_offset;
    unsigned char *frames [BENCH_FRAMES_MAX];
    size_t sizes [BENCH_FRAMES_MAX];
    size_t total;               //  bytes of all frames
} bench_frames_t;

//  Read the file at path into frames. Returns true, or false with what is
//  wrong in problem (size bytes), e.g. "cannot read: No such file or
//  directory" or "truncated frame". Free frames with bench_frames_free in
//  either case.
bool
    bench_frames_load(const char *path, bench_frames_t *frames, char *problem, size_t size);

//  Free the frames bench_frames_load allocated; safe twice.
void
    bench_frames_free(bench_frames_t *frames);

//  Write frames (count, sizes and frames set; total is not used) to the file
//  at path. Returns 0 or an errno value.
int
    bench_frames_write(const char *path, const bench_frames_t *frames);

#endif
