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

#endif
