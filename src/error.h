/*  =========================================================================
    error.h - filling a caller's jb_error_t (private to the library)

    Not installed. Non-static internals are named jb__<name> (STYLE.md).
    ========================================================================= */

#ifndef JBUS_ERROR_PRIVATE_H_INCLUDED
#define JBUS_ERROR_PRIVATE_H_INCLUDED

#include "jbus/error.h"

//  Fill error (when not NULL) and return code. attribute may be NULL.
int
    jb__error(jb_error_t *error, int code, const char *attribute, const char *format, ...)
    JB_PRINTF(4, 5);

#endif
