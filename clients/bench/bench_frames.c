/*  =========================================================================
    bench_frames.c - the frames file: one event as a jbus publisher sends it

    The format and the contracts are in bench_frames.h.
    ========================================================================= */

#define _GNU_SOURCE

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_support.h"
#include "bench_frames.h"

#define s_MAGIC "JBFRAMES"
#define s_VERSION 1
//  The largest frame a file may hold.
#define s_FRAME_SIZE_MAX (64u * 1024 * 1024)

static bool
s_get_u32(FILE *file, uint32_t *value)
{
    unsigned char bytes [4];
    if (fread(bytes, 1, sizeof bytes, file) != sizeof bytes)
        return false;
    *value = (uint32_t) bytes[0] | (uint32_t) bytes[1] << 8 | (uint32_t) bytes[2] << 16
           | (uint32_t) bytes[3] << 24;
    return true;
}

static void
s_put_u32(FILE *file, uint32_t value)
{
    unsigned char bytes [4] = { (unsigned char) value, (unsigned char) (value >> 8),
                                (unsigned char) (value >> 16), (unsigned char) (value >> 24) };
    fwrite(bytes, 1, sizeof bytes, file);
}

//  Read the header into frames and the frame count and the stamp's place;
//  returns NULL, or what is wrong.
static const char *
s_read_header(FILE *file, bench_frames_t *frames, uint32_t *count, uint32_t *stamp_frame,
              uint32_t *stamp_offset)
{
    char magic [8];
    uint32_t version = 0, stamp_width = 0;
    if (fread(magic, 1, sizeof magic, file) != sizeof magic || memcmp(magic, s_MAGIC, 8) != 0)
        return "not a frames file (written by jbus bench --dump-frames)";
    if (!s_get_u32(file, &version) || version != s_VERSION)
        return "unknown version";
    if (!s_get_u32(file, &frames->mode) || !s_get_u32(file, &frames->data_bytes)
    ||  !s_get_u32(file, count) || !s_get_u32(file, stamp_frame)
    ||  !s_get_u32(file, stamp_offset) || !s_get_u32(file, &stamp_width))
        return "truncated header";
    if (*count < 1 || *count > BENCH_FRAMES_MAX || *stamp_frame >= *count
    ||  stamp_width != BENCH_STAMP_DIGITS || (frames->mode != 1 && frames->mode != 2))
        return "header out of range";
    return NULL;
}

bool
bench_frames_load(const char *path, bench_frames_t *frames, char *problem, size_t size)
{
    memset(frames, 0, sizeof *frames);
    FILE *file = fopen(path, "rb");
    if (!file) {
        snprintf(problem, size, "cannot read: %s", strerror(errno));
        return false;
    }
    uint32_t count = 0, stamp_frame = 0, stamp_offset = 0;
    const char *wrong = s_read_header(file, frames, &count, &stamp_frame, &stamp_offset);
    for (uint32_t index = 0; !wrong && index < count; index++) {
        uint32_t frame_size = 0;
        if (!s_get_u32(file, &frame_size) || frame_size > s_FRAME_SIZE_MAX) {
            wrong = "bad frame size";
            break;
        }
        frames->frames[index] = (unsigned char *) malloc(frame_size? frame_size: 1);
        frames->count = index + 1;
        if (!frames->frames[index])
            wrong = "out of memory";
        else
        if (fread(frames->frames[index], 1, frame_size, file) != frame_size)
            wrong = "truncated frame";
        frames->sizes[index] = frame_size;
        frames->total += frame_size;
    }
    if (!wrong && stamp_offset + BENCH_STAMP_DIGITS > frames->sizes[stamp_frame])
        wrong = "the stamp lies outside its frame";
    fclose(file);
    frames->stamp_frame = stamp_frame;
    frames->stamp_offset = stamp_offset;
    if (wrong)
        snprintf(problem, size, "%s", wrong);
    return wrong == NULL;
}

void
bench_frames_free(bench_frames_t *frames)
{
    for (size_t index = 0; index < frames->count; index++)
        free(frames->frames[index]);
    frames->count = 0;
}

int
bench_frames_write(const char *path, const bench_frames_t *frames)
{
    FILE *file = fopen(path, "wb");
    if (!file)
        return errno;
    fwrite(s_MAGIC, 1, sizeof s_MAGIC - 1, file);
    s_put_u32(file, s_VERSION);
    s_put_u32(file, frames->mode);
    s_put_u32(file, frames->data_bytes);
    s_put_u32(file, (uint32_t) frames->count);
    s_put_u32(file, (uint32_t) frames->stamp_frame);
    s_put_u32(file, (uint32_t) frames->stamp_offset);
    s_put_u32(file, BENCH_STAMP_DIGITS);
    for (size_t index = 0; index < frames->count; index++) {
        s_put_u32(file, (uint32_t) frames->sizes[index]);
        fwrite(frames->frames[index], 1, frames->sizes[index], file);
    }
    if (ferror(file) | (fclose(file) != 0))
        return errno? errno: EIO;
    return 0;
}
