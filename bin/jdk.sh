# Sourced by bin/run, bin/test and bench/fleet/run: finds a JDK 21 or newer (or the
# feature version given as the first argument: `rotor_find_jdk 22`) and exports JAVA_HOME
# (and ROTOR_JAVA_MAJOR, its feature version).
# Helidon 4 needs Java 21+, while many machines default to an older `java`. Looks at
# JAVA_HOME, the `java` on PATH, then the usual install folders, newest first.

rotor_java_major() {
  # the JDK's release file says it without starting a JVM (two JVM starts, one per candidate,
  # were ~0.4 s of every bin/run); a java without one is asked
  local home version
  home=$(dirname "$(dirname "$(readlink -f "$1")")")
  if [ -f "$home/release" ]; then
    version=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release")
    if [ -n "$version" ]; then
      echo "$version"
      return
    fi
  fi
  "$1" -XshowSettings:properties -version 2>&1 \
    | awk -F'= ' '/java.specification.version/ {print $2; exit}' \
    | cut -d. -f1
}

rotor_find_jdk() {
  local min=${1:-21} candidates=() c major
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
  command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
  # newest first: sort the folders by the version number in their names
  while IFS= read -r c; do candidates+=("$c"); done < <(
    ls -d /usr/lib/jvm/*/bin/java /opt/java/*/bin/java /opt/*jdk*/bin/java \
          "$HOME"/.sdkman/candidates/java/*/bin/java \
          /Library/Java/JavaVirtualMachines/*/Contents/Home/bin/java 2>/dev/null | sort -Vr)
  for c in "${candidates[@]}"; do
    [ -x "$c" ] || continue
    # a JDK, not a bare JRE: Maven needs javac beside java
    [ -x "$(dirname "$(readlink -f "$c")")/javac" ] || continue
    major=$(rotor_java_major "$c")
    if [ -n "$major" ] && [ "$major" -ge "$min" ] 2>/dev/null; then
      JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$c")")")
      ROTOR_JAVA_MAJOR=$major
      export JAVA_HOME ROTOR_JAVA_MAJOR
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  done
  if [ "$min" -eq 21 ]; then
    cat >&2 <<'MSG'
rotor: no JDK 21 or newer found (Helidon 4 needs Java 21+).
Install one, for example Eclipse Temurin 21 or 25 (https://adoptium.net) or
`apt-get install openjdk-21-jdk`, then run this again or set JAVA_HOME to it.
MSG
  else
    cat >&2 <<MSG
rotor: no JDK $min or newer found.
Install one, for example Eclipse Temurin 25 (https://adoptium.net), then run this again
or set JAVA_HOME to it.
MSG
  fi
  return 1
}
