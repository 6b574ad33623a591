# The Debian package: `cpack -G DEB` in a Release tree writes tagfailover_VERSION_ARCH.deb.
#
# What it installs is the tree's install rules (CMakeLists.txt and the ones below) with the
# prefix /usr whatever the tree's, with three package-only touches: the systemd units go to
# /lib/systemd/system (where Debian 12 packages put them; cmake --install keeps
# <prefix>/lib/systemd/system), the binary is stripped (as dh_strip does), and the maintainer
# scripts of scripts/debian/ create the tagfailover user, own /etc/tagfailover and enable the
# unit. The README's "Installing the Debian package" lists the
# files; tests/integration/package.test.sh holds the two to each other and runs lintian.

# The manual page (with the project's version) and the changelog, compressed as Debian wants
# them (gzip -9n: no name, no timestamp, so the same input gives the same bytes). Made when
# configuring, like the units, so that an install never depends on which targets were built.
find_program(TF_GZIP gzip REQUIRED)
configure_file(${CMAKE_CURRENT_LIST_DIR}/tagfailover.1.in ${PROJECT_BINARY_DIR}/tagfailover.1 @ONLY)
foreach(_tf_pair "${PROJECT_BINARY_DIR}/tagfailover.1|tagfailover.1.gz"
                 "${CMAKE_CURRENT_LIST_DIR}/changelog|changelog.gz")
    string(REPLACE "|" ";" _tf_pair "${_tf_pair}")
    list(GET _tf_pair 0 _tf_in)
    list(GET _tf_pair 1 _tf_out)
    execute_process(COMMAND ${TF_GZIP} -9n -c ${_tf_in}
                    OUTPUT_FILE ${PROJECT_BINARY_DIR}/${_tf_out} RESULT_VARIABLE _tf_rc)
    if(NOT _tf_rc EQUAL 0)
        message(FATAL_ERROR "gzip ${_tf_in} failed")
    endif()
endforeach()
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             ${CMAKE_CURRENT_LIST_DIR}/changelog)

install(FILES ${PROJECT_BINARY_DIR}/tagfailover.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_BINARY_DIR}/changelog.gz ${CMAKE_CURRENT_LIST_DIR}/copyright
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/scripts/nginx/tagfailover.conf
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples/nginx)
install(PROGRAMS ${PROJECT_SOURCE_DIR}/scripts/letsencrypt-deploy-hook
        DESTINATION ${CMAKE_INSTALL_DATADIR}/tagfailover)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/lintian-overrides
        DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides RENAME tagfailover)

set(TF_PACKAGE_MAINTAINER
    "tagfailover maintainers <maintainers@users.noreply.r-seed-4ca9560c.example>"
    CACHE STRING "The Debian package's Maintainer field")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tagfailover)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "tagfailover maintainers")
set(CPACK_PACKAGE_CONTACT "${TF_PACKAGE_MAINTAINER}")
# Everything under /usr whatever the tree's prefix, except /etc/tagfailover (the install rule
# in CMakeLists.txt decides it for the /usr prefix); DESTDIR staging lets that absolute path
# land in the package.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# The pre-build script takes the units from the source, written for /usr.
set(CPACK_TF_SYSTEMD_DIR ${PROJECT_SOURCE_DIR}/scripts/systemd)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Meraki tag-based IPsec VPN failover daemon")
# The long description: CPack puts each line after a blank, and "." for an empty line.
string(JOIN "\n" CPACK_PACKAGE_DESCRIPTION
    "tagfailover drives Meraki's tag-based IPsec VPN failover. It receives Cisco"
    "Meraki alert webhooks over TLS, checks the packet loss of a branch network's"
    "primary data center through the Meraki Dashboard API, and swaps the network's"
    "pair tags (london_primary_up + paris_backup_down to london_primary_down +"
    "paris_backup_up) to move the branch to its backup data center. It moves it back"
    "after a proven clean window, honours the Dashboard's rate limits, and keeps no"
    "state of its own: the tags are the state."
    ""
    "The package ships the daemon, a hardened systemd unit, a templated unit for one"
    "daemon per API key, the example configuration, and a certbot deploy hook for"
    "the listener's Let's Encrypt certificate.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The libraries' packages from dpkg-shlibdeps; adduser for the postinst; openssl for the
# deploy hook's check of a renewed pair (the daemon itself does not need the command).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "openssl")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "certbot, nginx-light | nginx")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_LIST_DIR}/postinst ${CMAKE_CURRENT_LIST_DIR}/prerm
    ${CMAKE_CURRENT_LIST_DIR}/postrm ${CMAKE_CURRENT_LIST_DIR}/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# The pre-build script moves the units and strips the binary as dh_strip does.
find_program(TF_STRIP strip REQUIRED)
set(CPACK_TF_STRIP ${TF_STRIP})
set(CPACK_PRE_BUILD_SCRIPTS ${CMAKE_CURRENT_LIST_DIR}/cpack-prebuild.cmake)
include(CPack)
