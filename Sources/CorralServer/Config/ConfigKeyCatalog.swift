/// Which zoo.cfg keys Apache 3.8 knows that Corral ignores, and why.
enum ConfigKeyCatalog {
    /// The warning for a key that has no typed `ServerConfig` field.
    static func warning(forIgnoredKey key: String) -> ConfigWarning {
        if isJavaOnly(key) {
            return ConfigWarning(kind: .javaOnly, key: key,
                                 message: "\(key) only applies to the Java implementation; ignored")
        }
        if apacheSettings.contains(key) || apachePrefixes.contains(where: key.hasPrefix) {
            return ConfigWarning(kind: .notImplemented, key: key,
                                 message: "\(key) (zookeeper.\(key)) is not implemented by Corral; ignored")
        }
        return ConfigWarning(kind: .unknownKey, key: key, message: "unknown configuration key \(key); ignored")
    }

    private static func isJavaOnly(_ key: String) -> Bool {
        javaOnly.contains(key) || javaOnlyPrefixes.contains(where: key.hasPrefix)
    }

    /// JVM, Java class, JKS/TLS-provider, SASL/Kerberos and Java I/O settings.
    private static let javaOnly: Set<String> = [
        "serverCnxnFactory", "clientCnxnSocket", "watchManagerName", "kinit", "requireKerberosConfig",
        "allowSaslFailedClients", "letAnySaslUserDoX", "sessionRequireClientSASLAuth",
        "SASLAuthenticationProvider.superPassword", "security.auth_to_local",
        "intBufferStartingSizeBytes", "audit.impl.class", "configuration", "quorum.cnxn.threads.size",
        "quorum.auth.enableSasl", "quorum.auth.serverRequireSasl", "quorum.auth.learnerRequireSasl",
        "quorum.auth.learner.saslLoginContext", "quorum.auth.server.saslLoginContext",
        "quorum.auth.kerberos.servicePrincipal", "jvm.pause.info-threshold.ms", "jvm.pause.warn-threshold.ms",
        "jvm.pause.sleep.time.ms", "jvm.pause.monitor", "sslQuorumReloadCertFiles",
    ]

    private static let javaOnlyPrefixes = [
        "ssl.", "authProvider.", "jmx.", "sasl.", "kerberos.", "nio.", "netty.", "metricsProvider.",
    ]

    /// Server settings Apache reads as `zookeeper.<key>` (3.8) that Corral does not implement.
    private static let apacheSettings: Set<String> = [
        "admin.forceHttps", "admin.httpVersion", "admin.portUnification", "audit.enable", "bitHashCacheSize",
        "client.portUnification", "client.secure", "closeSessionTxn.enabled", "cnxTimeout", "commitLogCount",
        "datadir.autocreate", "db.autocreate", "electionPortBindRetry", "emulate353TTLNodes",
        "enableEagerACLCheck", "enforce.auth.enabled", "enforce.auth.schemes", "enforceQuota",
        "ensembleAuthName", "flushDelay", "follower.skipLearnerRequestToNextProcessor", "forceSnapshotSync",
        "forward_learner_requests_to_commit_processor_disabled", "jute.maxbuffer.extrasize",
        "largeRequestMaxBytes", "largeRequestThreshold", "leaderConnectDelayDuringRetryMs", "leaderServes",
        "maxBatchSize", "maxGetChildrenResponseCacheSize", "maxInProcessingDeadWatchers", "maxResponseCacheSize",
        "maxWriteQueuePollTime", "multiAddress.reachabilityCheckEnabled",
        "multiAddress.reachabilityCheckTimeoutMs", "observerMaster.sizeLimit", "oraclePath",
        "quorumCnxnTimeoutMs", "request.timeout", "request_stale_connection_check",
        "request_stale_latency_check", "request_throttle_drop_stale", "request_throttle_max_requests",
        "request_throttle_stall_time", "request_throttler.shutdownTimeout", "snapSizeLimitInKb",
        "snapshot.compression.method", "snapshot.trust.empty", "snapshotSizeFactor", "superUser",
        "X509AuthenticationProvider.superUser", "tcpKeepAlive", "testingonly.initialZxid",
        "throttled_op_wait_time", "txnLogSizeLimitInKb", "watcherCleanIntervalInSeconds",
        "watcherCleanThreadsNum", "watcherCleanThreshold", "clientTcpKeepAlive", "disableAutoWatchReset",
        "controllerPort",
    ]

    private static let apachePrefixes = [
        "commitProcessor.", "connection_throttle_", "fastleader.", "leader.", "learner.", "messageTracker.",
        "observer.", "pathStats.",
    ]
}
