# Run at build time (POST_BUILD, `cmake -P`) for one gtest binary: lists its tests and writes a
# CTest file that registers one test per *suite* (`--gtest_filter=Suite.*`), named
# LAYER.Suite. One process per suite, not per test: many suites build an expensive shared
# fixture once in SetUpTestSuite() (a hard-linked root, seven recompressed kernel payloads, a
# warm module cache), and a process per test paid it once per test. `ctest -R Suite` still
# picks a suite; `BINARY --gtest_filter=Suite.Test` runs one test.
# Inputs: -DBINARY= -DLAYER= -DOUT= -DOFSCK_BIN=
execute_process(COMMAND "${BINARY}" --gtest_list_tests
                OUTPUT_VARIABLE listing RESULT_VARIABLE rc TIMEOUT 60)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${BINARY} --gtest_list_tests failed (${rc}):\n${listing}")
endif()
string(REPLACE "\n" ";" lines "${listing}")
set(body "")
foreach(line IN LISTS lines)
  # Suite lines start in column 0 and end with '.' (a typed suite adds "  # TypeParam = …").
  if(line MATCHES "^([A-Za-z_][A-Za-z0-9_/]*)\\.( .*)?$")
    set(suite "${CMAKE_MATCH_1}")
    string(APPEND body
      "add_test([=[${LAYER}.${suite}]=] [=[${BINARY}]=] [=[--gtest_filter=${suite}.*]=])\n"
      "set_tests_properties([=[${LAYER}.${suite}]=] PROPERTIES ENVIRONMENT [=[OFSCK_BIN=${OFSCK_BIN}]=])\n")
  endif()
endforeach()
file(WRITE "${OUT}.tmp" "${body}")
file(RENAME "${OUT}.tmp" "${OUT}")
