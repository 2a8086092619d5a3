#  Packaging.cmake: jbus as ops install it (issue 12, item 6). Man pages made
#  with help2man from the programs' --help, bash completion, and a Debian
#  package by CPack: in a build dir configured with -DCMAKE_INSTALL_PREFIX=/usr
#  (Debian's multiarch library dir), `cpack -G DEB` writes jbus_VERSION_ARCH.deb
#  with the library and headers, both programs, the man pages, the completion,
#  /etc/jbus/jbus-broker.cfg (a conffile), the systemd unit and its
#  sysusers.d user. tests/test_package.sh builds it and checks what it holds.

set(JBUS_PACKAGING_DIR ${PROJECT_SOURCE_DIR}/packaging)

# ---------------------------------------------------------------- man pages
#  help2man runs the programs just built, so not when they cannot run here
#  (cross-compiling) or would report leaks on exit (the sanitizer build).
find_program(JBUS_HELP2MAN help2man DOC "help2man, for the man pages jbus(1), jbus-broker(8)")
if(CMAKE_CROSSCOMPILING OR JBUS_SANITIZE)
    set(jbus_man_default OFF)
elseif(JBUS_HELP2MAN)
    set(jbus_man_default ON)
else()
    set(jbus_man_default OFF)
    message(WARNING "no help2man: no man pages are built or installed, and the Debian "
                    "package lacks them; install help2man (scripts/deps)")
endif()
option(JBUS_MANPAGES "Make the man pages jbus(1) and jbus-broker(8) with help2man"
    ${jbus_man_default})
if(JBUS_MANPAGES)
    if(NOT JBUS_HELP2MAN)
        message(FATAL_ERROR "JBUS_MANPAGES needs help2man (scripts/deps installs it)")
    endif()
    set(jbus_man_dir ${PROJECT_BINARY_DIR}/man)
    set(jbus_man_script ${JBUS_PACKAGING_DIR}/manpage.cmake)
    add_custom_command(OUTPUT ${jbus_man_dir}/jbus.1
        COMMAND ${CMAKE_COMMAND} -E make_directory ${jbus_man_dir}
        COMMAND ${CMAKE_COMMAND} -DHELP2MAN=${JBUS_HELP2MAN}
            -DPROGRAM=$<TARGET_FILE:jbus_cli> -DSECTION=1
            "-DNAME=work with CloudEvents on the jbus ZeroMQ bus"
            -DCOMMANDS=validate,pub,sub,stats,journal,bench,keygen
            -DINCLUDE=${JBUS_PACKAGING_DIR}/jbus.h2m -DOUTPUT=${jbus_man_dir}/jbus.1
            -P ${jbus_man_script}
        DEPENDS jbus_cli ${jbus_man_script} ${JBUS_PACKAGING_DIR}/jbus.h2m
        COMMENT "Making the man page jbus(1)" VERBATIM)
    add_custom_command(OUTPUT ${jbus_man_dir}/jbus-broker.8
        COMMAND ${CMAKE_COMMAND} -E make_directory ${jbus_man_dir}
        COMMAND ${CMAKE_COMMAND} -DHELP2MAN=${JBUS_HELP2MAN}
            -DPROGRAM=$<TARGET_FILE:jbus_broker> -DSECTION=8
            "-DNAME=the jbus broker: forward CloudEvents from publishers to subscribers"
            -DINCLUDE=${JBUS_PACKAGING_DIR}/jbus-broker.h2m
            -DOUTPUT=${jbus_man_dir}/jbus-broker.8 -P ${jbus_man_script}
        DEPENDS jbus_broker ${jbus_man_script} ${JBUS_PACKAGING_DIR}/jbus-broker.h2m
        COMMENT "Making the man page jbus-broker(8)" VERBATIM)
    add_custom_target(jbus_man ALL DEPENDS ${jbus_man_dir}/jbus.1 ${jbus_man_dir}/jbus-broker.8)
    install(FILES ${jbus_man_dir}/jbus.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
    install(FILES ${jbus_man_dir}/jbus-broker.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
endif()

# ---------------------------------------------------------------- completion
#  One file for both programs; bash-completion loads it by the command's name.
foreach(program jbus jbus-broker)
    install(FILES ${JBUS_PACKAGING_DIR}/jbus.bash-completion
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/bash-completion/completions RENAME ${program})
endforeach()

# ---------------------------------------------------------------- system files
#  Where systemd and Debian look, whatever the prefix; so only in the package
#  (component "system", left out of a plain `cmake --install`, which must not
#  write to /etc). The unit runs /usr/bin/jbus-broker: the package's prefix.
install(FILES ${PROJECT_SOURCE_DIR}/bus/jbus-broker.cfg DESTINATION /etc/jbus
    COMPONENT system EXCLUDE_FROM_ALL)
install(FILES ${JBUS_PACKAGING_DIR}/jbus-broker.service DESTINATION /usr/lib/systemd/system
    COMPONENT system EXCLUDE_FROM_ALL)
install(FILES ${JBUS_PACKAGING_DIR}/jbus.sysusers DESTINATION /usr/lib/sysusers.d
    RENAME jbus.conf COMPONENT system EXCLUDE_FROM_ALL)

# ---------------------------------------------------------------- CPack DEB
set(CPACK_PACKAGE_NAME jbus)
set(CPACK_PACKAGE_VENDOR jbus)
set(CPACK_PACKAGE_CONTACT "jbus maintainers <jbus@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "ZeroMQ pub/sub integration bus for CloudEvents v1.0")
set(CPACK_PACKAGE_DESCRIPTION "jbus carries CloudEvents v1.0 over ZeroMQ between the bounded
contexts of an application: the broker jbus-broker (a systemd service), the tool jbus
(validate, pub, sub, stats, journal, bench, keygen) and the C library libjbus with its headers.")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
#  One package of the default component (library, headers, programs, man
#  pages, completion) and the system files above.
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_COMPONENTS_ALL Unspecified system)
set(CPACK_DEBIAN_PACKAGE_NAME jbus)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
#  The postinst makes the user with systemd-sysusers, or adduser without systemd.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd | adduser")
find_program(JBUS_DPKG_SHLIBDEPS dpkg-shlibdeps DOC "dpkg-shlibdeps (dpkg-dev), for the package's Depends")
if(JBUS_DPKG_SHLIBDEPS)
    set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
else()
    message(WARNING "no dpkg-shlibdeps: the Debian package will not depend on the libraries "
                    "it links; install dpkg-dev (scripts/deps)")
endif()
#  A shlibs file for libjbus. Our postinst and postrm replace the ones CPack
#  would make to run ldconfig: deb/triggers asks libc-bin to run it instead.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${JBUS_PACKAGING_DIR}/deb/conffiles
    ${JBUS_PACKAGING_DIR}/deb/triggers ${JBUS_PACKAGING_DIR}/deb/postinst
    ${JBUS_PACKAGING_DIR}/deb/prerm ${JBUS_PACKAGING_DIR}/deb/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_GENERATOR DEB)
include(CPack)
