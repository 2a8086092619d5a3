/*  =========================================================================
    terminal.c - what the tools write from the wire, made safe for a terminal
    ========================================================================= */

#include "terminal.h"

int
cmd_terminal_write_json(FILE *stream, const char *json, size_t size)
{
    const unsigned char *bytes = (const unsigned char *) json;
    size_t start = 0;               //  the bytes before offset not yet written
    for (size_t offset = 0; offset < size; ) {
        unsigned code;
        size_t length;
        if (bytes[offset] < 0x20 || bytes[offset] == 0x7F) {
            code = bytes[offset];
            length = 1;
        }
        else
        if (bytes[offset] == 0xC2 && offset + 1 < size && bytes[offset + 1] >= 0x80
        &&  bytes[offset + 1] <= 0x9F) {
            code = bytes[offset + 1];   //  U+0080-U+009F in UTF-8
            length = 2;
        }
        else {
            offset++;
            continue;
        }
        fwrite(json + start, 1, offset - start, stream);
        fprintf(stream, "\\u%04x", code);
        offset += length;
        start = offset;
    }
    fwrite(json + start, 1, size - start, stream);
    return ferror(stream)? -1: 0;
}

void
cmd_terminal_write_text(FILE *stream, const char *text, size_t max)
{
    size_t index = 0;
    for (; text[index] && index < max; index++) {
        unsigned char byte = (unsigned char) text[index];
        if (byte >= 0x20 && byte < 0x7F)
            fputc(byte, stream);
        else
            fprintf(stream, "\\x%02x", byte);
    }
    if (text[index])
        fputs("...", stream);
}
