# End-to-end test of `whistle sample`, `compile`, `locate` and `route` with the exact line
# formats of SPEC §6. Expected lines are those of the deterministic sample county.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

function(run_ok)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
endfunction()

# Runs `whistle <args>` with `input` on stdin and compares stdout with `expected`.
function(expect_output input expected)
  file(WRITE ${WORK}/stdin.txt "${input}")
  execute_process(COMMAND ${WHISTLE} ${ARGN} INPUT_FILE ${WORK}/stdin.txt
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "whistle ${ARGN} failed (${rc}): ${err}")
  endif()
  if(NOT out STREQUAL expected)
    message(FATAL_ERROR "whistle ${ARGN}\n--- expected ---\n${expected}\n--- got ---\n${out}")
  endif()
endfunction()

run_ok(${WHISTLE} sample --out ${WORK}/county)
run_ok(${WHISTLE} compile --model ${WORK}/county --out ${WORK}/county.wmodel)

set(points "118.6,36.7\n118.8,36.8\n0,0\n118.56,36.69\n")
set(leaves "370783002017G02\n370783005037G04\n\n370783001015G03\n")
expect_output("${points}" "${leaves}" locate --model ${WORK}/county)
expect_output("${points}" "${leaves}" locate --model ${WORK}/county.wmodel)

set(cases "traffic.01,118.6,36.7\ncleaning.01,118.8,36.8\nmarket.01,118.85,36.9\nenforcement.02,118.55,36.67\ntraffic.01,0,0\n")
set(routes "370783002017G02,D01,TWN-370783002;POL-370783002\n370783005037G04,COM-370783005037,GT-370783005037G04;D04\n370783013001G03,ADM-370783Z02,MKT-370783013\n370783001009G01,ENF-370783001,COM-370783001009\nunrouted,outside_territory\n")
expect_output("${cases}" "${routes}" route --model ${WORK}/county)
expect_output("${cases}" "${routes}" route --model ${WORK}/county.wmodel)

# A foreign flat layer with --code-property.
file(WRITE ${WORK}/layer.geojson "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{\"id\":7},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}}]}")
expect_output("0.5,0.5\n1.5,0.5\n" "7\n\n" locate --geojson ${WORK}/layer.geojson --code-property id)

# Bad input: a clear error naming the line, non-zero exit.
file(WRITE ${WORK}/bad.txt "118.6,36.7\nnot a point\n")
execute_process(COMMAND ${WHISTLE} locate --model ${WORK}/county INPUT_FILE ${WORK}/bad.txt
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0 OR NOT err MATCHES "stdin line 2" OR NOT out STREQUAL "370783002017G02\n")
  message(FATAL_ERROR "bad locate input: rc=${rc} out=${out} err=${err}")
endif()
file(WRITE ${WORK}/bad.txt "nosuch,118.6,36.7\n")
execute_process(COMMAND ${WHISTLE} route --model ${WORK}/county INPUT_FILE ${WORK}/bad.txt
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(rc EQUAL 0 OR NOT err MATCHES "stdin line 1: unknown matter 'nosuch'")
  message(FATAL_ERROR "bad route input: rc=${rc} err=${err}")
endif()
execute_process(COMMAND ${WHISTLE} route --model ${WORK}/missing RESULT_VARIABLE rc ERROR_VARIABLE err)
if(rc EQUAL 0 OR NOT err MATCHES "missing: cannot open")
  message(FATAL_ERROR "missing model: rc=${rc} err=${err}")
endif()

# whistle deadline: SPEC §2's worked example and working hours, in the calendar's offset.
set(starts "2025-09-26T10:00:00+08:00,3wd\n2025-09-26T02:00:00Z,4wh\n2025-09-30T16:30+08:00,1wh\n2025-09-26T10:00:00+08:00,90m\n")
set(deadlines "2025-10-01T00:00:00+08:00\n2025-09-26T15:30:00+08:00\n2025-09-30T17:30:00+08:00\n2025-09-26T11:30:00+08:00\n")
expect_output("${starts}" "${deadlines}" deadline --model ${WORK}/county --calendar cn)
expect_output("${starts}" "${deadlines}" deadline --model ${WORK}/county.wmodel --calendar cn)
file(WRITE ${WORK}/bad.txt "2025-09-26T10:00:00+08:00,0wd\n")
execute_process(COMMAND ${WHISTLE} deadline --model ${WORK}/county --calendar cn INPUT_FILE ${WORK}/bad.txt
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(rc EQUAL 0 OR NOT err MATCHES "stdin line 1: duration '0wd': the count must be positive")
  message(FATAL_ERROR "bad deadline input: rc=${rc} err=${err}")
endif()
# A line with a field too many is refused whole, not read into its last field.
function(expect_field_too_many fields line)  # ARGN: the subcommand and its options
  file(WRITE ${WORK}/bad.txt "${line}\n")
  execute_process(COMMAND ${WHISTLE} ${ARGN} INPUT_FILE ${WORK}/bad.txt
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  string(FIND "${err}" "stdin line 1: expected '${fields}', got '${line}'" at)  # literal: '+' and '.'
  if(rc EQUAL 0 OR NOT out STREQUAL "" OR at EQUAL -1)
    message(FATAL_ERROR "${ARGN}, a field too many: rc=${rc} out=${out} err=${err}")
  endif()
endfunction()
expect_field_too_many("start,duration" "2025-09-26T10:00:00+08:00,3wd,x" deadline --model ${WORK}/county --calendar cn)
expect_field_too_many("lon,lat" "118.6,36.7,0" locate --model ${WORK}/county)
expect_field_too_many("matter,lon,lat" "traffic.01,118.6,36.7,x" route --model ${WORK}/county)
# A working-day deadline past the calendars' range (1900-2199).
file(WRITE ${WORK}/bad.txt "2199-12-30T10:00:00+08:00,3wd\n")
execute_process(COMMAND ${WHISTLE} deadline --model ${WORK}/county --calendar cn INPUT_FILE ${WORK}/bad.txt
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0 OR NOT out STREQUAL "" OR NOT err MATCHES "stdin line 1: the deadline falls outside 1900-2199")
  message(FATAL_ERROR "deadline past 2199: rc=${rc} out=${out} err=${err}")
endif()
execute_process(COMMAND ${WHISTLE} deadline --model ${WORK}/county --calendar moon INPUT_FILE ${WORK}/bad.txt
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(rc EQUAL 0 OR NOT err MATCHES "unknown calendar 'moon'")
  message(FATAL_ERROR "unknown calendar: rc=${rc} err=${err}")
endif()

# whistle replay: every row kind, a denied row (its event, then its error), an unknown matter,
# a point outside the territory whose dispatch stage breaches at the top; exact JSON lines.
file(WRITE ${WORK}/ops.csv "at,op,case,actor,matter,lon,lat,place,units,value,note
2025-09-26T10:00:00+08:00,submit,1,,traffic.02,118.6,36.7,,,hotline,BJ-001
2025-09-26T10:05:00+08:00,accept,1,D01,,,,,,,
2025-09-26T10:06:00+08:00,accept,1,D02,,,,,,,
2025-09-26T10:07:00+08:00,whistle,1,D01,,,,,D02;D03,,
2025-09-26T10:08:00+08:00,report_in,1,D02,,,,,,,
2025-09-26T10:09:00+08:00,resolve,1,D01,,,,,,,\"fixed, with \"\"quotes\"\"\"
2025-09-26T10:10:00+08:00,verify,1,CTR-370783,,,,,,pass,
2025-09-26T10:11:00+08:00,evaluate,1,CTR-370783,,,,,,5,
2025-09-26T10:12:00+08:00,submit,2,,nosuch,118.6,36.7,,,app,
2025-09-26T10:13:00+08:00,submit,3,,traffic.02,200,36.7,,,app,
2025-09-30T10:00:00+08:00,advance,,,,,,,,,
")
execute_process(COMMAND ${WHISTLE} replay --model ${WORK}/county --ops ${WORK}/ops.csv
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(expected "{\"seq\":1,\"at\":\"2025-09-26T10:00:00+08:00\",\"case\":1,\"kind\":\"dispatched\",\"actor\":null,\"units\":[\"D01\",\"TWN-370783002\"],\"stage\":null,\"level\":0,\"detail\":\"370783002017G02\"}
{\"seq\":2,\"at\":\"2025-09-26T10:05:00+08:00\",\"case\":1,\"kind\":\"accepted\",\"actor\":\"D01\",\"units\":[],\"stage\":\"accept\",\"level\":0,\"detail\":\"\"}
{\"seq\":3,\"at\":\"2025-09-26T10:06:00+08:00\",\"case\":1,\"kind\":\"denied\",\"actor\":\"D02\",\"units\":[],\"stage\":null,\"level\":0,\"detail\":\"accept\"}
{\"line\":4,\"at\":\"2025-09-26T10:06:00+08:00\",\"case\":1,\"kind\":\"error\",\"op\":\"accept\",\"status\":\"EDENIED\",\"message\":\"unit D02 may not accept case 1\"}
{\"seq\":4,\"at\":\"2025-09-26T10:07:00+08:00\",\"case\":1,\"kind\":\"whistled\",\"actor\":\"D01\",\"units\":[\"D02\",\"D03\"],\"stage\":\"report\",\"level\":0,\"detail\":\"\"}
{\"seq\":5,\"at\":\"2025-09-26T10:08:00+08:00\",\"case\":1,\"kind\":\"reported_in\",\"actor\":\"D02\",\"units\":[\"D02\"],\"stage\":\"report\",\"level\":0,\"detail\":\"\"}
{\"seq\":6,\"at\":\"2025-09-26T10:09:00+08:00\",\"case\":1,\"kind\":\"resolved\",\"actor\":\"D01\",\"units\":[],\"stage\":\"resolve\",\"level\":0,\"detail\":\"fixed, with \\\"quotes\\\"\"}
{\"seq\":7,\"at\":\"2025-09-26T10:10:00+08:00\",\"case\":1,\"kind\":\"verified\",\"actor\":\"CTR-370783\",\"units\":[],\"stage\":\"verify\",\"level\":0,\"detail\":\"\"}
{\"seq\":8,\"at\":\"2025-09-26T10:11:00+08:00\",\"case\":1,\"kind\":\"closed\",\"actor\":\"CTR-370783\",\"units\":[],\"stage\":\"revisit\",\"level\":0,\"detail\":\"score:5\"}
{\"line\":10,\"at\":\"2025-09-26T10:12:00+08:00\",\"case\":2,\"kind\":\"error\",\"op\":\"submit\",\"status\":\"ENOTFOUND\",\"message\":\"ops.csv:10: field 'matter': unknown matter 'nosuch'\"}
{\"seq\":9,\"at\":\"2025-09-26T10:13:00+08:00\",\"case\":3,\"kind\":\"unrouted\",\"actor\":null,\"units\":[],\"stage\":null,\"level\":0,\"detail\":\"outside_territory\"}
{\"seq\":10,\"at\":\"2025-09-29T00:00:00+08:00\",\"case\":3,\"kind\":\"breached\",\"actor\":null,\"units\":[],\"stage\":\"dispatch\",\"level\":0,\"detail\":\"\"}
{\"seq\":11,\"at\":\"2025-09-29T00:00:00+08:00\",\"case\":3,\"kind\":\"escalated\",\"actor\":null,\"units\":[\"CTR-370783\"],\"stage\":\"dispatch\",\"level\":0,\"detail\":\"top\"}
")
if(NOT rc EQUAL 0 OR NOT out STREQUAL expected OR NOT err MATCHES "11 rows, 11 events, 2 errors")
  message(FATAL_ERROR "replay: rc=${rc}\n--- expected ---\n${expected}\n--- got ---\n${out}\n${err}")
endif()
execute_process(COMMAND ${WHISTLE} scores --model ${WORK}/county --ops ${WORK}/ops.csv
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "\nD01,1,1,1,1,1,1,1,0,0,0,0,0,0.1500,1.0000,1.0000,1.0000,0.0000,0.0000,,100.0\n"
   OR NOT out MATCHES "\nD03,0,0,0,0,0,0,0,0,0,1,0,0,,,,,,,0.0000,0.0\n")
  message(FATAL_ERROR "scores: rc=${rc}\n${out}\n${err}")
endif()
# Weights of the composite: D01's only rate with weight is on time (1.0000), D03's only defined
# rate, the report rate, has none: no composite.
execute_process(COMMAND ${WHISTLE} scores --model ${WORK}/county --ops ${WORK}/ops.csv
                        --weights on_time=1,response=0,satisfaction=0,no_return=0,no_redo=0,report_in=0
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "\nD01,[^\n]*,1.0000,1.0000,1.0000,0.0000,0.0000,,100.0\n"
   OR NOT out MATCHES "\nD03,0,0,0,0,0,0,0,0,0,1,0,0,,,,,,,0.0000,\n")
  message(FATAL_ERROR "scores with weights: rc=${rc}\n${out}\n${err}")
endif()
# By territory node (every unit serving the node or one below it: here the county's
# departments alone have facts) and by platform (every platform, with facts or not).
execute_process(COMMAND ${WHISTLE} scores --model ${WORK}/county --ops ${WORK}/ops.csv --by node
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "^node,received,accepted,[^\n]*,composite\n370783,1,1,1,1,1,1,1,0,0,2,1,0,0.1500,1.0000,1.0000,1.0000,0.0000,0.0000,0.5000,95.0\n$")
  message(FATAL_ERROR "scores --by node: rc=${rc}\n${out}\n${err}")
endif()
execute_process(COMMAND ${WHISTLE} scores --model ${WORK}/county --ops ${WORK}/ops.csv --by platform
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "^platform,[^\n]*\nzongzhi,0,0,0,0,0,0,0,0,0,1,1,0,,,,,,,1.0000,100.0\nmarket,0,0,0,0,0,0,0,0,0,0,0,0,,,,,,,,\nenforcement,1,1,1,1,1,1,1,0,0,1,0,0,0.1500,1.0000,1.0000,1.0000,0.0000,0.0000,0.0000,90.0\nservice,0,0,0,0,0,0,0,0,0,0,0,0,,,,,,,,\n$")
  message(FATAL_ERROR "scores --by platform: rc=${rc}\n${out}\n${err}")
endif()
# A period with no facts: the header alone.
execute_process(COMMAND ${WHISTLE} scores --model ${WORK}/county --ops ${WORK}/ops.csv --from 2025-09-27
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "^unit,[^\n]*,composite\n$")
  message(FATAL_ERROR "scores, an empty period: rc=${rc}\n${out}\n${err}")
endif()
execute_process(COMMAND ${WHISTLE} scores --model ${WORK}/missing --ops ${WORK}/ops.csv
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0 OR NOT out STREQUAL "" OR NOT err MATCHES "missing: cannot open")
  message(FATAL_ERROR "scores, a missing model: rc=${rc}\n${out}\n${err}")
endif()
# Bad arguments are refused before the replay, naming the option.
foreach(bad "--weights;response=-1;--weights: the weight of 'response' must be a number >= 0"
            "--weights;speed=3;--weights: 'speed=3' is not NAME=WEIGHT"
            "--weights;on_time=1,on_time=2;--weights: 'on_time' is given twice"
            "--weights;response=0,on_time=0,satisfaction=0,no_return=0,no_redo=0,report_in=0;at least one weight"
            "--to;2025-09-26;--to: '2025-09-26' is not after --from '2025-09-26'"
            "--to;2025-02-30;--to: '2025-02-30' is not a day")
  list(GET bad 0 option)
  list(GET bad 1 value)
  list(GET bad 2 message)
  execute_process(COMMAND ${WHISTLE} scores --model ${WORK}/county --ops ${WORK}/ops.csv --from 2025-09-26 ${option} ${value}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  string(FIND "${err}" "${message}" at)
  if(rc EQUAL 0 OR NOT out STREQUAL "" OR at EQUAL -1)
    message(FATAL_ERROR "scores ${option} ${value}: rc=${rc} out=${out} err=${err}")
  endif()
endforeach()
# Rows without a readable instant, or before year 0001: each an error object, and the replay
# goes on (the clock then starts at the first supported instant).
file(WRITE ${WORK}/no-instants.csv "at,op,case,actor,matter,lon,lat,place,units,value,note
,advance,,,,,,,,,
0000-06-01T00:00:00Z,submit,1,,traffic.02,118.6,36.7,,,hotline,
")
execute_process(COMMAND ${WHISTLE} replay --model ${WORK}/county --ops ${WORK}/no-instants.csv
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT err MATCHES "2 rows, 0 events, 2 errors" OR NOT out MATCHES "\"line\":3,.*\"status\":\"EINVAL\"")
  message(FATAL_ERROR "replay without instants: rc=${rc}\n${out}\n${err}")
endif()
# A row out of time order is an error of its own field, naming the row the clock came from.
file(WRITE ${WORK}/out-of-order.csv "at,op,case,actor,matter,lon,lat,place,units,value,note
2025-09-26T10:00:00+08:00,submit,1,,traffic.02,118.6,36.7,,,hotline,
2025-09-26T01:30:00Z,accept,1,D01,,,,,,,
2025-09-26T10:30:00+08:00,accept,1,D01,,,,,,,
")
execute_process(COMMAND ${WHISTLE} replay --model ${WORK}/county --ops ${WORK}/out-of-order.csv
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(FIND "${out}" "{\"line\":3,\"at\":\"2025-09-26T09:30:00+08:00\",\"case\":1,\"kind\":\"error\",\"op\":\"accept\",\"status\":\"EINVAL\",\"message\":\"out-of-order.csv:3: field 'at': 2025-09-26T01:30:00Z is before 2025-09-26T10:00:00+08:00 on line 2 (rows come in time order)\"}\n" at)
if(NOT rc EQUAL 0 OR at EQUAL -1 OR NOT out MATCHES "\"seq\":2,[^\n]*\"kind\":\"accepted\"" OR NOT err MATCHES "3 rows, 2 events, 1 errors")
  message(FATAL_ERROR "replay out of time order: rc=${rc}\n${out}\n${err}")
endif()
# A case placed by territory code, reopened by its evaluation (`2:reopen`) and resolved again
# with a note that JSON must escape; then a row of each field error the reader knows, each an
# error object naming its field, and the replay goes on. `\x01` is written by the test below.
file(WRITE ${WORK}/fields.csv "at,op,case,actor,matter,lon,lat,place,units,value,note
2025-09-26T10:00:00+08:00,submit,1,,traffic.02,,,370783002017G02,,hotline,
2025-09-26T10:05:00+08:00,accept,1,D01,,,,,,,
2025-09-26T10:09:00+08:00,resolve,1,D01,,,,,,,
2025-09-26T10:10:00+08:00,verify,1,CTR-370783,,,,,,pass,
2025-09-26T10:11:00+08:00,evaluate,1,CTR-370783,,,,,,2:reopen,
2025-09-26T10:12:00+08:00,resolve,1,D01,,,,,,,\"back\\slash\ttab CTRL\"
2025-09-26T10:13:00+08:00,evaluate,x1,CTR-370783,,,,,,2,
2025-09-26T10:14:00+08:00,evaluate,1,CTR-370783,,,,,,9,
2025-09-26T10:15:00+08:00,evaluate,1,CTR-370783,,,,,,2:again,
2025-09-26T10:16:00+08:00,fly,1,CTR-370783,,,,,,,
2025-09-26T10:17:00+08:00,submit,4,,traffic.02,,,,,app,
2025-09-26T10:18:00+08:00,submit,5,,traffic.02,,,NOPE,,app,
")
file(READ ${WORK}/fields.csv fields)
string(ASCII 1 ctrl)
string(REPLACE "CTRL" "${ctrl}" fields "${fields}")
file(WRITE ${WORK}/fields.csv "${fields}")
execute_process(COMMAND ${WHISTLE} replay --model ${WORK}/county --ops ${WORK}/fields.csv
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
foreach(line
    "{\"seq\":1,\"at\":\"2025-09-26T10:00:00+08:00\",\"case\":1,\"kind\":\"dispatched\",\"actor\":null,\"units\":[\"D01\",\"TWN-370783002\"],\"stage\":null,\"level\":0,\"detail\":\"370783002017G02\"}"
    "{\"seq\":5,\"at\":\"2025-09-26T10:11:00+08:00\",\"case\":1,\"kind\":\"reopened\",\"actor\":\"CTR-370783\",\"units\":[],\"stage\":\"revisit\",\"level\":0,\"detail\":\"score:2\"}"
    "{\"seq\":6,\"at\":\"2025-09-26T10:12:00+08:00\",\"case\":1,\"kind\":\"resolved\",\"actor\":\"D01\",\"units\":[],\"stage\":\"resolve\",\"level\":0,\"detail\":\"back\\\\slash\\ttab \\u0001\"}"
    "{\"line\":8,\"at\":\"2025-09-26T10:13:00+08:00\",\"case\":0,\"kind\":\"error\",\"op\":\"evaluate\",\"status\":\"EINVAL\",\"message\":\"fields.csv:8: field 'case': 'x1' is not a case id (an unsigned integer)\"}"
    "{\"line\":9,\"at\":\"2025-09-26T10:14:00+08:00\",\"case\":1,\"kind\":\"error\",\"op\":\"evaluate\",\"status\":\"EINVAL\",\"message\":\"score 9 is out of range (1-5)\"}"
    "{\"line\":10,\"at\":\"2025-09-26T10:15:00+08:00\",\"case\":1,\"kind\":\"error\",\"op\":\"evaluate\",\"status\":\"EINVAL\",\"message\":\"fields.csv:10: field 'value': evaluate takes a score 1-5, optionally ':reopen'\"}"
    "{\"line\":11,\"at\":\"2025-09-26T10:16:00+08:00\",\"case\":1,\"kind\":\"error\",\"op\":\"fly\",\"status\":\"EINVAL\",\"message\":\"fields.csv:11: field 'op': unknown op 'fly' (submit assign accept return whistle report_in resolve verify evaluate close advance)\"}"
    "{\"line\":12,\"at\":\"2025-09-26T10:17:00+08:00\",\"case\":4,\"kind\":\"error\",\"op\":\"submit\",\"status\":\"EINVAL\",\"message\":\"fields.csv:12: field 'lon': a submit needs lon and lat (numbers) or a place\"}"
    "{\"line\":13,\"at\":\"2025-09-26T10:18:00+08:00\",\"case\":5,\"kind\":\"error\",\"op\":\"submit\",\"status\":\"ENOTFOUND\",\"message\":\"fields.csv:13: field 'place': unknown territory code 'NOPE'\"}")
  string(FIND "${out}" "${line}\n" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "replay field errors: no line\n${line}\n--- got ---\n${out}\n${err}")
  endif()
endforeach()
if(NOT rc EQUAL 0 OR NOT err MATCHES "12 rows, 6 events, 6 errors")
  message(FATAL_ERROR "replay field errors: rc=${rc}\n${out}\n${err}")
endif()
execute_process(COMMAND ${WHISTLE} replay --model ${WORK}/county --ops ${WORK}/missing.csv RESULT_VARIABLE rc ERROR_VARIABLE err)
if(rc EQUAL 0 OR NOT err MATCHES "--ops")
  message(FATAL_ERROR "missing ops file: rc=${rc} err=${err}")
endif()

# whistle demo on a small workload: the reports exist, parse, and account for every case.
execute_process(COMMAND ${WHISTLE} demo --cases 3000 --days 5 --dir ${WORK}/demo-model --out ${WORK}/demo
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "replayed in" OR NOT EXISTS ${WORK}/demo/report.html)
  message(FATAL_ERROR "demo: rc=${rc}\n${out}\n${err}")
endif()
file(READ ${WORK}/demo/report.json report)
string(JSON cases GET "${report}" workload cases)
string(JSON rejected GET "${report}" run rejected)
string(JSON dispatched GET "${report}" events_by_kind dispatched)
string(JSON unrouted GET "${report}" events_by_kind unrouted)
string(JSON closed GET "${report}" events_by_kind closed)
math(EXPR received "${dispatched} + ${unrouted}")
if(NOT cases EQUAL 3000 OR NOT received EQUAL 3000 OR NOT closed EQUAL 3000 OR NOT rejected EQUAL 0)
  message(FATAL_ERROR "demo report: cases=${cases} received=${received} closed=${closed} rejected=${rejected}")
endif()
