/// The values only `mntr` prints, beyond `ServerStatistics`.
///
/// Apache 3.8 prints its gauges, then every registered counter and summary, in
/// `ConcurrentHashMap` iteration order. That order is fixed for a given set of names, so
/// `MonitorFormatter` reproduces it from tables captured from Apache 3.8.0 (standalone, leader,
/// follower). Counters and summaries missing from `counters`/`summaries` print as zero, exactly
/// like an Apache metric that never fired.
public struct MonitorValues: Sendable, Equatable {
    public var uptimeMilliseconds: Int64 = 0
    /// Data plus child watches (Apache `DataTree.getWatchCount`).
    public var watchCount: Int = 0
    public var ephemeralsCount: Int = 0
    public var approximateDataSize: Int64 = 0
    public var globalSessions: Int = 0
    public var localSessions: Int = 0
    /// Omitted from the output when nil (Apache skips null gauges).
    public var openFileDescriptorCount: Int64?
    public var maxFileDescriptorCount: Int64?
    public var connectionDropProbability: Double = 0
    public var clientResponseSizes = BufferSizeStatistics()
    public var outstandingTLSHandshakes: Int = 0
    public var authFailedCount: Int64 = 0
    public var nonMTLSRemoteConnections: Int64 = 0
    public var nonMTLSLocalConnections: Int64 = 0
    /// Quorum servers: `QuorumPeer.getDetailedPeerState()`, e.g. "leading - broadcast".
    public var peerState: String?
    /// Observers: the id of the learner master they follow.
    public var observerMasterId: Int64?
    /// Quorum servers: the number of voting members.
    public var quorumSize: Int?
    /// Leader-only gauges.
    public var leader: LeaderMonitorValues?
    /// Counter values by Apache name (without `zk_`), e.g. "bytes_received_count".
    public var counters: [String: Int64] = [:]
    /// Summary values by Apache name, e.g. "readlatency", "fsynctime".
    public var summaries: [String: SummaryValues] = [:]
    /// Members of Apache's basic summary sets, in order, e.g. "app_write_per_namespace",
    /// "1_learner_handler_qp_size".
    public var basicSummarySets: [NamedSummary] = []
    /// Members of Apache's percentile summary sets, e.g. "1_learner_handler_qp_time_ms".
    public var percentileSummarySets: [NamedSummary] = []

    public init() {}
}

/// The leader's extra `mntr` gauges.
public struct LeaderMonitorValues: Sendable, Equatable {
    public var learners: Int = 0
    public var syncedFollowers: Int = 0
    public var syncedNonVotingFollowers: Int = 0
    public var syncedObservers: Int = 0
    public var pendingSyncs: Int = 0
    public var leaderUptimeMilliseconds: Int64 = 0
    public var proposalSizes = BufferSizeStatistics()

    public init() {}
}

/// Apache `AvgMinMaxCounter` (+ percentiles for `AvgMinMaxPercentileCounter`) values.
public struct SummaryValues: Sendable, Equatable {
    public var count: Int64 = 0
    public var total: Int64 = 0
    public var min: Int64 = 0
    public var max: Int64 = 0
    public var p50: Int64 = 0
    public var p95: Int64 = 0
    public var p99: Int64 = 0
    public var p999: Int64 = 0

    public init() {}

    public init(count: Int64, total: Int64, min: Int64, max: Int64, p50: Int64 = 0, p95: Int64 = 0,
                p99: Int64 = 0, p999: Int64 = 0) {
        (self.count, self.total, self.min, self.max) = (count, total, min, max)
        (self.p50, self.p95, self.p99, self.p999) = (p50, p95, p99, p999)
    }

    public var average: Double { JavaFormat.roundedAverage(total: total, count: count) }
}

/// A member of a summary set, named as Apache prints it (set key + "_" + set name).
public struct NamedSummary: Sendable, Equatable {
    public var name: String
    public var values: SummaryValues

    public init(name: String, values: SummaryValues) {
        self.name = name
        self.values = values
    }
}

/// Produces `mntr` lines in Apache 3.8's order.
enum MonitorFormatter {
    /// The `mntr` text: `zk_<key>\t<value>\n` per value.
    static func render(_ snapshot: ServerStatusSnapshot) -> String {
        entries(snapshot).map { "zk_\($0.key)\t\($0.value)\n" }.joined()
    }

    /// The (key, value) pairs in output order.
    static func entries(_ snapshot: ServerStatusSnapshot) -> [(key: String, value: String)] {
        var result = header(snapshot)
        for name in gaugeOrder(snapshot) {
            if let value = gauge(name, snapshot) { result.append((name, value)) }
        }
        let monitor = snapshot.monitor
        for name in ordered(counters, extra: monitor.counters.keys) {
            result.append((name, String(monitor.counters[name] ?? 0)))
        }
        for name in ordered(basicSummaries, extra: monitor.summaries.keys.filter(isBasicExtra)) {
            result += summaryEntries(name, monitor.summaries[name] ?? SummaryValues(), percentiles: false)
        }
        for name in ordered(percentileSummaries, extra: []) {
            result += summaryEntries(name, monitor.summaries[name] ?? SummaryValues(), percentiles: true)
        }
        for member in monitor.basicSummarySets {
            result += summaryEntries(member.name, member.values, percentiles: false)
        }
        for member in monitor.percentileSummarySets {
            result += summaryEntries(member.name, member.values, percentiles: true)
        }
        return result
    }

    private static func header(_ snapshot: ServerStatusSnapshot) -> [(key: String, value: String)] {
        var result: [(key: String, value: String)] = [
            ("version", snapshot.version), ("server_state", snapshot.state.rawValue),
        ]
        if let peerState = snapshot.monitor.peerState { result.append(("peer_state", peerState)) }
        if let master = snapshot.monitor.observerMasterId {
            result.append(("observer_master_id", String(master)))
        }
        return result
    }

    /// Unknown summary names are printed with the basic summaries (avg/min/max/cnt/sum).
    private static func isBasicExtra(_ name: String) -> Bool { !percentileSummaries.contains(name) }

    private static func ordered(_ known: [String], extra: some Sequence<String>) -> [String] {
        let knownSet = Set(known)
        return known + extra.filter { !knownSet.contains($0) }.sorted()
    }

    private static func summaryEntries(_ name: String, _ values: SummaryValues, percentiles: Bool)
        -> [(key: String, value: String)] {
        var result: [(key: String, value: String)] = [
            ("avg_" + name, JavaFormat.double(values.average)), ("min_" + name, String(values.min)),
            ("max_" + name, String(values.max)), ("cnt_" + name, String(values.count)),
            ("sum_" + name, String(values.total)),
        ]
        if percentiles {
            result += [("p50_" + name, String(values.p50)), ("p95_" + name, String(values.p95)),
                       ("p99_" + name, String(values.p99)), ("p999_" + name, String(values.p999))]
        }
        return result
    }

    private static func gaugeOrder(_ snapshot: ServerStatusSnapshot) -> [String] {
        if snapshot.monitor.leader != nil { return leaderGauges }
        if snapshot.monitor.quorumSize != nil { return standaloneGauges + ["quorum_size"] }
        return standaloneGauges
    }

    /// The gauge's printed value, nil when Apache would print nothing for it.
    private static func gauge(_ name: String, _ snapshot: ServerStatusSnapshot) -> String? {
        let stats = snapshot.statistics
        let monitor = snapshot.monitor
        switch name {
        case "avg_latency": return JavaFormat.double(stats.latency.average)
        case "min_latency": return String(stats.latency.min)
        case "max_latency": return String(stats.latency.max)
        case "packets_received": return String(stats.packetsReceived)
        case "packets_sent": return String(stats.packetsSent)
        case "num_alive_connections": return String(stats.aliveConnections)
        case "outstanding_requests": return String(stats.outstandingRequests)
        case "znode_count": return String(stats.nodeCount)
        case "uptime": return String(monitor.uptimeMilliseconds)
        case "watch_count": return String(monitor.watchCount)
        case "ephemerals_count": return String(monitor.ephemeralsCount)
        case "approximate_data_size": return String(monitor.approximateDataSize)
        case "global_sessions": return String(monitor.globalSessions)
        case "local_sessions": return String(monitor.localSessions)
        case "open_file_descriptor_count": return monitor.openFileDescriptorCount.map { String($0) }
        case "max_file_descriptor_count": return monitor.maxFileDescriptorCount.map { String($0) }
        case "connection_drop_probability": return JavaFormat.double(monitor.connectionDropProbability)
        case "last_client_response_size": return String(monitor.clientResponseSizes.last)
        case "max_client_response_size": return String(monitor.clientResponseSizes.max)
        case "min_client_response_size": return String(monitor.clientResponseSizes.min)
        case "outstanding_tls_handshake": return String(monitor.outstandingTLSHandshakes)
        case "auth_failed_count": return String(monitor.authFailedCount)
        case "non_mtls_remote_conn_count": return String(monitor.nonMTLSRemoteConnections)
        case "non_mtls_local_conn_count": return String(monitor.nonMTLSLocalConnections)
        case "quorum_size": return monitor.quorumSize.map { String($0) }
        default: return leaderGauge(name, monitor.leader)
        }
    }

    private static func leaderGauge(_ name: String, _ leader: LeaderMonitorValues?) -> String? {
        guard let leader else { return nil }
        switch name {
        case "learners": return String(leader.learners)
        case "synced_followers": return String(leader.syncedFollowers)
        case "synced_non_voting_followers": return String(leader.syncedNonVotingFollowers)
        case "synced_observers": return String(leader.syncedObservers)
        case "pending_syncs": return String(leader.pendingSyncs)
        case "leader_uptime": return String(leader.leaderUptimeMilliseconds)
        case "last_proposal_size": return String(leader.proposalSizes.last)
        case "max_proposal_size": return String(leader.proposalSizes.max)
        case "min_proposal_size": return String(leader.proposalSizes.min)
        default: return nil
        }
    }

    // MARK: - Apache 3.8.0 orders (captured from running servers)

    static let standaloneGauges: [String] = [
        "ephemerals_count", "num_alive_connections", "avg_latency", "outstanding_requests", "znode_count",
        "global_sessions", "non_mtls_remote_conn_count", "last_client_response_size", "packets_sent",
        "packets_received", "max_client_response_size", "connection_drop_probability", "watch_count",
        "auth_failed_count", "min_latency", "max_file_descriptor_count", "approximate_data_size",
        "open_file_descriptor_count", "local_sessions", "uptime", "max_latency", "outstanding_tls_handshake",
        "min_client_response_size", "non_mtls_local_conn_count",
    ]

    static let leaderGauges: [String] = [
        "ephemerals_count", "num_alive_connections", "avg_latency", "min_proposal_size",
        "outstanding_requests", "znode_count", "global_sessions", "non_mtls_remote_conn_count",
        "last_client_response_size", "packets_sent", "packets_received", "max_proposal_size",
        "max_client_response_size", "synced_followers", "connection_drop_probability", "watch_count",
        "synced_non_voting_followers", "synced_observers", "auth_failed_count", "min_latency",
        "max_file_descriptor_count", "approximate_data_size", "open_file_descriptor_count",
        "last_proposal_size", "pending_syncs", "leader_uptime", "local_sessions", "uptime", "max_latency",
        "outstanding_tls_handshake", "learners", "min_client_response_size", "non_mtls_local_conn_count",
        "quorum_size",
    ]

    static let counters: [String] = [
        "proposal_count", "watch_bytes", "outstanding_changes_removed", "throttled_ops",
        "stale_requests_dropped", "large_requests_rejected", "insecure_admin_count", "connection_rejected",
        "cnxn_closed_without_zk_server_running", "sessionless_connections_expired", "looking_count",
        "dead_watchers_queued", "stale_requests", "connection_drop_count", "learner_proposal_received_count",
        "digest_mismatches_count", "dead_watchers_cleared", "response_packet_cache_hits",
        "bytes_received_count", "add_dead_watcher_stall_time", "request_throttle_wait_count",
        "requests_not_forwarded_to_commit_processor", "response_packet_cache_misses",
        "ensemble_auth_success", "prep_processor_request_queued", "learner_commit_received_count",
        "stale_replies", "connection_request_count", "response_bytes", "ensemble_auth_fail", "diff_count",
        "response_packet_get_children_cache_misses", "connection_revalidate_count",
        "quit_leading_due_to_disloyal_voter", "snap_count", "unrecoverable_error_count",
        "unsuccessful_handshake", "commit_count", "stale_sessions_expired",
        "response_packet_get_children_cache_hits", "sync_processor_request_queued",
        "outstanding_changes_queued", "request_commit_queued", "ensemble_auth_skip",
        "skip_learner_request_to_next_processor_count", "tls_handshake_exceeded", "revalidate_count",
    ]

    static let basicSummaries: [String] = [
        "socket_closing_time", "proposal_process_time", "leader_unavailable_time",
        "node_created_watch_count", "session_queues_drained", "write_commit_proc_req_queued",
        "connection_token_deficit", "read_commit_proc_req_queued", "node_deleted_watch_count",
        "startup_txns_load_time", "sync_processor_queue_size", "follower_sync_time",
        "prep_processor_queue_size", "fsynctime", "inflight_snap_count", "reads_issued_from_session_queue",
        "learner_request_processor_queue_size", "snapshottime", "unavailable_time", "startup_txns_loaded",
        "reads_after_write_in_session_queue", "requests_in_session_queue", "write_commit_proc_issued",
        "prep_process_time", "pending_session_queue_size",
        "time_waiting_empty_pool_in_commit_processor_read_ms", "commit_process_time", "dbinittime",
        "inflight_diff_count", "netty_queued_buffer_capacity", "election_time",
        "commit_commit_proc_req_queued", "sync_processor_batch_size", "node_children_watch_count",
        "write_batch_time_in_commit_processor", "read_commit_proc_issued",
        "concurrent_request_processing_in_commit_processor", "observer_sync_time",
        "node_changed_watch_count", "sync_process_time", "startup_snap_load_time",
    ]

    static let percentileSummaries: [String] = [
        "prep_processor_queue_time_ms", "jvm_pause_time_ms", "close_session_prep_time",
        "read_commitproc_time_ms", "updatelatency", "local_write_committed_time_ms",
        "request_throttle_queue_time_ms", "readlatency", "quorum_ack_latency", "om_commit_process_time_ms",
        "read_final_proc_time_ms", "commit_propagation_latency", "dead_watchers_cleaner_latency",
        "write_final_proc_time_ms", "proposal_ack_creation_latency", "proposal_latency",
        "om_proposal_process_time_ms", "sync_processor_queue_and_flush_time_ms", "propagation_latency",
        "server_write_committed_time_ms", "sync_processor_queue_time_ms",
        "sync_processor_queue_flush_time_ms", "write_commitproc_time_ms",
    ]
}
