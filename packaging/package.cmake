# Install layout and the packages `make package` builds: one CPack description gives the .deb
# (dpkg-shlibdeps for its Depends) and the .rpm (rpmbuild's automatic soname Requires).
# Configure with -DCMAKE_INSTALL_PREFIX=/usr so that the config file goes to /etc (GNUInstallDirs
# maps sysconfdir to /etc for that prefix only).
include(GNUInstallDirs)

# /usr/sbin: ofsck is a tool for the system administrator (FHS 4.10 and Debian policy 9.1.1:
# /usr/sbin; its manual pages are section 8, like depmod(8) and modprobe(8) it models).
install(TARGETS ofsck RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})

# Manual pages and completions, made by the built binary from its command table (gen-docs.sh).
set(OFSCK_GEN_DOCS ${CMAKE_BINARY_DIR}/gen/doc)
add_custom_command(
  OUTPUT ${OFSCK_GEN_DOCS}/stamp
  COMMAND bash ${CMAKE_SOURCE_DIR}/packaging/gen-docs.sh $<TARGET_FILE:ofsck> ${OFSCK_GEN_DOCS}
  COMMAND ${CMAKE_COMMAND} -E touch ${OFSCK_GEN_DOCS}/stamp
  DEPENDS ofsck ${CMAKE_SOURCE_DIR}/packaging/gen-docs.sh ${CMAKE_SOURCE_DIR}/packaging/changelog
  COMMENT "Manual pages and shell completion from ofsck's command table"
  VERBATIM)
add_custom_target(ofsck_docs ALL DEPENDS ${OFSCK_GEN_DOCS}/stamp)

install(DIRECTORY ${OFSCK_GEN_DOCS}/man8/ DESTINATION ${CMAKE_INSTALL_MANDIR}/man8
        FILES_MATCHING PATTERN "*.8.gz")
install(FILES ${OFSCK_GEN_DOCS}/bash/ofsck
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
# Debian's zsh searches vendor-completions for packaged completion functions.
install(FILES ${OFSCK_GEN_DOCS}/zsh/_ofsck DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/ofsck.conf
        DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/ofsck)
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_SOURCE_DIR}/docs/json-schema.md
              ${CMAKE_SOURCE_DIR}/docs/architecture.md ${CMAKE_SOURCE_DIR}/packaging/copyright
              ${OFSCK_GEN_DOCS}/changelog.gz
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

# Integrations (issue 10), each tested by tests/integrations/*_test.sh: NHC's check_ofsck, the
# kernel install hooks (systemd kernel-install plugin, Debian postinst.d) and the program they
# share. The files under /etc are conffiles (.deb) and %config(noreplace) (.rpm).
# /usr/lib, not the multiarch LIBDIR; relative: an absolute DESTINATION is %config in the .rpm.
set(OFSCK_PREFIX_LIB ${CMAKE_INSTALL_PREFIX}/lib)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/nhc/ofsck.nhc
        DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/nhc/scripts)
install(PROGRAMS ${CMAKE_SOURCE_DIR}/packaging/kernel/kernel-hook DESTINATION lib/ofsck)
install(PROGRAMS ${CMAKE_SOURCE_DIR}/packaging/kernel/55-ofsck.install
        DESTINATION lib/kernel/install.d)
install(PROGRAMS ${CMAKE_SOURCE_DIR}/packaging/kernel/postinst.d-ofsck
        DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/kernel/postinst.d RENAME ofsck)
# Ansible local fact: `ansible_local.ofsck` is the snapshot summary.
install(PROGRAMS ${CMAKE_SOURCE_DIR}/packaging/ansible/ofsck.fact
        DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/ansible/facts.d)
set(OFSCK_INTEGRATION_CONFFILES ${CMAKE_INSTALL_FULL_SYSCONFDIR}/nhc/scripts/ofsck.nhc
    ${CMAKE_INSTALL_FULL_SYSCONFDIR}/kernel/postinst.d/ofsck
    ${CMAKE_INSTALL_FULL_SYSCONFDIR}/ansible/facts.d/ofsck.fact)
# Directories of NHC, systemd and the kernel packages: not ours in the .rpm.
set(OFSCK_INTEGRATION_DIRS ${CMAKE_INSTALL_FULL_SYSCONFDIR}/nhc
    ${CMAKE_INSTALL_FULL_SYSCONFDIR}/nhc/scripts ${CMAKE_INSTALL_FULL_SYSCONFDIR}/kernel
    ${CMAKE_INSTALL_FULL_SYSCONFDIR}/kernel/postinst.d ${CMAKE_INSTALL_FULL_SYSCONFDIR}/ansible
    ${CMAKE_INSTALL_FULL_SYSCONFDIR}/ansible/facts.d ${OFSCK_PREFIX_LIB}/kernel
    ${OFSCK_PREFIX_LIB}/kernel/install.d)

set(OFSCK_MAINTAINER "ofsck developers <ofsck@example.org>"
    CACHE STRING "Maintainer named in the .deb and .rpm")
set(CPACK_GENERATOR "DEB;RPM")
set(CPACK_PACKAGE_NAME ofsck)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${OFSCK_MAINTAINER})
set(CPACK_PACKAGE_VENDOR "ofsck developers")
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/packages)
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "predict, before reboot, whether kernel modules will load")
set(CPACK_PACKAGE_DESCRIPTION
    "ofsck models a node offline: which file wins for every module name (exactly as kmod's\n"
    "depmod decides), which provider each imported symbol binds to, and whether signatures,\n"
    "module_layout, vermagic, symbol CRCs, licences and namespaces pass the kernel's own\n"
    "checks, in the kernel's own order. It prints the kernel's own messages as compiler-style\n"
    "diagnostics or JSON, for a live system, an image tree, an initramfs, or packages about\n"
    "to be installed.")
string(REPLACE ";" "" CPACK_PACKAGE_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION}")

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
list(JOIN OFSCK_INTEGRATION_CONFFILES "\n" OFSCK_INTEGRATION_CONFFILES_LINES)
file(WRITE ${CMAKE_BINARY_DIR}/gen/debian/conffiles
     "${CMAKE_INSTALL_FULL_SYSCONFDIR}/ofsck/ofsck.conf\n${OFSCK_INTEGRATION_CONFFILES_LINES}\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_BINARY_DIR}/gen/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_RPM_FILE_NAME RPM-DEFAULT)
set(CPACK_RPM_PACKAGE_LICENSE "not stated")
set(CPACK_RPM_PACKAGE_GROUP "Applications/System")
set(CPACK_RPM_PACKAGE_AUTOREQ ON)
set(CPACK_RPM_PACKAGE_AUTOPROV OFF)
# No /usr/lib/.build-id links: the .rpm holds exactly the .deb's files.
set(CPACK_RPM_SPEC_MORE_DEFINE "%define _build_id_links none")
set(CPACK_RPM_USER_FILELIST
    "%config(noreplace) ${CMAKE_INSTALL_FULL_SYSCONFDIR}/ofsck/ofsck.conf")
foreach(f ${OFSCK_INTEGRATION_CONFFILES})
  list(APPEND CPACK_RPM_USER_FILELIST "%config(noreplace) ${f}")
endforeach()
# Directories owned by the base system (filesystem, bash-completion, zsh) are not ours.
set(CPACK_RPM_EXCLUDE_FROM_AUTO_FILELIST_ADDITION
    ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_MANDIR}
    ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_MANDIR}/man8
    ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/bash-completion
    ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/bash-completion/completions
    ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/zsh
    ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions
    ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/doc
    ${OFSCK_INTEGRATION_DIRS})
include(CPack)
