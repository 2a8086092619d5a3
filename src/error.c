/*  =========================================================================
    error.c - error codes, their names and texts
    ========================================================================= */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jbus.h"
#include "error.h"
#include "text.h"

const char *
jb_strerror(int code)
{
    switch (code) {
        case JB_OK: return "success";
#define JB_ERROR_TEXT(name, value, text) case value: return text;
        JB_ERROR_MAP(JB_ERROR_TEXT)
#undef JB_ERROR_TEXT
        default: return "unknown error";
    }
}

const char *
jb_error_name(int code)
{
    switch (code) {
        case JB_OK: return "JB_OK";
#define JB_ERROR_NAME(name, value, text) case value: return "JB_E" #name;
        JB_ERROR_MAP(JB_ERROR_NAME)
#undef JB_ERROR_NAME
        default: return "JB_UNKNOWN";
    }
}

void
jb_error_clear(jb_error_t *error)
{
    if (error) {
        error->code = 0;
        error->attribute[0] = '\0';
        error->message[0] = '\0';
    }
}

//  --------------------------------------------------------------------------
//  Fill error (if any) and return code, so failures read as one statement:
//      return jb__error(error, JB_EINVALID, "time", "not an RFC 3339 ...");
//  The message is prefixed with "attribute 'NAME': " when attribute is set.

int
jb__error(jb_error_t *error, int code, const char *attribute, const char *format, ...)
{
    if (!error)
        return code;
    error->code = code;
    //  what is quoted came from outside, so the texts are escaped for a
    //  terminal here, once, for every program that prints them
    char raw [JB_ERROR_MESSAGE_MAX];
    jb__text_escape(attribute? attribute: "", error->attribute, sizeof error->attribute);
    size_t used = 0;
    if (attribute) {
        int n = snprintf(raw, sizeof raw, "attribute '%s': ", error->attribute);
        used = n > 0 && (size_t) n < sizeof raw? (size_t) n: 0;
    }
    va_list args;
    va_start(args, format);
    vsnprintf(raw + used, sizeof raw - used, format, args);
    va_end(args);
    jb__text_escape(raw + used, error->message + used, sizeof error->message - used);
    memcpy(error->message, raw, used);
    return code;
}
