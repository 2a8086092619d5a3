/*  =========================================================================
    jbus/error.h - error codes and caller-owned error details

    Every jbus call that can fail because of something outside the program
    (bytes off the wire, JSON, configuration, a socket, a timeout) returns 0
    on success or one of the negative JB_E* codes below. Programming errors
    (a NULL object, misuse of the API) are asserted instead.

    Human detail goes into an optional jb_error_t owned by the caller: pass
    NULL when the code is enough. The message always names the input that
    caused the failure, e.g.
        attribute 'time': not an RFC 3339 timestamp: "2018-04-05T18:31Z"
    ========================================================================= */

#ifndef JBUS_ERROR_H_INCLUDED
#define JBUS_ERROR_H_INCLUDED

#include "jbus/export.h"

#ifdef __cplusplus
extern "C" {
#endif

//  The one table of error codes: name, value, text. Values never change and
//  are never reused: -10 and -11 (once EAGAIN and ETOOBIG, which no call
//  returned) stay retired.
#define JB_ERROR_MAP(XX)                                                      \
    XX(INVAL,    -1, "invalid argument")                                      \
    XX(NOMEM,    -2, "out of memory")                                         \
    XX(PARSE,    -3, "malformed input")                                       \
    XX(INVALID,  -4, "not a valid CloudEvent")                                \
    XX(CONVERT,  -5, "domain event cannot be converted")                      \
    XX(TIMEDOUT, -6, "timed out")                                             \
    XX(IO,       -7, "input/output error")                                    \
    XX(SOCKET,   -8, "ZeroMQ socket error")                                   \
    XX(FRAME,    -9, "message does not fit the jbus ZeroMQ binding")          \
    XX(CONFIG,  -12, "invalid configuration")                                 \
    XX(NOTFOUND,-13, "not found")                                             \
    XX(CLOSED,  -14, "closed")                                                \
    XX(INTR,    -15, "interrupted by a signal")                               \
    XX(CONNECT, -16, "no connection to the broker")                           \
    XX(DENIED,  -17, "refused by the broker")

typedef enum {
    JB_OK = 0,
#define JB_ERROR_ENUM(name, value, text) JB_E##name = (value),
    JB_ERROR_MAP(JB_ERROR_ENUM)
#undef JB_ERROR_ENUM
} jb_status_t;

//  Sizes of the fixed buffers in jb_error_t; longer texts are truncated.
#define JB_ERROR_ATTRIBUTE_MAX 64
#define JB_ERROR_MESSAGE_MAX   384

//  Details of the last failure, filled by any call that takes a jb_error_t *.
typedef struct {
    int code;                                   //  JB_E* code, 0 when none
    char attribute[JB_ERROR_ATTRIBUTE_MAX];     //  attribute at fault, or ""
    char message[JB_ERROR_MESSAGE_MAX];         //  whole human-readable text
} jb_error_t;

//  Return a short description of code, e.g. "malformed input". Never NULL:
//  an unknown code gives "unknown error". The string is static.
JB_EXPORT const char *
    jb_strerror(int code);

//  Return the code's symbolic name, e.g. "JB_EPARSE", or "JB_UNKNOWN".
JB_EXPORT const char *
    jb_error_name(int code);

//  Reset an error to "no error". Accepts NULL.
JB_EXPORT void
    jb_error_clear(jb_error_t *error);

#ifdef __cplusplus
}
#endif

#endif
