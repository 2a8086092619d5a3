#  jbus_embed_file(INPUT <file> OUTPUT <c file> SYMBOL <name>)
#
#  Adds a build rule that writes OUTPUT, a C file defining
#      const char <name>[];          the bytes of INPUT, then a NUL
#      const size_t <name>_size;     how many bytes, the NUL not counted
#  and writes it again whenever INPUT changes, so that a program carries a file
#  (the broker's status page) without reading it from disk at run time.
#  INPUT is relative to the current source directory, OUTPUT to the current
#  binary directory. Add OUTPUT to the sources of a target defined in the same
#  directory: that is what makes the rule run.
#
#  The writing is this same file run as a script:
#      cmake -DINPUT=<file> -DOUTPUT=<c file> -DSYMBOL=<name> -P EmbedFile.cmake

if(CMAKE_SCRIPT_MODE_FILE AND CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)
    foreach(arg INPUT OUTPUT SYMBOL)
        if(NOT DEFINED ${arg} OR "${${arg}}" STREQUAL "")
            message(FATAL_ERROR "EmbedFile.cmake: -D${arg}=... is missing")
        endif()
    endforeach()
    file(READ "${INPUT}" hex HEX)
    string(LENGTH "${hex}" hex_length)
    math(EXPR size "${hex_length} / 2")
    #  Every byte as a \xNN escape: no character of the input (quote,
    #  backslash, newline, a "??=" trigraph under -std=c11) can reach the
    #  compiler as itself, and as each escape ends at the next backslash or
    #  quote, no hex digit can extend one. 32 bytes to a line.
    string(REGEX REPLACE "(................................................................)"
        "\\1\n" lines "${hex}")
    string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" lines "${lines}")
    string(REGEX REPLACE "\n$" "" lines "${lines}")
    string(REPLACE "\n" "\"\n    \"" lines "${lines}")
    get_filename_component(input_name "${INPUT}" NAME)
    file(WRITE "${OUTPUT}"
"/*  Generated from ${input_name} by cmake/EmbedFile.cmake: edit that file, not this. */
#include <stddef.h>

extern const char ${SYMBOL}[];
extern const size_t ${SYMBOL}_size;

const char ${SYMBOL}[] =
    \"${lines}\";
const size_t ${SYMBOL}_size = ${size};
")
    return()
endif()

#  The path of this file, for the rule to run it: inside the function,
#  CMAKE_CURRENT_LIST_FILE is the caller's.
set(JBUS_EMBED_FILE_SCRIPT "${CMAKE_CURRENT_LIST_FILE}")

function(jbus_embed_file)
    cmake_parse_arguments(PARSE_ARGV 0 arg "" "INPUT;OUTPUT;SYMBOL" "")
    if(arg_UNPARSED_ARGUMENTS OR NOT arg_INPUT OR NOT arg_OUTPUT OR NOT arg_SYMBOL)
        message(FATAL_ERROR "usage: jbus_embed_file(INPUT <file> OUTPUT <c file> SYMBOL <name>)")
    endif()
    if(NOT arg_SYMBOL MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
        message(FATAL_ERROR "jbus_embed_file: SYMBOL '${arg_SYMBOL}' is not a C identifier")
    endif()
    get_filename_component(input "${arg_INPUT}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    get_filename_component(output "${arg_OUTPUT}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
    add_custom_command(OUTPUT "${output}"
        COMMAND "${CMAKE_COMMAND}" "-DINPUT=${input}" "-DOUTPUT=${output}" "-DSYMBOL=${arg_SYMBOL}"
            -P "${JBUS_EMBED_FILE_SCRIPT}"
        DEPENDS "${input}" "${JBUS_EMBED_FILE_SCRIPT}"
        COMMENT "Embedding ${arg_INPUT} as ${arg_SYMBOL}"
        VERBATIM)
endfunction()
