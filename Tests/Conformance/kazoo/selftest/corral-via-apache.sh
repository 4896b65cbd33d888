#!/usr/bin/env bash
# Self-test stand-in for the corral binary: accepts Corral's command line
#   corral-via-apache.sh server --config /path/zoo.cfg
# and runs Apache ZooKeeper 3.8 (Debian jars) on that zoo.cfg instead, so the
# kazoo harness's swap mechanism (corral_plugin.py) can be checked before,
# and independently of, Corral:
#   CORRAL_BIN=Tests/Conformance/kazoo/selftest/corral-via-apache.sh \
#     CORRAL_SELFTEST_NEEDS_JAVA=1 Tests/Conformance/kazoo/run.sh
# It sees only what Corral would see: the zoo.cfg (to which the plugin adds
# the -Dzookeeper.* settings as keys) and SERVER_JVMFLAGS (the other -D flags
# kazoo passes to java: JAAS file, readonlymode.enabled, file.encoding).
# With CORRAL_SELFTEST_IGNORE_JVMFLAGS=1 it ignores SERVER_JVMFLAGS, showing
# which tests depend on them.
set -eu
if [ "${1:-}" != server ] || [ "${2:-}" != --config ] || [ -z "${3:-}" ]; then
  echo "usage: $0 server --config zoo.cfg" >&2
  exit 2
fi
cfg="$3"
J=/usr/share/java
CP="$J/zookeeper.jar:$J/zookeeper-jute.jar:$J/netty-codec.jar:$J/netty-resolver.jar"
CP="$CP:$J/netty-transport-native-unix-common.jar:$J/servlet-api.jar"
CP="$CP:$J/slf4j-log4j12.jar:$J/log4j-1.2.jar"
flags=()
if [ "${CORRAL_SELFTEST_IGNORE_JVMFLAGS:-0}" != 1 ]; then
  # shellcheck disable=SC2206  # -D flags without spaces, as kazoo builds them
  flags=(${SERVER_JVMFLAGS:-})
fi
# Log to stdout; the plugin sends stdout to <workdir>/zookeeper.log.
log4j="$(dirname "$cfg")/selftest-log4j.properties"
cat > "$log4j" <<'PROPS'
log4j.rootLogger=INFO, CONSOLE
log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender
log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout
log4j.appender.CONSOLE.layout.ConversionPattern=%d{ISO8601} %-5p [%t:%C{1}@%L] - %m%n
PROPS
# exec: the pid the harness holds (and signals) is the JVM itself.
exec java -cp "$CP" "${flags[@]+"${flags[@]}"}" "-Dlog4j.configuration=file:$log4j" \
  org.apache.zookeeper.server.quorum.QuorumPeerMain "$cfg"
