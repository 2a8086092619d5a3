/*  =========================================================================
    jbus/log.h - the log of the broker (and of whatever embeds it)

    One line per event worth an operator's attention, to stderr, a file
    or syslog:

        2026-12-07T20:42:04.123+00:00 W jbus-broker: curve: refused a ...

    an ISO 8601 time with its zone, the level (E error, W warning, I info,
    D debug), the program's name, the text. Lines below the level set are
    not written. Settings are the process's, for every thread: set them
    before starting a broker.
    ========================================================================= */

#ifndef JBUS_LOG_H_INCLUDED
#define JBUS_LOG_H_INCLUDED

#include <stdbool.h>
#include "jbus/export.h"
#include "jbus/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    JB_LOG_ERROR = 0,           //  something failed
    JB_LOG_WARN = 1,            //  refused, dropped, or a limit hit
    JB_LOG_INFO = 2,            //  started, stopped, counters (the default)
    JB_LOG_DEBUG = 3            //  more than ops need, less than a trace
} jb_log_level_t;

//  Write only lines of level or more severe ones. Default JB_LOG_INFO.
JB_EXPORT void
    jb_log_set_level(jb_log_level_t level);

//  The level written, as jb_log_set_level set it.
JB_EXPORT jb_log_level_t
    jb_log_level(void);

//  "error", "warn", "info" or "debug" (as --log-level takes them) into
//  *level. Returns 0, or JB_EINVAL with the reason in error.
JB_EXPORT int
    jb_log_level_parse(const char *text, jb_log_level_t *level, jb_error_t *error);

//  The name each line carries (default "jbus"). Copied.
JB_EXPORT void
    jb_log_set_ident(const char *ident);

//  Append the lines to the file at path (made when missing) instead of
//  stderr; NULL: back to stderr. Returns 0, or JB_EIO with the reason in
//  error (the previous target stays).
JB_EXPORT int
    jb_log_set_file(const char *path, jb_error_t *error);

//  Send the lines to syslog (facility daemon, as ident) instead of the
//  stream. Default false.
JB_EXPORT void
    jb_log_set_syslog(bool syslog);

//  Write one line of level (printf format). Lines are whole, one write
//  each, from any thread.
JB_EXPORT void
    jb_log(jb_log_level_t level, const char *format, ...) JB_PRINTF(2, 3);

#ifdef __cplusplus
}
#endif

#endif
