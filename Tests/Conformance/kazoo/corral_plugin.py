"""pytest plugin: run kazoo's own test suite against Corral or Apache ZooKeeper.

Loaded with ``-p corral_plugin`` (run.sh puts this folder on PYTHONPATH).

kazoo's harness (kazoo/testing/common.py, ManagedZooKeeper.run) writes a
zoo.cfg into a temporary working directory and starts
``java ... org.apache.zookeeper.server.quorum.QuorumPeerMain <zoo.cfg>`` with
``subprocess.Popen``.  This plugin:

* fills in the environment kazoo's harness reads (ZOOKEEPER_VERSION,
  ZOOKEEPER_CLASSPATH for Debian's jar layout, ZOOKEEPER_CLUSTER_SIZE=1,
  ZOOKEEPER_PORT_OFFSET) unless already set;
* when ``CORRAL_BIN`` is set, swaps that java command for
  ``$CORRAL_BIN server --config <the zoo.cfg kazoo wrote>`` (same ports, same
  dataDir), sends its output to <workdir>/zookeeper.log (which kazoo's
  conftest prints when a test fails) and waits until the client port accepts
  a TCP connection (instead of the harness's fixed 2 s sleep, which it
  skips: CORRAL_START_SLEEP=2 restores it). Before that it makes the zoo.cfg say what kazoo otherwise
  tells the JVM, in forms Apache accepts too:
    - ``-Dzookeeper.K=V`` flags become ``K=V`` lines (the super digest);
    - the JKS keystores for secureClientPort are also written as PEM and
      ssl.keyStore/trustStore.location point at them with .type=PEM
      (CORRAL_TLS_PEM=0 keeps the JKS lines);
  and all the -D flags (JAAS file for SASL, readonlymode.enabled, ...) are
  passed in env SERVER_JVMFLAGS, the variable Apache's zkServer.sh reads;
* in both modes records every server pid in ``$CORRAL_KAZOO_PIDFILE`` (run.sh
  kills leftovers by pid) and bounds ManagedZooKeeper.stop (SIGTERM, then
  SIGKILL after ``CORRAL_STOP_TIMEOUT`` seconds) so a server that ignores
  SIGTERM cannot hang the run;
* writes one line per test, ``<outcome> <nodeid>``, to
  ``$CORRAL_KAZOO_RESULTS`` as soon as the test's teardown finishes.

When CORRAL_BIN is unset the java command line and zoo.cfg are exactly what
kazoo's harness produces (the Apache baseline).
"""

import os
import socket
import subprocess as _subprocess
import time

DEBIAN_JAVA = "/usr/share/java"
# zookeeper.jar's manifest Class-Path covers most dependencies; the Netty
# server factory kazoo configures also needs netty-codec/-resolver/-unix-common,
# the admin server needs the servlet API, and logging needs a log4j binding
# (kazoo's harness writes a log4j 1.2 properties file).
DEBIAN_CLASSPATH_JARS = [
    "zookeeper.jar",
    "zookeeper-jute.jar",
    "netty-codec.jar",
    "netty-resolver.jar",
    "netty-transport-native-unix-common.jar",
    "servlet-api.jar",
    "slf4j-log4j12.jar",
    "log4j-1.2.jar",
]

_ENV_DEFAULTS = {
    "ZOOKEEPER_VERSION": "3.8.0",
    "ZOOKEEPER_CLUSTER_SIZE": "1",
    "ZOOKEEPER_PORT_OFFSET": "20000",
}

_results = {}

# -Dzookeeper.* flags that only steer Apache's log4j setup; not settings.
_LOGGING_PROPS = {"log.dir", "root.logger", "log.file", "log.threshold",
                  "console.threshold", "tracelog.dir", "tracelog.file"}


def _corral_bin():
    return os.environ.get("CORRAL_BIN") or None


def _set_env_defaults():
    for key, value in _ENV_DEFAULTS.items():
        os.environ.setdefault(key, value)
    if not os.environ.get("ZOOKEEPER_CLASSPATH") and not os.environ.get(
        "ZOOKEEPER_PATH"
    ):
        os.environ["ZOOKEEPER_CLASSPATH"] = os.pathsep.join(
            os.path.join(DEBIAN_JAVA, j) for j in DEBIAN_CLASSPATH_JARS
        )


def _record_pid(pid):
    path = os.environ.get("CORRAL_KAZOO_PIDFILE")
    if not path:
        return
    with open(path, "a") as f:
        f.write("%d\n" % pid)


def _read_cfg(config_path):
    cfg = {}
    with open(config_path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            k, v = line.split("=", 1)
            cfg[k.strip()] = v.strip()
    return cfg


def _port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _wait_for_port(proc, port, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if _port_open(port):
            # Still ours? (a server that failed to bind exits)
            time.sleep(0.05)
            return proc.poll() is None
        time.sleep(0.1)
    return False


def _launch_corral(java_args, **kwargs):
    corral = _corral_bin()
    config_path = java_args[-1]
    workdir = os.path.dirname(config_path)
    sysprops = [a for a in java_args if a.startswith("-D")]

    # Java system properties kazoo passes as -Dzookeeper.K=V (today only
    # DigestAuthenticationProvider.superDigest, the "super" password) are
    # written into zoo.cfg as K=V -- Apache reads any unknown zoo.cfg key K
    # as system property zookeeper.K, so the file means the same to both.
    extra = []
    cfg = _read_cfg(config_path)
    for prop in sysprops:
        key, _, value = prop[2:].partition("=")
        if key.startswith("zookeeper."):
            k = key[len("zookeeper."):]
            if k not in cfg and k not in _LOGGING_PROPS:
                extra.append("%s=%s" % (k, value))
    # Tests here listen on loopback only; kazoo's zoo.cfg has no clientPortAddress
    # (Apache would bind every address).
    if "clientPortAddress" not in cfg:
        extra.append("clientPortAddress=127.0.0.1")
    if "secureClientPort" in cfg and "secureClientPortAddress" not in cfg:
        extra.append("secureClientPortAddress=127.0.0.1")
    if extra:
        with open(config_path, "a") as f:
            f.write(
                "# added by corral_plugin from the harness's -Dzookeeper.* "
                "java flags\n" + "\n".join(extra) + "\n"
            )

    if os.environ.get("CORRAL_TLS_PEM", "1") != "0":
        _rewrite_tls_to_pem(config_path)

    port = int(cfg.get("clientPort", "2181"))
    if _port_open(port):
        import logging

        logging.getLogger(__name__).error(
            "port %s already accepts connections before corral starts: "
            "another server is using it (set ZOOKEEPER_PORT_OFFSET)", port
        )

    env = dict(os.environ)
    # All -D flags the JVM would have had (jaas config, readonlymode.enabled,
    # file.encoding, ...), in the variable zkServer.sh uses for them.
    env["SERVER_JVMFLAGS"] = " ".join(sysprops)
    env.setdefault("CORRAL_LOG_DIR", workdir)
    log = open(os.path.join(workdir, "zookeeper.log"), "ab")
    cmd = [corral, "server", "--config", config_path]
    try:
        proc = _subprocess.Popen(
            cmd, stdout=log, stderr=_subprocess.STDOUT, env=env, cwd=workdir
        )
    finally:
        log.close()
    _record_pid(proc.pid)

    timeout = float(os.environ.get("CORRAL_START_TIMEOUT", "30"))
    if not _wait_for_port(proc, port, timeout):
        # Leave the process to the harness: it retries, and stop() reaps it.
        import logging

        logging.getLogger(__name__).error(
            "corral (pid %s, exit %s) did not accept connections on %s "
            "within %ss; see %s/zookeeper.log",
            proc.pid, proc.poll(), port, timeout, workdir,
        )
    return proc


_current_server = []  # the ManagedZooKeeper whose run() is launching


def _rewrite_tls_to_pem(config_path):
    """Point ssl.keyStore/trustStore at PEM copies of kazoo's JKS stores.

    kazoo's harness writes JKS keystores (a Java format) for
    secureClientPort. Apache ZooKeeper reads PEM stores just as well
    (ssl.keyStore.type=PEM), so the rewritten zoo.cfg is still valid Apache
    configuration; Corral need not parse JKS. CORRAL_TLS_PEM=0 keeps JKS.
    """
    if not _current_server:
        return
    ssl_conf = _current_server[-1].ssl_configuration
    try:
        import OpenSSL.crypto as crypto
    except ImportError:
        return
    pem = crypto.FILETYPE_PEM
    workdir = os.path.dirname(config_path)
    keystore = os.path.join(workdir, "keystore.pem")
    truststore = os.path.join(workdir, "truststore.pem")
    with open(keystore, "wb") as f:
        f.write(crypto.dump_privatekey(pem, ssl_conf["server_key"]))
        f.write(crypto.dump_certificate(pem, ssl_conf["server_cert"]))
    with open(truststore, "wb") as f:
        f.write(crypto.dump_certificate(pem, ssl_conf["ca_cert"]))
    replace = {
        "ssl.keyStore.location": keystore,
        "ssl.trustStore.location": truststore,
    }
    out = []
    with open(config_path) as f:
        for line in f:
            key = line.split("=", 1)[0].strip()
            if key in replace:
                out.append("%s=%s\n" % (key, replace[key]))
                typ = key.replace(".location", ".type")
                out.append("%s=PEM\n" % typ)
            elif key in ("ssl.keyStore.password", "ssl.trustStore.password"):
                continue  # the PEM key is not encrypted
            else:
                out.append(line)
    with open(config_path, "w") as f:
        f.writelines(out)


class _SubprocessProxy(object):
    """Stands in for the subprocess module inside kazoo.testing.common only."""

    def __getattr__(self, name):
        return getattr(_subprocess, name)

    def Popen(self, args=None, *a, **kw):
        if _corral_bin():
            return _launch_corral(list(args), **kw)
        proc = _subprocess.Popen(args, *a, **kw)
        _record_pid(proc.pid)
        return proc


def _install_harness_hooks():
    import logging

    from kazoo.testing import common

    if getattr(common, "_corral_plugin_installed", False):
        return
    common._corral_plugin_installed = True
    common.subprocess = _SubprocessProxy()

    def stop(self):
        """ManagedZooKeeper.stop, bounded: SIGTERM, then SIGKILL."""
        if not self.running:
            return
        timeout = float(os.environ.get("CORRAL_STOP_TIMEOUT", "20"))
        self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except _subprocess.TimeoutExpired:
            logging.getLogger(__name__).error(
                "server pid %s ignored SIGTERM for %ss; killing it",
                self.process.pid, timeout,
            )
            self.process.kill()
            self.process.wait()
        self._running = False

    common.ManagedZooKeeper.stop = stop

    if _corral_bin():
        # ZookeeperCluster.start sleeps a fixed 2 s after launching, for a JVM
        # to come up (46 starts in a full run). _launch_corral already waited
        # for the client port, so the sleep only costs time.
        def start(self):
            for server in reversed(list(self)):
                server.run()
            time.sleep(float(os.environ.get("CORRAL_START_SLEEP", "0")))

        common.ZookeeperCluster.start = start

    original_run = common.ManagedZooKeeper.run

    def run(self):
        _current_server.append(self)
        try:
            return original_run(self)
        finally:
            _current_server.pop()

    common.ManagedZooKeeper.run = run


def _norm_nodeid(nodeid):
    i = nodeid.find("kazoo/tests/")
    if i >= 0:
        return nodeid[i:]
    i = nodeid.find("tests/test_")
    if i >= 0:
        return "kazoo/" + nodeid[i:]
    return nodeid


def pytest_configure(config):
    _set_env_defaults()
    _install_harness_hooks()


def pytest_report_header(config):
    mode = "corral: %s" % _corral_bin() if _corral_bin() else "apache"
    return "kazoo conformance: server=%s cluster_size=%s port_offset=%s" % (
        mode,
        os.environ.get("ZOOKEEPER_CLUSTER_SIZE"),
        os.environ.get("ZOOKEEPER_PORT_OFFSET"),
    )


def pytest_runtest_logreport(report):
    nodeid = _norm_nodeid(report.nodeid)
    state = _results.setdefault(nodeid, "passed")
    if report.failed:
        state = "failed"
    elif report.skipped and state != "failed":
        state = "skipped"
    elif report.when == "call" and report.passed and state == "passed":
        state = "passed"
    _results[nodeid] = state
    if report.when == "teardown":
        path = os.environ.get("CORRAL_KAZOO_RESULTS")
        if path:
            with open(path, "a") as f:
                f.write("%s %s\n" % (state, nodeid))
