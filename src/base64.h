/*  =========================================================================
    base64.h - RFC 4648 base64 (private to the library)

    Not installed. Non-static internals are named jb__<name> (STYLE.md).
    ========================================================================= */

#ifndef JBUS_BASE64_PRIVATE_H_INCLUDED
#define JBUS_BASE64_PRIVATE_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

//  RFC 4648 base64 with padding. encoded_size is the length of the
//  text for size bytes. decode is strict: it accepts only the canonical
//  alphabet with correct padding and no whitespace, and returns the decoded
//  length or -1. The output buffer needs jb__base64_decoded_max(size) bytes.
size_t
    jb__base64_encoded_size(size_t size);
void
    jb__base64_encode(const uint8_t *bytes, size_t size, char *text);
size_t
    jb__base64_decoded_max(size_t size);
long
    jb__base64_decode(const char *text, size_t size, uint8_t *bytes);

#endif
