/*  =========================================================================
    file.c - reading a small file whole
    ========================================================================= */

#define _POSIX_C_SOURCE 200809L

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "jbus.h"
#include "file.h"
#include "curve.h"

//  --------------------------------------------------------------------------

int
jb__file_read(const char *path, size_t max, char **text_p, size_t *size_p)
{
    unsigned mode;
    return jb__file_read_mode(path, max, text_p, size_p, &mode);
}

//  --------------------------------------------------------------------------

int
jb__file_read_mode(const char *path, size_t max, char **text_p, size_t *size_p,
                   unsigned *mode_p)
{
    assert(path);
    assert(text_p);
    assert(size_p);
    assert(mode_p);
    FILE *file = fopen(path, "rb");
    if (!file)
        return errno;
    //  The open file's mode, not the path's: the same file as the bytes
    struct stat status;
    if (fstat(fileno(file), &status) == -1) {
        int stat_errno = errno;
        fclose(file);
        return stat_errno;
    }
    //  One byte more than max, to tell a file of max bytes from a larger one
    char *text = (char *) malloc(max + 1);
    size_t size = text? fread(text, 1, max + 1, file): 0;
    int read_errno = ferror(file)? errno: 0;
    fclose(file);
    if (!text)
        return ENOMEM;
    if (read_errno || size > max) {
        jb__curve_wipe(text, size);
        free(text);
        return read_errno? read_errno: EFBIG;
    }
    text[size] = '\0';
    *text_p = text;
    *size_p = size;
    *mode_p = (unsigned) (status.st_mode & 07777);
    return 0;
}
