#  manpage.cmake: make a man page from a program's --help and --version with
#  help2man, at build time (cmake/Packaging.cmake runs it).
#    cmake -DHELP2MAN=... -DPROGRAM=... -DSECTION=1 -DNAME="one line"
#          -DINCLUDE=page.h2m [-DCOMMANDS=pub,sub] -DOUTPUT=page.1 -P manpage.cmake
#  With COMMANDS, the help of each `PROGRAM COMMAND --help` is added as a
#  section of its own (help2man reads only the top-level --help). A help
#  that fails fails the build: a man page must not go out half empty.
foreach(variable HELP2MAN PROGRAM SECTION NAME INCLUDE OUTPUT)
    if(NOT DEFINED ${variable})
        message(FATAL_ERROR "manpage.cmake: -D${variable}= is missing")
    endif()
endforeach()

file(READ "${INCLUDE}" include_text)
string(REPLACE "," ";" COMMANDS "${COMMANDS}")
foreach(command IN LISTS COMMANDS)
    execute_process(COMMAND "${PROGRAM}" ${command} --help
        OUTPUT_VARIABLE help RESULT_VARIABLE status ERROR_VARIABLE error)
    if(NOT status EQUAL 0)
        message(FATAL_ERROR "manpage.cmake: ${PROGRAM} ${command} --help: exit ${status}: ${error}")
    endif()
    #  roff: a backslash is \e; a line that starts with . or ' is a request
    string(REPLACE "\\" "\\e" help "${help}")
    string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" help "${help}")
    string(APPEND commands_text ".SS \"${command}\"\n.nf\n${help}.fi\n")
endforeach()
if(commands_text)
    string(APPEND include_text "\n[COMMANDS IN DETAIL]\n${commands_text}")
endif()
set(include_file "${OUTPUT}.h2m")
file(WRITE "${include_file}" "${include_text}")

execute_process(COMMAND "${HELP2MAN}" --no-info --section "${SECTION}" --name "${NAME}"
        --include "${include_file}" --output "${OUTPUT}" "${PROGRAM}"
    RESULT_VARIABLE status ERROR_VARIABLE error)
if(NOT status EQUAL 0)
    file(REMOVE "${OUTPUT}")
    message(FATAL_ERROR "manpage.cmake: help2man ${PROGRAM} failed (${status}): ${error}")
endif()
