/*  =========================================================================
    buffer.c - a growable byte buffer for encoders

    Encoders append many small pieces; checking every append for failure
    would bury the format in error handling, so the buffer latches the
    first failure and the encoder checks `failed` once at the end.
    ========================================================================= */

#include <stdlib.h>

#include "jbus.h"
#include "buffer.h"
#include "text.h"

void
jb__buffer_reset(jb__buffer_t *buffer)
{
    buffer->size = 0;
    buffer->failed = false;
    if (buffer->data)
        buffer->data[0] = '\0';
}

void
jb__buffer_free(jb__buffer_t *buffer)
{
    free(buffer->data);
    memset(buffer, 0, sizeof *buffer);
}

//  --------------------------------------------------------------------------
//  Make room for extra more bytes plus a NUL. Returns false (and latches
//  failed) when memory runs out.

bool
jb__buffer_reserve(jb__buffer_t *buffer, size_t extra)
{
    if (buffer->failed)
        return false;
    if (extra > SIZE_MAX / 2 - buffer->size) {
        buffer->failed = true;
        return false;
    }
    size_t needed = buffer->size + extra + 1;
    if (needed <= buffer->capacity)
        return true;
    size_t capacity = buffer->capacity? buffer->capacity: 256;
    while (capacity < needed)
        capacity *= 2;
    char *grown = (char *) realloc(buffer->data, capacity);
    if (!grown) {
        buffer->failed = true;
        return false;
    }
    buffer->data = grown;
    buffer->capacity = capacity;
    return true;
}

void
jb__buffer_append_slow(jb__buffer_t *buffer, const void *bytes, size_t size)
{
    if (!jb__buffer_reserve(buffer, size))
        return;
    if (size)
        memcpy(buffer->data + buffer->size, bytes, size);
    buffer->size += size;
    buffer->data[buffer->size] = '\0';
}

void
jb__buffer_append_text(jb__buffer_t *buffer, const char *text)
{
    jb__buffer_append(buffer, text, strlen(text));
}

//  Quote into the free space directly; if it did not fit, grow to the
//  exact size that jb__json_quote reported and quote again.
void
jb__buffer_append_json_string(jb__buffer_t *buffer, const char *text, size_t size)
{
    if (!jb__buffer_reserve(buffer, size + 2))
        return;
    size_t room = buffer->capacity - buffer->size - 1;
    size_t needed = jb__json_quote(text, size, buffer->data + buffer->size, room);
    if (needed > room) {
        if (!jb__buffer_reserve(buffer, needed))
            return;
        jb__json_quote(text, size, buffer->data + buffer->size, needed);
    }
    buffer->size += needed;
    buffer->data[buffer->size] = '\0';
}

//  Digits written from the end of a small array: snprintf's format parsing
//  cost more than the rest of writing an event's Integer attribute.
void
jb__buffer_append_int(jb__buffer_t *buffer, int64_t value)
{
    char digits [24];
    char *cursor = digits + sizeof digits;
    uint64_t magnitude = value < 0? 0 - (uint64_t) value: (uint64_t) value;
    do {
        *--cursor = (char) ('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    if (value < 0)
        *--cursor = '-';
    jb__buffer_append(buffer, cursor, (size_t) (digits + sizeof digits - cursor));
}
