#!/usr/bin/env bash
# GPU bundle runner (needs no Java, Maven or network): device info, GPU JUnit tests with the bundled JRE,
# native kernel tests under compute-sanitizer memcheck, and the bench if this build has it.
# Usage: run-gpu.sh <log-dir>. Exit status: 0 when nothing failed (parts without a GPU report "skipped").
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
(cd "$B/app" && "$JAVA" "${JFLAGS[@]}" -cp "$CP" dev.llama4j.backend.cuda.CudaInfo) 2>&1 | tee "$LOG/device.txt"
note "device properties" "$(tail -1 "$LOG/device.txt")"

echo "== GPU JUnit tests"
# cwd app/: the tests find the models at ../shared/models
(cd "$B/app" && CI=true "$JAVA" "${JFLAGS[@]}" -jar "$B/app/junit-console.jar" execute \
   --class-path "$CP" --select-package dev.llama4j.backend.cuda --reports-dir "$LOG/junit" \
   --details summary --disable-banner) >"$LOG/junit.txt" 2>&1
rc=$?
tail -20 "$LOG/junit.txt"
counts=$(grep -E 'tests (successful|skipped|aborted|failed)' "$LOG/junit.txt" | sed -E 's/[^0-9a-z ]//g; s/^ +//; s/ +/ /g' | paste -sd, -)
if [ $rc -ne 0 ]; then FAILED=1; note "GPU JUnit tests" "FAILED ($counts)";
elif [ $GPU = 0 ]; then note "GPU JUnit tests" "skipped: no GPU ($counts)";
else note "GPU JUnit tests" "ok ($counts)"; fi

echo "== native kernel tests (compute-sanitizer memcheck)"
SAN=()
if command -v compute-sanitizer >/dev/null 2>&1; then
  SAN=(compute-sanitizer --tool memcheck --error-exitcode 99 --log-file "$LOG/memcheck-%p.txt")
fi
for t in test_ops test_matmul test_attention; do
  if [ $GPU = 0 ]; then
    "$B/native/bin/$t" >"$LOG/$t.txt" 2>&1; r=$?
    [ $r = 77 ] && { note "$t" "skipped: no GPU"; continue; }
  else
    "${SAN[@]}" "$B/native/bin/$t" >"$LOG/$t.txt" 2>&1; r=$?
  fi
  tail -3 "$LOG/$t.txt"
  case $r in
    0) note "$t" "ok${SAN:+ (memcheck clean)}";;
    77) note "$t" "skipped: no GPU";;
    *) FAILED=1; note "$t" "FAILED (exit $r)";;
  esac
done

echo "== bench"
if (cd "$B/app" && "$JAVA" "${JFLAGS[@]}" -jar "$B/app/llama4j.jar" bench --help) >/dev/null 2>&1; then
  if [ $GPU = 1 ]; then
    (cd "$B/app" && "$JAVA" "${JFLAGS[@]}" -jar "$B/app/llama4j.jar" bench --backend cuda) 2>&1 | tee "$LOG/bench.txt"
    note "bench" "see bench.txt"
  else
    note "bench" "skipped: no GPU"
  fi
else
  note "bench" "skipped: no bench command in this build"
fi

echo
echo "== summary ($(( $(date +%s) - start )) s)" | tee -a "$LOG/summary.txt"
for line in "${SUMMARY[@]}"; do echo "$line"; done | tee -a "$LOG/summary.txt"
exit $FAILED
