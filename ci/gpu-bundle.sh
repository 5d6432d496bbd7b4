#!/usr/bin/env bash
# Builds the self-contained GPU bundle (DESIGN.md §5): target/llama4j-gpu-bundle.tar.xz (< 60 MB) with a jlink
# runtime, the app + test jars and their dependencies, the JUnit console launcher, the native kernel tests
# (prebuilt + sources and a script to rebuild them with the host's nvcc/cmake), the test models and run-gpu.sh.
# On the GPU host:  tar xJf llama4j-gpu-bundle.tar.xz && llama4j-gpu/run-gpu.sh <log-dir>
# Env: CUDA_ARCHS (default "80-real;86-real;89-real;90", the product set), SKIP_BUILD=1 to reuse target/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
. bin/java-home.sh
ARCHS=${CUDA_ARCHS:-80-real;86-real;89-real;90}
JUNIT_PLATFORM=1.14.1
MODULES=java.base,jdk.incubator.vector,java.logging,jdk.unsupported,java.management,jdk.management,java.net.http,jdk.httpserver,jdk.zipfs,java.xml  # java.xml: the JUnit console writes XML reports
OUT=$ROOT/target/gpu-bundle
B=$OUT/llama4j-gpu

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  [ -x /usr/local/cuda/bin/nvcc ] || { echo "gpu-bundle: nvcc not found: the bundle needs the native build" >&2; exit 2; }
  ./mvnw -B -q package -DskipTests "-Dcuda.archs=$ARCHS"
fi
[ -f target/classes/dev/llama4j/backend/cuda/linux-x86_64/libjniCudaKernels.so ] \
  || { echo "gpu-bundle: JNI library missing (run without SKIP_BUILD)" >&2; exit 2; }
./mvnw -B -q dependency:copy "-Dartifact=org.junit.platform:junit-platform-console-standalone:$JUNIT_PLATFORM" \
  -DoutputDirectory=target/junit

rm -rf "$OUT"
mkdir -p "$B/app/lib" "$B/native" "$B/shared/models"

echo "== jlink runtime"
"$JAVA_HOME/bin/jlink" --add-modules "$MODULES" --compress zip-0 --strip-debug --no-header-files \
  --no-man-pages --output "$B/jre"
find "$B/jre" -name '*.so' -exec strip --strip-unneeded {} +

echo "== jars"
cp target/llama4j.jar "$B/app/"
"$JAVA_HOME/bin/jar" cf "$B/app/llama4j-tests.jar" -C target/test-classes .
cp target/lib/*.jar "$B/app/lib/"
cp target/junit/junit-platform-console-standalone-*.jar "$B/app/junit-console.jar"
# JCuda natives: keep only the driver binding (the NVRTC/PTX-compiler/runtime bindings are unused and large)
for j in "$B"/app/lib/jcuda-natives-*.jar; do
  python3 - "$j" <<'PY'
import sys, zipfile, os
src = sys.argv[1]; tmp = src + ".tmp"
with zipfile.ZipFile(src) as zi, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zo:
    for e in zi.infolist():
        if e.filename.startswith("lib/") and "JCudaDriver" not in e.filename and not e.filename.endswith("/"):
            continue
        zo.writestr(e, zi.read(e.filename))
os.replace(tmp, src)
PY
done

echo "== native kernel tests"
mkdir -p "$B/native/bin" "$B/native/src"
cp target/native-build/test_ops target/native-build/test_matmul target/native-build/test_attention "$B/native/bin/"
strip "$B"/native/bin/test_* || true
cp -r native cuda-kernels "$B/native/src/"
cat > "$B/native/rebuild.sh" <<'SH'
#!/usr/bin/env bash
# Rebuilds the native kernel tests with this host's nvcc and cmake into native/bin.
set -euo pipefail
cd "$(dirname "$0")"
cmake -S src/native -B build -DL4J_CUDA_ARCHS="${CUDA_ARCHS:-90}" >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
cp build/test_ops build/test_matmul build/test_attention bin/
SH
chmod +x "$B/native/rebuild.sh"

echo "== test models"
M=$ROOT/../shared/models
if [ -d "$M" ]; then
  for f in stories260K.bin stories260K_v1.bin stories260K.gguf stories260K-F16.gguf stories260K-Q8_0.gguf \
           stories260K-Q4_0.gguf stories260K-Q4_K_M.gguf tok512.bin quant_vectors.gguf README.md; do
    [ -f "$M/$f" ] && cp "$M/$f" "$B/shared/models/"
  done
  [ -d "$M/reference" ] && cp -r "$M/reference" "$B/shared/models/"
else
  echo "gpu-bundle: warning: $M missing, the bundle carries no test models" >&2
fi

cp ci/run-gpu.sh "$B/run-gpu.sh"
chmod +x "$B/run-gpu.sh"
git rev-parse HEAD > "$B/COMMIT" 2>/dev/null || true

echo "== tarball"
tar -C "$OUT" -cf - llama4j-gpu | xz -T2 -6 > "$ROOT/target/llama4j-gpu-bundle.tar.xz"
SIZE=$(stat -c %s "$ROOT/target/llama4j-gpu-bundle.tar.xz")
echo "bundle: target/llama4j-gpu-bundle.tar.xz ($((SIZE / 1024 / 1024)) MB)"
if [ "$SIZE" -ge $((60 * 1024 * 1024)) ]; then
  echo "gpu-bundle: bundle is over 60 MB" >&2
  exit 1
fi
