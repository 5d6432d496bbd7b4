# Sourced (POSIX sh) by mvnw, bin/llama4j, .ci/run and ci/gpu-bundle.sh: llama4j builds and runs on JDK 25 or
# newer. Where JAVA_HOME is unset or names an older JDK, this points it at one found in the usual places (packages
# and Temurin under /usr/lib/jvm, SDKMAN!, /opt, the java on PATH); if there is none, it says what to install.
l4j_java_major() {
  "$1/bin/java" -version 2>&1 | sed -n 's/.* version "\([0-9][0-9]*\).*/\1/p' | head -n 1
}
l4j_jdk_ok() {
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
  l4j_m="$(l4j_java_major "$1")"
  [ -n "$l4j_m" ] && [ "$l4j_m" -ge 25 ]
}
if [ -z "${JAVA_HOME-}" ] || ! l4j_jdk_ok "$JAVA_HOME"; then
  l4j_found=""
  l4j_path_java="$(command -v java 2>/dev/null || true)"
  l4j_path_home=""
  if [ -n "$l4j_path_java" ]; then
    l4j_path_home="$(dirname "$(dirname "$(readlink -f "$l4j_path_java")")")"
  fi
  case $- in *f*) l4j_noglob=1; set +f ;; *) l4j_noglob=0 ;; esac
  for l4j_jdk in /usr/lib/jvm/temurin-25* /usr/lib/jvm/*-25-* /usr/lib/jvm/* "${HOME-}"/.sdkman/candidates/java/* \
      /opt/java/* /opt/jdk* "$l4j_path_home"; do
    if [ -n "$l4j_jdk" ] && l4j_jdk_ok "$l4j_jdk"; then l4j_found="$l4j_jdk"; break; fi
  done
  [ "$l4j_noglob" = 1 ] && set -f
  if [ -z "$l4j_found" ]; then
    echo "error: llama4j needs JDK 25 or newer (JAVA_HOME=${JAVA_HOME:-unset}; java on PATH: ${l4j_path_java:-none}" \
      "${l4j_path_home:+, version $(l4j_java_major "$l4j_path_home")})." >&2
    echo "Install one (for example Temurin 25 from https://adoptium.net) and set JAVA_HOME to it." >&2
    exit 1
  fi
  if [ -n "${JAVA_HOME-}" ]; then
    echo "note: JAVA_HOME=$JAVA_HOME is older than JDK 25; using $l4j_found" >&2
  fi
  JAVA_HOME="$l4j_found"
  export JAVA_HOME
fi
