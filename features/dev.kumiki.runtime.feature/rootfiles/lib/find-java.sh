# Kumiki: finds a Java 25+ runtime. Sourced by the `kumiki` launcher, and by ./kumiki and ./run-tests in a checkout.
# Looks at $KUMIKI_JAVA, $JAVA_HOME, the usual JDK folders, then `java` on the PATH; prints the first java
# of version 25 or newer, or explains what to install and returns 1.

kumiki_java_major() {
    "$1" -version 2>&1 | awk -F'"' '/version "/ { split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit }'
}

kumiki_find_java() {
    for candidate in "${KUMIKI_JAVA:-}" "${JAVA_HOME:+$JAVA_HOME/bin/java}" \
                     /usr/lib/jvm/temurin-2[5-9]*/bin/java /usr/lib/jvm/java-2[5-9]*/bin/java \
                     /usr/lib/jvm/jdk-2[5-9]*/bin/java /opt/java/openjdk/bin/java "$(command -v java 2>/dev/null)"; do
        [ -n "$candidate" ] && [ -x "$candidate" ] || continue
        major=$(kumiki_java_major "$candidate")
        if [ "${major:-0}" -ge 25 ] 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
        if [ "$candidate" = "${KUMIKI_JAVA:-}" ]; then
            echo "kumiki: KUMIKI_JAVA=$KUMIKI_JAVA is Java ${major:-?}; Kumiki needs Java 25 or newer." >&2
            return 1
        fi
    done
    echo "kumiki: Kumiki needs Java 25 or newer and found none (looked at KUMIKI_JAVA, JAVA_HOME, /usr/lib/jvm and" >&2
    echo "        the PATH). Install a JDK 25 (e.g. Eclipse Temurin 25, https://adoptium.net) and set JAVA_HOME to it." >&2
    return 1
}
