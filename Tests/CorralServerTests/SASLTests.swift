import Testing
@testable import CorralServer

private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
private func text(_ b: [UInt8]) -> String { String(decoding: b, as: UTF8.self) }

/// kazoo's harness users (kazoo/testing/harness.py, ZOOKEEPER_JAAS_AUTH=digest).
private let kazooUsers = ["super": "super_secret", "jaasuser": "jaas_password"]

/// Runs the challenge step and returns the server ready for the digest-response.
private func serverAfterChallenge(
    users: [String: String] = kazooUsers, nonce: String, first: [UInt8] = []
) -> SASLDigestMD5Server {
    var server = SASLDigestMD5Server(users: users, nonce: nonce)
    guard case .challenge = server.step(first) else {
        Issue.record("first step did not challenge")
        return server
    }
    return server
}

/// A digest-response as a client builds it, for this nonce and these credentials.
private func clientResponse(
    username: String, password: String, nonce: String, cnonce: String = "OA6MHXh6VqTrRk",
    realm: String = "zk-sasl-md5", digestURI: String = "zookeeper/zk-sasl-md5", authzid: String? = nil
) -> [UInt8] {
    let response = SASLDigestMD5Server.responseValue(
        method: "AUTHENTICATE", digestURI: digestURI, qop: "auth", username: username, realm: realm,
        password: password, nonce: bytes(nonce), cnonce: bytes(cnonce), nonceCount: 1,
        authzid: authzid.map(bytes))
    var token = "username=\"\(username)\",realm=\"\(realm)\",nonce=\"\(nonce)\",cnonce=\"\(cnonce)\","
        + "nc=00000001,qop=auth,digest-uri=\"\(digestURI)\",response=\(text(response))"
    if let authzid { token += ",authzid=\"\(authzid)\"" }
    return bytes(token)
}

/// SASL DIGEST-MD5 and JAAS configuration (all suites nest here for `--filter SASLTests`).
@Suite struct SASLTests {}

extension SASLTests {
    /// RFC 2831 section 4 (chris / secret / elwood.innosoft.com).
    @Suite struct RFC2831 {
        @Test func imapExampleResponseValue() {
            let args = (
                uri: "imap/elwood.innosoft.com", user: "chris", realm: "elwood.innosoft.com", pass: "secret",
                nonce: bytes("OA6MG9tEQGm2hh"), cnonce: bytes("OA6MHXh6VqTrRk")
            )
            let response = SASLDigestMD5Server.responseValue(
                method: "AUTHENTICATE", digestURI: args.uri, qop: "auth", username: args.user, realm: args.realm,
                password: args.pass, nonce: args.nonce, cnonce: args.cnonce, nonceCount: 1, authzid: nil)
            #expect(text(response) == "d388dad90d4bbd760a152321f2143af7")
            let rspauth = SASLDigestMD5Server.responseValue(
                method: "", digestURI: args.uri, qop: "auth", username: args.user, realm: args.realm,
                password: args.pass, nonce: args.nonce, cnonce: args.cnonce, nonceCount: 1, authzid: nil)
            #expect(text(rspauth) == "ea40f60335c427b5527b84dbabcdfffd")
        }

        @Test func acapExampleResponseValue() {
            let response = SASLDigestMD5Server.responseValue(
                method: "AUTHENTICATE", digestURI: "acap/elwood.innosoft.com", qop: "auth", username: "chris",
                realm: "elwood.innosoft.com", password: "secret", nonce: bytes("OA9BSXrbuRhWay"),
                cnonce: bytes("OA9BSuZWMSpW8m"), nonceCount: 1, authzid: nil)
            #expect(text(response) == "6084c6db3fede7352c551284490fd0fc")
        }

        /// The whole IMAP example through the state machine, with the RFC's client message.
        @Test func imapExampleExchange() {
            var server = SASLDigestMD5Server(
                users: ["chris": "secret"], realm: "elwood.innosoft.com", nonce: "OA6MG9tEQGm2hh",
                protocol: "imap", serverName: "elwood.innosoft.com")
            #expect(
                server.step([])
                    == .challenge(
                        bytes("realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2hh\",charset=utf-8,algorithm=md5-sess")))
            let client =
                "charset=utf-8,username=\"chris\",realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2hh\","
                + "nc=00000001,cnonce=\"OA6MHXh6VqTrRk\",digest-uri=\"imap/elwood.innosoft.com\","
                + "response=d388dad90d4bbd760a152321f2143af7,qop=auth"
            #expect(
                server.step(bytes(client))
                    == .success(finalToken: bytes("rspauth=ea40f60335c427b5527b84dbabcdfffd"), authorizationId: "chris"))
            #expect(server.isComplete)
            #expect(server.authorizationId == "chris")
        }
    }

    /// Exchanges recorded against the JDK 17 DigestMD5Server with ZooKeeper 3.8's
    /// SaslServerCallbackHandler (protocol "zookeeper", server name "zk-sasl-md5"), the
    /// client side being kazoo's puresasl (DIGEST-MD5) or the JDK's DigestMD5Client.
    @Suite struct RecordedAgainstJava {
        @Test func challengeMatchesJava() {
            var server = SASLDigestMD5Server(users: kazooUsers, nonce: "WadSjBUGoJV5CdWorTPkDVDAzVBMDcbGWYWKxCb2")
            #expect(
                server.step([])
                    == .challenge(
                        bytes(
                            "realm=\"zk-sasl-md5\",nonce=\"WadSjBUGoJV5CdWorTPkDVDAzVBMDcbGWYWKxCb2\",charset=utf-8,algorithm=md5-sess"
                        )))
            #expect(!server.isComplete)
        }

        @Test func challengeIgnoresInitialResponse() {
            var server = SASLDigestMD5Server(users: kazooUsers, nonce: "n")
            #expect(server.step(bytes("hello")) == .challenge(bytes("realm=\"zk-sasl-md5\",nonce=\"n\",charset=utf-8,algorithm=md5-sess")))
        }

        @Test func pureSASLClient() {
            var server = serverAfterChallenge(nonce: "TpyrI+60icvl/cDJW1AdyLd1drK3ECRonn35SSVI")
            let token =
                "qop=auth,realm=\"zk-sasl-md5\",username=\"jaasuser\",nonce=\"TpyrI+60icvl/cDJW1AdyLd1drK3ECRonn35SSVI\","
                + "cnonce=\"13436424411240122\",nc=00000001,digest-uri=\"zookeeper/zk-sasl-md5\","
                + "response=dfe312959ca96d379908ba7cd7e305b8"
            #expect(
                server.step(bytes(token))
                    == .success(finalToken: bytes("rspauth=ddd1605dd9828bc73b48ef29aeccb6c8"), authorizationId: "jaasuser"))
        }

        @Test func pureSASLClientNonLatin1Password() {
            var server = serverAfterChallenge(users: ["cyr": "пароль"], nonce: "FE8oqPdWgzIHHkdKy7/Z2wPPz6jEDtUXqQZO6Yre")
            let token =
                "qop=auth,realm=\"zk-sasl-md5\",username=\"cyr\",nonce=\"FE8oqPdWgzIHHkdKy7/Z2wPPz6jEDtUXqQZO6Yre\","
                + "cnonce=\"763774618976614\",nc=00000001,digest-uri=\"zookeeper/zk-sasl-md5\","
                + "response=c4dcb6e269b16c06e40da03eea24e64c"
            #expect(
                server.step(bytes(token))
                    == .success(finalToken: bytes("rspauth=e7ce08655bcac02017769a409a0084bd"), authorizationId: "cyr"))
        }

        /// Java hashes a password whose characters all fit ISO-8859-1 as Latin-1; puresasl
        /// always uses UTF-8, so against Apache this login fails, and so it does here.
        @Test func pureSASLClientLatin1PasswordFailsLikeJava() {
            var server = serverAfterChallenge(users: ["latin": "pässwörd"], nonce: "eYFrHnuxDuu+I1BrXbvqhJrb4w0XO8jHq6jYtJgh")
            let token =
                "qop=auth,realm=\"zk-sasl-md5\",username=\"latin\",nonce=\"eYFrHnuxDuu+I1BrXbvqhJrb4w0XO8jHq6jYtJgh\","
                + "cnonce=\"8474337369372327\",nc=00000001,digest-uri=\"zookeeper/zk-sasl-md5\","
                + "response=f43d5417fc6dccbf1553c2e3b93edbd3"
            #expect(
                server.step(bytes(token))
                    == .failure(reason: "DIGEST-MD5: digest response format violation. Mismatched response."))
        }

        /// The JDK's own client (Latin-1 password, charset and maxbuf directives) succeeds.
        @Test func javaClientLatin1Password() {
            var server = serverAfterChallenge(users: ["latin": "pässwörd"], nonce: "ZOsWvQ49pH/FzUIJt8xevIlFb4MhbsOL0NV0JCUv")
            let token =
                "charset=utf-8,username=\"latin\",realm=\"zk-sasl-md5\",nonce=\"ZOsWvQ49pH/FzUIJt8xevIlFb4MhbsOL0NV0JCUv\","
                + "nc=00000001,cnonce=\"zkeqU+x6GmjmMqt4Ekwtxu6jFKc4eqlCQO31Y4Td\",digest-uri=\"zookeeper/zk-sasl-md5\","
                + "maxbuf=65536,response=7a0c0762277ddcf4b3bf471c39c373b7,qop=auth"
            #expect(
                server.step(bytes(token))
                    == .success(finalToken: bytes("rspauth=033cb8e1376571049c08b56ba253c360"), authorizationId: "latin"))
        }

        /// authzid enters A1, but ZooKeeper's callback handler authorizes the user name itself.
        @Test func authzidIsHashedButIdIsUserName() {
            var server = serverAfterChallenge(nonce: "f1RgDWv9sDiahEhKoUt9HMtsC1IOikzKDDImsXbo")
            let token =
                "username=\"jaasuser\",realm=\"zk-sasl-md5\",nonce=\"f1RgDWv9sDiahEhKoUt9HMtsC1IOikzKDDImsXbo\","
                + "cnonce=\"abc\",nc=00000001,qop=auth,digest-uri=\"zookeeper/zk-sasl-md5\","
                + "response=2e76fdc94054c76ad08bbd62fd26d53a,authzid=\"zed\""
            #expect(
                server.step(bytes(token))
                    == .success(finalToken: bytes("rspauth=91cb9bc382bca9ea1e6d919dcbf5ad8b"), authorizationId: "jaasuser"))
        }

        /// `name@REALM` matches no auth_to_local rule, so the id stays the client's authzid.
        @Test func kerberosLookingUserNames() {
            var server = serverAfterChallenge(users: ["a@B": "pw"], nonce: "cAjA7qWgcEzjImhy0i5lLAI6mTeN9oNyuKYhDysV")
            let token =
                "username=\"a@B\",realm=\"zk-sasl-md5\",nonce=\"cAjA7qWgcEzjImhy0i5lLAI6mTeN9oNyuKYhDysV\","
                + "cnonce=\"abc\",nc=00000001,qop=auth,digest-uri=\"zookeeper/zk-sasl-md5\","
                + "response=3b408c4a18e1bf5991abd3dcd87ab1e6,authzid=\"zed\""
            #expect(
                server.step(bytes(token))
                    == .success(finalToken: bytes("rspauth=0ea9e7359ce7aabf114fcc5c042e2747"), authorizationId: "zed"))

            #expect(SASLDigestMD5Server.authorizedID(authenticationID: "jaasuser", authorizationID: "x") == "jaasuser")
            #expect(SASLDigestMD5Server.authorizedID(authenticationID: "u/h", authorizationID: "u/h") == "u/h")
            #expect(SASLDigestMD5Server.authorizedID(authenticationID: "a@B", authorizationID: "a@B") == "a@B")
            #expect(SASLDigestMD5Server.authorizedID(authenticationID: "a/h@", authorizationID: "z") == "a/h@")
            #expect(SASLDigestMD5Server.authorizedID(authenticationID: "x@", authorizationID: "z") == "x@")
            #expect(
                SASLDigestMD5Server.authorizedID(
                    authenticationID: "a/h@", authorizationID: "z", removeHost: true, removeRealm: true) == "a")
            #expect(SASLDigestMD5Server.authorizedID(authenticationID: "a@b@c", authorizationID: "z") == nil)
            #expect(SASLDigestMD5Server.authorizedID(authenticationID: "a/b/c@R", authorizationID: "z") == nil)
        }

        @Test func malformedKerberosNameAborts() {
            let nonce = "Bpvk59FxZA/kxMB+TyKf4OIVvStS8HvRrNMuT/k1"
            var server = serverAfterChallenge(users: ["a@b@c": "pw"], nonce: nonce)
            let token = clientResponse(username: "a@b@c", password: "pw", nonce: nonce, cnonce: "abc")
            #expect(server.step(token) == .abort(reason: "java.lang.IllegalArgumentException: Malformed Kerberos name: a@b@c"))
            #expect(!server.isComplete)
        }

        /// The digest-uri is compared like Java's equalsIgnoreCase, and the client's spelling
        /// is what enters A2 and rspauth.
        @Test func digestURICaseInsensitive() {
            var server = serverAfterChallenge(nonce: "tKhusFVqv1yKBk+XTXG0XVvM9H8YKETuF4t2pRvU")
            let token =
                "username=\"jaasuser\",realm=\"zk-sasl-md5\",nonce=\"tKhusFVqv1yKBk+XTXG0XVvM9H8YKETuF4t2pRvU\","
                + "cnonce=\"abc\",nc=00000001,qop=auth,digest-uri=\"zookeeper/zk-ſasl-md5\","
                + "response=5451be6b43fe050c234ac5f23ee00479"
            #expect(
                server.step(bytes(token))
                    == .success(finalToken: bytes("rspauth=ebcb5e56d0d2ec6620eeb3d8dd567148"), authorizationId: "jaasuser"))

            let nonce = "N"
            var upper = serverAfterChallenge(nonce: nonce)
            let t = clientResponse(
                username: "jaasuser", password: "jaas_password", nonce: nonce, digestURI: "ZOOKEEPER/ZK-SASL-MD5")
            guard case .success = upper.step(t) else {
                Issue.record("upper-case digest-uri refused")
                return
            }
        }
    }

    @Suite struct Exchange {
        @Test func fullExchangeWithClientComputation() {
            let nonce = SASLDigestMD5Server.makeNonce()
            #expect(nonce.utf8.count == 40)
            var server = SASLDigestMD5Server(users: kazooUsers, nonce: nonce)
            guard case .challenge(let challenge) = server.step([]) else {
                Issue.record("no challenge")
                return
            }
            #expect(text(challenge).contains("nonce=\"\(nonce)\""))
            let cnonce = "0123456789"
            let token = clientResponse(username: "jaasuser", password: "jaas_password", nonce: nonce, cnonce: cnonce)
            let rspauth = SASLDigestMD5Server.responseValue(
                method: "", digestURI: "zookeeper/zk-sasl-md5", qop: "auth", username: "jaasuser",
                realm: "zk-sasl-md5", password: "jaas_password", nonce: bytes(nonce), cnonce: bytes(cnonce),
                nonceCount: 1, authzid: nil)
            #expect(server.step(token) == .success(finalToken: bytes("rspauth=") + rspauth, authorizationId: "jaasuser"))
            #expect(server.isComplete)
            // Java's server is then in an illegal state for any further token.
            #expect(server.step([]) == .failure(reason: "DIGEST-MD5: Server at illegal state"))
            #expect(server.isComplete)
        }

        @Test func wrongPassword() {
            var server = serverAfterChallenge(nonce: "abc")
            let token = clientResponse(username: "jaasuser", password: "wrong", nonce: "abc")
            #expect(server.step(token) == .failure(reason: "DIGEST-MD5: digest response format violation. Mismatched response."))
            #expect(!server.isComplete)
            #expect(server.authorizationId == nil)
            #expect(server.step([]) == .failure(reason: "DIGEST-MD5: Server at illegal state"))
        }

        @Test func unknownUser() {
            var server = serverAfterChallenge(nonce: "abc")
            let token = clientResponse(username: "baduser", password: "badpassword", nonce: "abc")
            #expect(
                server.step(token)
                    == .failure(reason: "DIGEST-MD5: cannot acquire password for baduser in realm : zk-sasl-md5"))
        }

        @Test func noUsersAtAll() {
            var server = serverAfterChallenge(users: [:], nonce: "abc")
            let token = clientResponse(username: "jaasuser", password: "jaas_password", nonce: "abc")
            guard case .failure = server.step(token) else {
                Issue.record("authenticated without users")
                return
            }
        }

        @Test func superUserAndSuperPasswordOverride() throws {
            let config = try JAASConfig(parsing: kazooJAAS)
            let users = try #require(config.digestMD5Users(superPassword: "override"))
            #expect(users == ["super": "override", "jaasuser": "jaas_password"])
            var server = serverAfterChallenge(users: users, nonce: "abc")
            let token = clientResponse(username: "super", password: "override", nonce: "abc")
            guard case .success(_, let id) = server.step(token) else {
                Issue.record("super refused")
                return
            }
            #expect(id == "super")
        }
    }

    /// Every broken digest-response fails (or aborts) with Java's diagnostic; none crashes.
    @Suite struct MalformedTokens {
        static let nonce = "NONCE"
        static let good = text(clientResponse(username: "jaasuser", password: "jaas_password", nonce: nonce))

        static let failures: [(String, String)] = [
            ("", "DIGEST-MD5: digest response format violation. Missing username."),
            ("\u{FF}garbage", "DIGEST-MD5: digest response format violation. Missing username."),
            ("username", "DIGEST-MD5: digest response format violation. Nonexistent realm: "),
            ("=x", "Empty directive key"),
            ("user name=x", "'=' expected after key: user"),
            ("user,name=x", "Directive key contains a ',':user"),
            ("username=", "Valueless directive found: username"),
            ("username=\"abc", "Unmatched quote found for directive: username with value: abc"),
            ("username=\"abc\\", "Unmatched quote found for directive: username with value: abc"),
            ("username=\"abc\"x", "Expecting comma or linear whitespace after quoted string: \"abc\""),
            (good + ",username=\"jaasuser\"", "DIGEST-MD5: peer sent more than one username directive: jaasuser"),
            (good + ",REALM=\"zk-sasl-md5\"", "DIGEST-MD5: peer sent more than one REALM directive: zk-sasl-md5"),
            (good + ",charset=UTF-8", "DIGEST-MD5: digest response format violation. Incompatible charset value: UTF-8"),
            (good.replacingOccurrences("realm=\"zk-sasl-md5\",", ""),
                "DIGEST-MD5: digest response format violation. Nonexistent realm: "),
            (good.replacingOccurrences("realm=\"zk-sasl-md5\"", "realm=\"ZK-SASL-MD5\""),
                "DIGEST-MD5: digest response format violation. Nonexistent realm: ZK-SASL-MD5"),
            (good.replacingOccurrences("nonce=\"NONCE\",", ""),
                "DIGEST-MD5: digest response format violation. Missing nonce."),
            (good.replacingOccurrences("nonce=\"NONCE\"", "nonce=\"OTHER\""),
                "DIGEST-MD5: digest response format violation. Mismatched nonce."),
            (good.replacingOccurrences("cnonce=\"OA6MHXh6VqTrRk\",", ""),
                "DIGEST-MD5: digest response format violation. Missing cnonce."),
            (good + ",nonce-count=00000002",
                "DIGEST-MD5: digest response format violation. Nonce count does not match: 00000002"),
            (good.replacingOccurrences("qop=auth", "qop=auth-int"), "DIGEST-MD5: server does not support  qop: auth-int"),
            (good.replacingOccurrences("qop=auth", "qop=AUTH"),
                "DIGEST-MD5: digest response format violation. Invalid QOP: AUTH"),
            (good.replacingOccurrences(",digest-uri=\"zookeeper/zk-sasl-md5\"", ""),
                "DIGEST-MD5: digest response format violation. Mismatched URI: null; expecting: zookeeper/zk-sasl-md5"),
            (good.replacingOccurrences("zookeeper/zk-sasl-md5", "zookeeper/localhost"),
                "DIGEST-MD5: digest response format violation. Mismatched URI: zookeeper/localhost; expecting: zookeeper/zk-sasl-md5"
            ),
            (good.replacingOccurrences(",response=", ",x="),
                "DIGEST-MD5: digest response format  violation. Missing response."),
            (good.uppercasedResponse, "DIGEST-MD5: digest response format violation. Mismatched response."),
        ]

        @Test(arguments: failures.indices)
        func fails(_ index: Int) {
            let (token, reason) = Self.failures[index]
            var server = serverAfterChallenge(nonce: Self.nonce)
            #expect(server.step(bytes(token)) == .failure(reason: reason), "token: \(token)")
            #expect(!server.isComplete)
        }

        @Test func javaRuntimeExceptionsAbort() {
            for (extra, reason) in [
                (",maxbuf=abc", "java.lang.NumberFormatException: For input string: \"abc\""),
                (",maxbuf=99999999999", "java.lang.NumberFormatException: For input string: \"99999999999\""),
                (",nonce-count=zz", "java.lang.NumberFormatException: For input string: \"zz\""),
            ] {
                var server = serverAfterChallenge(nonce: Self.nonce)
                #expect(server.step(bytes(Self.good + extra)) == .abort(reason: reason))
            }
        }

        /// What Java tolerates: LWS and empty elements, unknown directives, "nc" (never checked),
        /// a quoted response, escapes, upper-case keys, charset=utf-8, maxbuf.
        @Test func toleratedVariations() {
            let good = Self.good
            for token in [
                " " + good.replacingOccurrences(",", " ,\t ").replacingOccurrences("=", " = ") + " ",
                "," + good + ",,",
                good + ",foo=bar,auth-param=\"x\"",
                good.replacingOccurrences("username", "USERNAME").replacingOccurrences("digest-uri", "Digest-URI"),
                good.replacingOccurrences("nc=00000001", "nc=zz"),
                good.replacingOccurrences(",nc=00000001", "").replacingOccurrences(",qop=auth", ""),
                good.replacingOccurrences("response=", "response=\"") .appendingQuoteAfterResponse,
                good.replacingOccurrences("username=\"jaasuser\"", "username=\"jaas\\user\""),
                good + ",charset=utf-8,maxbuf=1000,nonce-count=1",
            ] {
                var server = serverAfterChallenge(nonce: Self.nonce)
                guard case .success(_, let id) = server.step(bytes(token)) else {
                    Issue.record("refused: \(token)")
                    continue
                }
                #expect(id == "jaasuser")
            }
        }

        @Test func lengthLimit() {
            var long = serverAfterChallenge(nonce: Self.nonce)
            let tooLong = Self.good + ",x=" + String(repeating: "y", count: 5000)
            #expect(
                long.step(bytes(tooLong))
                    == .failure(reason: "DIGEST-MD5: Invalid digest response length. Got:  \(tooLong.utf8.count) Expected < 4096"))

            var exact = serverAfterChallenge(nonce: Self.nonce)
            let padded = Self.good + ",z=" + String(repeating: "y", count: 4096 - Self.good.utf8.count - 3)
            #expect(padded.utf8.count == 4096)
            guard case .success = exact.step(bytes(padded)) else {
                Issue.record("4096-byte response refused")
                return
            }
            var over = serverAfterChallenge(nonce: Self.nonce)
            guard case .failure = over.step(bytes(padded + "y")) else {
                Issue.record("4097-byte response accepted")
                return
            }
            // An over-long first token does not even get a challenge.
            var first = SASLDigestMD5Server(users: kazooUsers, nonce: "n")
            guard case .failure = first.step(Array(repeating: 0x41, count: 4097)) else {
                Issue.record("over-long first token challenged")
                return
            }
        }

        /// Random mutations of a good response: any outcome but a crash, and success only
        /// with the right password.
        @Test func mutationsNeverCrash() {
            var rng = SplitMix64(seed: 2831)
            let alphabet = bytes("=,\"\\ \t\r\nabcxyz0123456789-+@/") + [0x00, 0x7F, 0xC3, 0xA9, 0xFF]
            let base = bytes(Self.good)
            for _ in 0..<2000 {
                var token = base
                for _ in 0...Int.random(in: 0...3, using: &rng) {
                    let pos = Int.random(in: 0...token.count, using: &rng)
                    switch Int.random(in: 0...3, using: &rng) {
                    case 0 where !token.isEmpty: token.remove(at: min(pos, token.count - 1))
                    case 1: token.insert(alphabet.randomElement(using: &rng)!, at: pos)
                    case 2 where !token.isEmpty: token[min(pos, token.count - 1)] = alphabet.randomElement(using: &rng)!
                    default: token = Array(token[..<pos])
                    }
                }
                var server = serverAfterChallenge(nonce: Self.nonce)
                _ = server.step(token)
                _ = server.step(token)
            }
        }
    }

    @Suite struct Helpers {
        @Test func latin1OrUTF8() {
            #expect(SASLDigestMD5Server.latin1OrUTF8("pässwörd") == [0x70, 0xE4, 0x73, 0x73, 0x77, 0xF6, 0x72, 0x64])
            #expect(SASLDigestMD5Server.latin1OrUTF8("пароль") == Array("пароль".utf8))
            #expect(SASLDigestMD5Server.latin1OrUTF8("añ€") == Array("añ€".utf8))
        }

        @Test func javaParseInt() {
            #expect(SASLDigestMD5Server.javaParseInt("00000001", radix: 16) == 1)
            #expect(SASLDigestMD5Server.javaParseInt("+1", radix: 16) == 1)
            #expect(SASLDigestMD5Server.javaParseInt("-1", radix: 10) == -1)
            #expect(SASLDigestMD5Server.javaParseInt("7fffffff", radix: 16) == Int32.max)
            #expect(SASLDigestMD5Server.javaParseInt("80000000", radix: 16) == nil)
            #expect(SASLDigestMD5Server.javaParseInt("", radix: 10) == nil)
            #expect(SASLDigestMD5Server.javaParseInt("-", radix: 10) == nil)
            #expect(SASLDigestMD5Server.javaParseInt("+-1", radix: 10) == nil)
            #expect(SASLDigestMD5Server.javaParseInt("1 ", radix: 10) == nil)
        }

        @Test func javaEqualsIgnoreCase() {
            #expect(SASLDigestMD5Server.javaEqualsIgnoreCase("zookeeper/zk-sasl-md5", "ZooKeeper/ZK-SASL-MD5"))
            #expect(SASLDigestMD5Server.javaEqualsIgnoreCase("s", "ſ"))  // U+017F upper-cases to S
            #expect(SASLDigestMD5Server.javaEqualsIgnoreCase("k", "\u{212A}"))  // Kelvin sign lower-cases to k
            #expect(!SASLDigestMD5Server.javaEqualsIgnoreCase("ss", "ß"))
            #expect(!SASLDigestMD5Server.javaEqualsIgnoreCase("a", "ab"))
        }

        @Test func nonceShape() {
            var rng = SplitMix64(seed: 1)
            let nonce = SASLDigestMD5Server.makeNonce(using: &rng)
            #expect(nonce.utf8.count == 40)
            #expect(nonce.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "+" || $0 == "/" })
            #expect(SASLDigestMD5Server.makeNonce() != SASLDigestMD5Server.makeNonce())
        }
    }
}

// MARK: - JAAS

/// kazoo/testing/harness.py's text for ZOOKEEPER_JAAS_AUTH=digest, verbatim.
private let kazooJAAS = """

    Server {
        org.apache.zookeeper.server.auth.DigestLoginModule required
        user_super="super_secret"
        user_jaasuser="jaas_password";
    };
    """

extension SASLTests {
    @Suite struct JAAS {
        @Test func kazooHarnessConfig() throws {
            let config = try JAASConfig(parsing: kazooJAAS)
            #expect(
                config.sections == [
                    "Server": [
                        .init(
                            loginModule: "org.apache.zookeeper.server.auth.DigestLoginModule", controlFlag: .required,
                            options: ["user_super": "super_secret", "user_jaasuser": "jaas_password"])
                    ]
                ])
            #expect(config.digestMD5Users() == kazooUsers)
            #expect(config.digestMD5Users(section: "Client") == nil)
        }

        @Test func sectionsCommentsAndQuoting() throws {
            let config = try JAASConfig(
                parsing: """
                    // line comment
                    /* block
                       comment */ Client { org.apache.zookeeper.server.auth.DigestLoginModule REQUIRED
                        username="bob" password="secret"; };
                    "Server" {
                      a.b.C Optional debug=true user_plain=unquoted_word-1.2$x*;
                      org.apache.zookeeper.server.auth.DigestLoginModule sufficient
                        user_esc="q\\"uote\\\\back\\ttab\\101" user_empty="" / a lone slash comments out the line
                        user_ünï="çödé" user_plain="later";
                    };
                    Other { };
                    """)
            #expect(config.sections.keys.sorted() == ["Client", "Other", "Server"])
            let server = try #require(config.entries())
            #expect(server.map(\.controlFlag) == [.optional, .sufficient])
            #expect(server[0].options == ["debug": "true", "user_plain": "unquoted_word-1.2$x*"])
            #expect(
                config.digestMD5Users()
                    == ["plain": "later", "esc": "q\"uote\\back\ttabA", "empty": "", "ünï": "çödé"])
            #expect(config.entries(section: "Other") == nil)  // empty: Apache runs without SASL
            #expect(config.digestMD5Users(section: "Client") == [:])
        }

        /// StreamTokenizer swallows the character after a lone `/` (here the line break) before
        /// skipping to the line end, so the following line is commented out too.
        @Test func loneSlashSwallowsNextCharacter() throws {
            let config = try JAASConfig(parsing: "S { m required user_a=\"1\" /\nuser_b=\"2\"\nuser_c=\"3\"; };")
            #expect(config.digestMD5Users(section: "S") == ["a": "1", "c": "3"])
        }

        @Test func alternateSectionName() throws {
            let config = try JAASConfig(
                parsing: "MyServer { org.apache.zookeeper.server.auth.DigestLoginModule required user_x=\"y\"; };")
            #expect(config.digestMD5Users(section: "MyServer") == ["x": "y"])
            #expect(config.digestMD5Users() == nil)
        }

        @Test func propertyExpansion() throws {
            let config = try JAASConfig(
                parsing: #"S { m required user_a="${pw}" user_b="x${/}y" user_c="${{lit}}" user_d="${open"; };"#,
                systemProperties: ["pw": "secret"])
            #expect(config.digestMD5Users(section: "S") == ["a": "secret", "b": "x/y", "c": "${{lit}}", "d": "${open"])
            #expect(throws: JAASConfigError.self) {
                try JAASConfig(parsing: #"S { m required user_a="${nope}"; };"#)
            }
            #expect(throws: JAASConfigError.self) {
                try JAASConfig(parsing: #"S { m required user_a="${empty}"; };"#, systemProperties: ["empty": ""])
            }
        }

        @Test(arguments: [
            "Server { m required user_a=\"b\" };",  // missing ';' after the options
            "Server { m required user_a=\"b\"; }",  // missing ';' after '}'
            "Server { m required user_a=\"b\";",  // unterminated
            "Server { m mandatory; };",  // bad control flag
            "Server { m required user_a=1; };",  // a number is no option value
            "Server { m required user_a='b'; };",  // single quotes
            "Server { m required user_a; };",  // no '='
            "Server m required; };",  // no '{'
            "Server { m required; }; Server { m required; };",  // duplicate section
            "# comment\nServer { m required; };",  // '#' is no comment
            "Server { 1m required; };",
            "{ m required; };",
        ])
        func rejected(_ text: String) {
            #expect(throws: JAASConfigError.self) { try JAASConfig(parsing: text) }
        }

        @Test func errorLine() {
            do {
                _ = try JAASConfig(parsing: "Server {\n  m required\n  user_a=\"b\"\n  user_c=3;\n};")
                Issue.record("accepted")
            } catch {
                #expect(error.line == 4)
            }
        }

        @Test func emptyAndCommentOnlyFiles() throws {
            #expect(try JAASConfig(parsing: "").sections.isEmpty)
            #expect(try JAASConfig(parsing: "// nothing\n/* here */\n").sections.isEmpty)
        }
    }

    @Suite struct JVMFlags {
        /// As Tests/Conformance/kazoo/corral_plugin.py builds SERVER_JVMFLAGS: " ".join(sysprops).
        static let flags =
            "-Dzookeeper.extendedTypesEnabled=true -Dznode.container.checkIntervalMs=100 "
            + "-Djava.security.auth.login.config=/tmp/kazoo/server1/jaas.conf -Dzookeeper.4lw.commands.whitelist=*"

        @Test func loginConfigPath() {
            #expect(JAASConfig.loginConfigPath(fromJVMFlags: Self.flags) == "/tmp/kazoo/server1/jaas.conf")
            #expect(JAASConfig.loginConfigPath(fromJVMFlags: "") == nil)
            #expect(JAASConfig.loginConfigPath(fromJVMFlags: "-Dother=1") == nil)
            #expect(JAASConfig.loginConfigPath(fromJVMFlags: "-Djava.security.auth.login.config==/a/b.conf") == "/a/b.conf")
            #expect(
                JAASConfig.loginConfigPath(fromJVMFlags: "-Djava.security.auth.login.config=file:///a/my%20b.conf")
                    == "/a/my b.conf")
            #expect(
                JAASConfig.loginConfigPath(fromJVMFlags: "-Ddir=/etc/zk -Djava.security.auth.login.config=${dir}/jaas.conf")
                    == "/etc/zk/jaas.conf")
            #expect(
                JAASConfig.loginConfigPath(
                    fromJVMFlags: "-Djava.security.auth.login.config=/first -Djava.security.auth.login.config=/second")
                    == "/second")
        }

        @Test func systemProperties() {
            let props = JAASConfig.systemProperties(fromJVMFlags: "  -Da=1\t-Db -Dc=x=y -Xmx1g -D -D=v\n-Dzookeeper.superUser=jaasuser ")
            #expect(props == ["a": "1", "b": "", "c": "x=y", "zookeeper.superUser": "jaasuser"])
            #expect(JAASConfig.serverSection(fromJVMFlags: Self.flags) == "Server")
            #expect(JAASConfig.serverSection(fromJVMFlags: "-Dzookeeper.sasl.serverconfig=Alt") == "Alt")
        }
    }
}

// MARK: - Test helpers

/// Deterministic generator for the mutation test and nonce shape.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension String {
    fileprivate func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }

    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        replacingOccurrences(target, replacement)
    }

    /// The response value upper-cased (Java compares the hex bytes exactly).
    fileprivate var uppercasedResponse: String {
        guard let range = firstRange(of: "response=") else { return self }
        let head = self[..<range.upperBound]
        let tail = self[range.upperBound...]
        let end = tail.firstIndex(of: ",") ?? tail.endIndex
        return head + tail[..<end].uppercased() + tail[end...]
    }

    /// After `response="`, closes the quote at the end of the value.
    fileprivate var appendingQuoteAfterResponse: String {
        guard let range = firstRange(of: "response=\"") else { return self }
        let tail = self[range.upperBound...]
        let end = tail.firstIndex(of: ",") ?? tail.endIndex
        return self[..<end] + "\"" + self[end...]
    }
}
