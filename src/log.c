/*  =========================================================================
    log.c - the log of the broker

    Each line is formatted whole into a buffer and written with one
    fputs under a mutex, so that lines of several threads never mix. The
    time is the wall clock's, ISO 8601 with milliseconds and the local
    zone's offset (+00:00 on a machine in UTC), which zsys_info's
    "26-12-07 19:21:12" lacks.
    ========================================================================= */

#define _DEFAULT_SOURCE                 //  localtime_r, tm_gmtoff

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>

#include "jbus/log.h"
#include "log.h"
#include "error.h"
#include "text.h"

//  Longest line written; a longer one is cut.
#define s_LINE_MAX 2048

static _Atomic int s_level = JB_LOG_INFO;
static pthread_mutex_t s_mutex = PTHREAD_MUTEX_INITIALIZER;
static FILE *s_file;                    //  NULL: stderr
static bool s_syslog;
static char s_ident [64] = "jbus";

void
jb_log_set_level(jb_log_level_t level)
{
    atomic_store(&s_level, (int) level);
}

jb_log_level_t
jb_log_level(void)
{
    return (jb_log_level_t) atomic_load(&s_level);
}

int
jb_log_level_parse(const char *text, jb_log_level_t *level, jb_error_t *error)
{
    assert(text);
    assert(level);
    static const char *names [] = { "error", "warn", "info", "debug" };
    for (int index = 0; index < 4; index++)
        if (strcmp(text, names[index]) == 0) {
            *level = (jb_log_level_t) index;
            return 0;
        }
    char shown [40];
    jb__text_escape(text, shown, sizeof shown);      //  it may reach a terminal
    return jb__error(error, JB_EINVAL, NULL, "\"%s\" is not a log level: error, warn, info or "
                     "debug", shown);
}

void
jb_log_set_ident(const char *ident)
{
    assert(ident);
    pthread_mutex_lock(&s_mutex);
    snprintf(s_ident, sizeof s_ident, "%s", ident);
    if (s_syslog) {
        closelog();
        openlog(s_ident, LOG_PID, LOG_DAEMON);
    }
    pthread_mutex_unlock(&s_mutex);
}

int
jb_log_set_file(const char *path, jb_error_t *error)
{
    FILE *file = NULL;
    if (path) {
        file = fopen(path, "a");
        if (!file)
            return jb__error(error, JB_EIO, NULL, "cannot open the log file %s: %s", path,
                             strerror(errno));
        setvbuf(file, NULL, _IOLBF, 0);
    }
    pthread_mutex_lock(&s_mutex);
    FILE *previous = s_file;
    s_file = file;
    pthread_mutex_unlock(&s_mutex);
    if (previous)
        fclose(previous);
    return 0;
}

void
jb_log_set_syslog(bool syslog)
{
    pthread_mutex_lock(&s_mutex);
    if (syslog && !s_syslog)
        openlog(s_ident, LOG_PID, LOG_DAEMON);
    else
    if (!syslog && s_syslog)
        closelog();
    s_syslog = syslog;
    pthread_mutex_unlock(&s_mutex);
}

void
jb__log_time(int64_t time_ms, char *text, size_t size)
{
    struct tm local;
    time_t seconds = (time_t) (time_ms / 1000);
    localtime_r(&seconds, &local);
    long offset = local.tm_gmtoff / 60;    //  minutes east of UTC
    char sign = offset < 0? '-': '+';
    if (offset < 0)
        offset = -offset;
    size_t used = strftime(text, size, "%Y-%m-%dT%H:%M:%S", &local);
    snprintf(text + used, size - used, ".%03ld%c%02ld:%02ld", (long) (time_ms % 1000),
             sign, offset / 60, offset % 60);
}

void
jb_log(jb_log_level_t level, const char *format, ...)
{
    if ((int) level > atomic_load(&s_level))
        return;
    char text [s_LINE_MAX];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    struct timeval now;
    gettimeofday(&now, NULL);
    char time_text [JB__LOG_TIME_MAX];
    jb__log_time((int64_t) now.tv_sec * 1000 + now.tv_usec / 1000, time_text, sizeof time_text);
    static const char letters [] = "EWID";
    static const int priorities [] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
    int index = level >= JB_LOG_ERROR && level <= JB_LOG_DEBUG? (int) level: JB_LOG_ERROR;
    char line [s_LINE_MAX + 128];
    pthread_mutex_lock(&s_mutex);
    snprintf(line, sizeof line, "%s %c %s: %s\n", time_text, letters[index], s_ident, text);
    if (s_syslog)
        syslog(priorities[index], "%s", text);
    else {
        fputs(line, s_file? s_file: stderr);
        fflush(s_file? s_file: stderr);
    }
    pthread_mutex_unlock(&s_mutex);
}
