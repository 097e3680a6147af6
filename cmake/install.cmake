# Installs the library, headers, CMake package (find_package(whistle)) and whistle.pc.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS whistle EXPORT whistleTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS whistle_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/whistle DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT whistleTargets NAMESPACE whistle:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/whistle)
configure_package_config_file(cmake/whistleConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/whistleConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/whistle)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/whistleConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/whistleConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/whistleConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/whistle)
configure_file(cmake/whistle.pc.in ${CMAKE_CURRENT_BINARY_DIR}/whistle.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/whistle.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
