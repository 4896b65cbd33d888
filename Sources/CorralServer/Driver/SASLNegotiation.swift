import CorralCore
import ZooKeeperProtocol

/// SASL (opcode 102) as Apache's `ZooKeeperServer.processSasl` runs it: answered as soon as it
/// arrives, outside the request pipeline, with zxid 0. One DIGEST-MD5 negotiation per connection.
extension ServerDriver {
    func sasl(_ id: ConnectionID, xid: Int32, token: [UInt8]?) {
        guard let users = settings.saslUsers else {
            // SASL not configured: Apache answers OK with a null token and keeps the connection.
            saslReply(id, xid: xid, err: .ok, token: nil)
            return
        }
        guard let token else {
            reject(id, reason: "SASL request without a token")
            return
        }
        var mechanism = connections[id]!.sasl
            ?? SASLDigestMD5Server(users: users, nonce: SASLDigestMD5Server.makeNonce())
        let result = mechanism.step(token)
        connections[id]!.sasl = mechanism
        switch result {
        case .challenge(let challenge):
            saslReply(id, xid: xid, err: .ok, token: challenge)
        case .success(let finalToken, let authorizationId):
            run(.authenticated(id, Id(scheme: "sasl", id: authorizationId)))
            saslReply(id, xid: xid, err: .ok, token: finalToken)
        case .failure(let reason):
            logger.info("SASL authentication failed on connection \(id): \(reason)")
            saslReply(id, xid: xid, err: .authFailed, token: nil)
            close(id)
        case .abort(let reason):
            reject(id, reason: "SASL negotiation aborted: \(reason)")
        }
    }

    func saslReply(_ id: ConnectionID, xid: Int32, err: ErrorCode, token: [UInt8]?) {
        execute(.reply(id, ReplyHeader(xid: xid, zxid: 0, err: err.rawValue), .sasl(token)))
        flush()
    }
}
