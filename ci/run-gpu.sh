#!/usr/bin/env bash
# GPU bundle runner (needs no Java, Maven or network): device info, GPU JUnit tests with the bundled JRE, the
# illegal-address test alone in its own JVM (it poisons the CUDA context), native kernel tests under
# compute-sanitizer memcheck, and the bench (synthetic LLaMA-2-7B Q4_0, Q8_0, F16) if this build has it; a summary
# table last. Every step has a timeout and the whole run stops starting steps after BUDGET_S (default 290) seconds,
# so it ends within about 5 minutes. Usage: run-gpu.sh <log-dir>. Exit status: 0 when nothing failed (parts
# without a GPU report "skipped").
set -uo pipefail
B=$(cd "$(dirname "$0")" && pwd)
LOG=${1:?usage: run-gpu.sh <log-dir>}
mkdir -p "$LOG"
LOG=$(cd "$LOG" && pwd)
JAVA="$B/jre/bin/java"
JFLAGS=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Dorg.bytedeco.javacpp.cachedir="$LOG/javacpp-cache")
CP="$B/app/llama4j.jar:$B/app/llama4j-tests.jar:$B/app/lib/*"
declare -a SUMMARY
FAILED=0
note() { SUMMARY+=("$(printf '%-28s %s' "$1" "$2")"); }
start=$(date +%s)
BUDGET_S=${BUDGET_S:-290}
# limit SECONDS: the step's own limit, cut to what is left of the run's budget (0: no time left)
limit() { local left=$(( BUDGET_S - ($(date +%s) - start) )); [ "$left" -lt "$1" ] && echo $(( left > 0 ? left : 0 )) || echo "$1"; }

echo "== llama4j GPU run $(cat "$B/COMMIT" 2>/dev/null) on $(hostname) at $(date -u +%FT%TZ)" | tee "$LOG/summary.txt"

GPU=0
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi >"$LOG/nvidia-smi.txt" 2>&1; then
  GPU=1
  cat "$LOG/nvidia-smi.txt"
  note "nvidia-smi" "ok"
else
  echo "nvidia-smi: skipped: no GPU" | tee "$LOG/nvidia-smi.txt"
  note "nvidia-smi" "skipped: no GPU"
fi

echo "== device properties"
(cd "$B/app" && timeout 60 "$JAVA" "${JFLAGS[@]}" -cp "$CP" dev.llama4j.backend.cuda.CudaInfo) 2>&1 | tee "$LOG/device.txt"
note "device properties" "$(tail -1 "$LOG/device.txt")"

echo "== GPU JUnit tests"
# cwd app/: the tests find the models at ../shared/models
junit() {  # junit NAME SECONDS [extra JVM flags...] -- selectors...
  local name=$1 secs; secs=$(limit "$2"); shift 2
  local jvm=() sel=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do jvm+=("$1"); shift; done; shift
  sel=("$@")
  [ "$secs" -le 0 ] && { note "$name" "skipped: run budget spent"; return; }
  (cd "$B/app" && CI=true timeout "$secs" "$JAVA" "${JFLAGS[@]}" "${jvm[@]}" -jar "$B/app/junit-console.jar" execute \
     --class-path "$CP" "${sel[@]}" --reports-dir "$LOG/junit-$name" --details tree --disable-banner) \
     >"$LOG/junit-$name.txt" 2>&1
  local rc=$?
  grep -E '✘|MethodSource|=> ' "$LOG/junit-$name.txt" | head -40
  tail -15 "$LOG/junit-$name.txt"
  local counts
  counts=$(grep -E 'tests (successful|skipped|aborted|failed)' "$LOG/junit-$name.txt" | sed -E 's/[^0-9a-z ]//g; s/^ +//; s/ +/ /g' | paste -sd, -)
  if [ $rc = 124 ]; then FAILED=1; note "$name" "FAILED: timed out after ${secs}s ($counts)";
  elif [ $rc -ne 0 ]; then FAILED=1; note "$name" "FAILED ($counts)";
  elif [ $GPU = 0 ]; then note "$name" "skipped: no GPU ($counts)";
  else note "$name" "ok ($counts)"; fi
}
# The CUDA tests (parity, end to end, selection, sampling, errors) and the GPU-capable API tests, in one JVM.
junit "GPU JUnit tests" 120 -- --select-package dev.llama4j.backend.cuda --select-class dev.llama4j.api.DeviceSamplingTest
echo "== illegal-address test (own JVM: an illegal address poisons the CUDA context)"
junit "illegal address -> exception" 40 -Dllama4j.cuda.illegalAddressTest=true -- \
  --select-class dev.llama4j.backend.cuda.CudaIllegalAddressTest

echo "== native kernel tests (compute-sanitizer memcheck)"
SAN=()
if command -v compute-sanitizer >/dev/null 2>&1; then
  SAN=(compute-sanitizer --tool memcheck --error-exitcode 99 --log-file "$LOG/memcheck-%p.txt")
fi
for t in test_ops test_matmul test_attention; do
  secs=$(limit 45)
  [ "$secs" -le 0 ] && { note "$t" "skipped: run budget spent"; continue; }
  if [ $GPU = 0 ]; then
    timeout "$secs" "$B/native/bin/$t" >"$LOG/$t.txt" 2>&1; r=$?
    [ $r = 77 ] && { note "$t" "skipped: no GPU"; continue; }
  else
    timeout "$secs" "${SAN[@]}" "$B/native/bin/$t" >"$LOG/$t.txt" 2>&1; r=$?
  fi
  tail -3 "$LOG/$t.txt"
  case $r in
    0) note "$t" "ok${SAN:+ (memcheck clean)}";;
    77) note "$t" "skipped: no GPU";;
    124) FAILED=1; note "$t" "FAILED: timed out after ${secs}s";;
    *) FAILED=1; note "$t" "FAILED (exit $r)";;
  esac
done

echo "== bench (synthetic LLaMA-2-7B: pp512, tg128, 3 repetitions)"
: >"$LOG/bench.md"
# picocli answers `bench --help` with the top-level help when there is no bench command: look for it in the list
if (cd "$B/app" && timeout 60 "$JAVA" "${JFLAGS[@]}" -cp "$CP" dev.llama4j.cli.Main --help 2>/dev/null) \
     | grep -qE '^ +bench( |$)'; then
  for q in Q4_0 Q8_0 F16; do
    if [ $GPU = 0 ]; then note "bench $q" "skipped: no GPU"; continue; fi
    secs=$(limit 75)
    [ "$secs" -le 0 ] && { note "bench $q" "skipped: run budget spent"; continue; }
    (cd "$B/app" && timeout "$secs" "$JAVA" "${JFLAGS[@]}" -cp "$CP" dev.llama4j.cli.Main bench \
       --synthetic "llama2-7b:$q" -p 512 -n 128 -r 3 --backend cuda --output md) >"$LOG/bench-$q.txt" 2>&1; r=$?
    cat "$LOG/bench-$q.txt"
    grep '^|' "$LOG/bench-$q.txt" >>"$LOG/bench.md"
    case $r in
      0) note "bench $q" "ok";;
      124) FAILED=1; note "bench $q" "FAILED: timed out after ${secs}s";;
      *) FAILED=1; note "bench $q" "FAILED (exit $r)";;
    esac
  done
else
  note "bench" "skipped: no bench command in this build"
fi

echo
echo "== summary ($(( $(date +%s) - start )) s)" | tee -a "$LOG/summary.txt"
for line in "${SUMMARY[@]}"; do echo "$line"; done | tee -a "$LOG/summary.txt"
if [ -s "$LOG/bench.md" ]; then
  echo "== bench table" | tee -a "$LOG/summary.txt"
  awk '!(/^\|[- |:]+\|$/ && seen++) && !(/^\| *(model|backend)/ && hdr++)' "$LOG/bench.md" | tee -a "$LOG/summary.txt"
fi
exit $FAILED
