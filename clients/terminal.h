/*  =========================================================================
    terminal.h - what the tools write from the wire, made safe for a terminal

    An event's JSON may hold, inside its strings, characters that a terminal
    acts on: JSON lets DEL and the C1 controls (U+007F-U+009F, among them
    U+009B, a CSI) stand as they are. The library's error messages are
    already escaped (jb_error_t); what the tools print of an event goes
    through here.
    ========================================================================= */

#ifndef JBUS_CLI_TERMINAL_H_INCLUDED
#define JBUS_CLI_TERMINAL_H_INCLUDED

#include <stddef.h>
#include <stdio.h>

//  Write size bytes of JSON text to stream with every control character
//  (U+0000-U+001F, U+007F-U+009F) as a \u escape: the same JSON value,
//  since outside strings JSON holds none of them. Returns 0, or -1 when
//  the stream failed.
int
    cmd_terminal_write_json(FILE *stream, const char *json, size_t size);

//  Write up to max bytes of the NUL-terminated text to stream with every
//  byte outside printable ASCII as \xNN, and "..." when it went on: for
//  what is shown of an answer that is not what was expected.
void
    cmd_terminal_write_text(FILE *stream, const char *text, size_t max);

#endif
