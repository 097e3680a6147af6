# Third-party packages, all from Debian (scripts/install-deps.sh installs them).
find_package(simdjson REQUIRED)
find_package(FlatBuffers REQUIRED)
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED)  # headers only: Asio (realtime clock), Geometry (bench peer)

if(NOT TARGET flatbuffers::flatc)
  find_program(WHISTLE_FLATC flatc REQUIRED)
  add_executable(flatbuffers::flatc IMPORTED)
  set_target_properties(flatbuffers::flatc PROPERTIES IMPORTED_LOCATION ${WHISTLE_FLATC})
endif()

if(WHISTLE_DEVELOPER_MODE)
  find_package(GTest REQUIRED)
  find_package(CLI11 REQUIRED)
  if(WHISTLE_BUILD_BENCH)
    find_package(benchmark REQUIRED)
    find_package(TBB REQUIRED)  # tbb::concurrent_hash_map, the case store's peer
  endif()
else()
  find_package(CLI11 REQUIRED)
endif()

# Generates C++ headers from FlatBuffers schemas at build time into an interface target.
function(whistle_flatbuffers_target target)
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/generated)
  set(headers)
  foreach(schema IN LISTS ARGN)
    get_filename_component(name ${schema} NAME_WE)
    set(header ${out_dir}/${name}_generated.h)
    add_custom_command(
      OUTPUT ${header}
      COMMAND flatbuffers::flatc --cpp --scoped-enums -o ${out_dir} ${CMAKE_CURRENT_SOURCE_DIR}/${schema}
      DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${schema}
      COMMENT "flatc ${schema}")
    list(APPEND headers ${header})
  endforeach()
  add_custom_target(${target}_generate DEPENDS ${headers})
  add_library(${target} INTERFACE)
  add_dependencies(${target} ${target}_generate)
  # The FlatBuffers runtime we use is header-only: no library to link.
  target_include_directories(${target} SYSTEM INTERFACE $<BUILD_INTERFACE:${out_dir}>)
endfunction()
