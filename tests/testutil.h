/*  =========================================================================
    testutil.h - what every jbus test needs: cmocka and a few helpers
    ========================================================================= */

#ifndef JBUS_TESTUTIL_H_INCLUDED
#define JBUS_TESTUTIL_H_INCLUDED

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "jbus.h"

//  Read a whole file into a NUL-terminated buffer that the caller frees;
//  NULL when it cannot be read. *size_p (may be NULL) gets its length.
static inline char *
testutil_read_file(const char *path, size_t *size_p)
{
    FILE *file = fopen(path, "rb");
    if (!file)
        return NULL;
    size_t capacity = 4096, size = 0;
    char *data = (char *) malloc(capacity);
    size_t got;
    while (data && (got = fread(data + size, 1, capacity - size - 1, file)) > 0) {
        size += got;
        if (capacity - size - 1 == 0) {
            char *grown = (char *) realloc(data, capacity * 2);
            if (!grown) {
                free(data);
                data = NULL;
                break;
            }
            data = grown;
            capacity *= 2;
        }
    }
    fclose(file);
    if (data) {
        data[size] = '\0';
        if (size_p)
            *size_p = size;
    }
    return data;
}

//  Check that event carries the loss-detection stamp of a jbus publisher
//  (jbuspub: 16 hex digits, jbusseq: an Integer from 1), take it off, and
//  return the sequence number: what a raw ZeroMQ receiver sees is then the
//  event as it was published.
static inline int32_t
testutil_take_stamp(jb_event_t *event)
{
    const jb_value_t *publisher = jb_event_extension(event, "jbuspub");
    const jb_value_t *sequence = jb_event_extension(event, "jbusseq");
    assert_non_null(publisher);
    assert_non_null(sequence);
    assert_int_equal(publisher->type, JB_TYPE_STRING);
    assert_int_equal(strlen(publisher->as.string), 16);
    assert_int_equal(strspn(publisher->as.string, "0123456789abcdef"), 16);
    assert_int_equal(sequence->type, JB_TYPE_INTEGER);
    assert_true(sequence->as.integer >= 1);
    int32_t number = sequence->as.integer;
    jb_event_set_extension(event, "jbuspub", NULL, NULL);
    jb_event_set_extension(event, "jbusseq", NULL, NULL);
    return number;
}

#endif
