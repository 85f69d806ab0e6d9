# weft_register_tests(target exclude_regex only_regex): one CTest test per doctest
# test suite, listed at configure time from tests/**/*.cpp (TEST_SUITE("name")), so
# `ctest -R core` etc. select subsets and a missing suite fails loudly. Files whose
# path matches exclude_regex are skipped; a non-empty only_regex keeps just the
# files that match it. The CUDA runner (only_regex "tests/cuda/") exits 77 without a
# GPU, which ctest reports as skipped.
function(weft_register_tests target exclude_regex only_regex)
  file(GLOB_RECURSE _files CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/tests/*.cpp)
  if(NOT exclude_regex STREQUAL "")
    list(FILTER _files EXCLUDE REGEX "${exclude_regex}")
  endif()
  if(NOT only_regex STREQUAL "")
    list(FILTER _files INCLUDE REGEX "${only_regex}")
  endif()
  set(_suites "")
  foreach(_f ${_files})
    file(STRINGS ${_f} _lines REGEX "TEST_SUITE\\(\"[^\"]+\"")
    foreach(_l ${_lines})
      string(REGEX MATCH "TEST_SUITE\\(\"([^\"]+)\"" _m "${_l}")
      list(APPEND _suites ${CMAKE_MATCH_1})
    endforeach()
  endforeach()
  list(REMOVE_DUPLICATES _suites)
  foreach(_s ${_suites})
    add_test(NAME ${_s} COMMAND ${target} --test-suite=${_s} --no-version)
    # A suite that matched no test case must not pass silently. ctest -j runs suites
    # side by side on few cores: passive OpenMP waiting keeps idle threads from
    # spinning against the other suite (5x faster under load, same numbers).
    set_tests_properties(${_s} PROPERTIES ENVIRONMENT "OMP_NUM_THREADS=2;OMP_WAIT_POLICY=passive"
      FAIL_REGULAR_EXPRESSION "test cases: +0 [|]" SKIP_RETURN_CODE 77)
  endforeach()
endfunction()
