/*  =========================================================================
    jbus/export.h - symbol visibility for the jbus library

    The library is built with hidden visibility: only what a public header
    marks with JB_EXPORT is part of the ABI.
    ========================================================================= */

#ifndef JBUS_EXPORT_H_INCLUDED
#define JBUS_EXPORT_H_INCLUDED

#if defined(JB_BUILDING_LIBRARY) && defined(__GNUC__)
#   define JB_EXPORT __attribute__((visibility("default")))
#else
#   define JB_EXPORT
#endif

#if defined(__GNUC__)
#   define JB_PRINTF(fmt_index, args_index) \
        __attribute__((format(printf, fmt_index, args_index)))
#else
#   define JB_PRINTF(fmt_index, args_index)
#endif

#endif
