/*  =========================================================================
    file.h - reading a small file whole, between jbus sources

    For the broker's config file and CURVE certificates, which are read
    whole and then parsed from memory. Not installed.
    ========================================================================= */

#ifndef JBUS_PRIVATE_FILE_H_INCLUDED
#define JBUS_PRIVATE_FILE_H_INCLUDED

#include <stddef.h>

//  Read the whole file at path, at most max bytes, into a new
//  NUL-terminated buffer, *text_p (the caller's, to free), of *size_p
//  bytes before the NUL. Returns 0, or an errno value with nothing
//  allocated: why the file cannot be opened or read, EFBIG when it holds
//  more than max bytes, ENOMEM. What was read of a file that fails is
//  wiped before it is freed, as the file may hold a secret key.
int
    jb__file_read(const char *path, size_t max, char **text_p, size_t *size_p);

//  jb__file_read, and on success *mode_p gets the permission bits (e.g.
//  0600) of the file as it was read: fstat of the open file, not of a file
//  put at path since.
int
    jb__file_read_mode(const char *path, size_t max, char **text_p, size_t *size_p,
                       unsigned *mode_p);

#endif
