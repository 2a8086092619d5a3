/*  =========================================================================
    buffer.h - the growable byte buffer that encoders write into
    (private to the library)

    Not installed. Non-static internals are named jb__<name> (STYLE.md).
    ========================================================================= */

#ifndef JBUS_BUFFER_PRIVATE_H_INCLUDED
#define JBUS_BUFFER_PRIVATE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

//  A growable byte buffer that encoders write into and reuse.
//  Appends never fail midway: on out of memory the buffer remembers it
//  (failed) and later appends do nothing, so an encoder checks once at the end.
typedef struct {
    char *data;                 //  NUL-terminated while not failed
    size_t size;                //  bytes written, without the NUL
    size_t capacity;            //  bytes allocated
    bool failed;                //  an allocation failed
} jb__buffer_t;

void
    jb__buffer_reset(jb__buffer_t *buffer);
void
    jb__buffer_free(jb__buffer_t *buffer);
bool
    jb__buffer_reserve(jb__buffer_t *buffer, size_t extra);
void
    jb__buffer_append_slow(jb__buffer_t *buffer, const void *bytes, size_t size);

//  Append size bytes. Inline because encoders append many small pieces:
//  when they fit, it is a copy; growing and failure take the slow path.
static inline void
jb__buffer_append(jb__buffer_t *buffer, const void *bytes, size_t size)
{
    if (buffer->size + size < buffer->capacity && !buffer->failed) {
        memcpy(buffer->data + buffer->size, bytes, size);
        buffer->size += size;
        buffer->data[buffer->size] = '\0';
    }
    else
        jb__buffer_append_slow(buffer, bytes, size);
}
void
    jb__buffer_append_text(jb__buffer_t *buffer, const char *text);
void
    jb__buffer_append_json_string(jb__buffer_t *buffer, const char *text, size_t size);
void
    jb__buffer_append_int(jb__buffer_t *buffer, int64_t value);

#endif
