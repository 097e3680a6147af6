add_library(whistle_warnings INTERFACE)
target_compile_options(whistle_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor>
  $<$<COMPILE_LANGUAGE:C>:-Wall -Wextra -Wpedantic>
  $<$<BOOL:${WHISTLE_WARNINGS_AS_ERRORS}>:-Werror>)
