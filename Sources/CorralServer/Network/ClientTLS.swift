import NIOSSL

/// TLS for `secureClientPort`, from Apache's `ssl.*` keys with PEM stores (`ssl.keyStore.type=PEM`:
/// one file holding the private key and the certificate chain). JKS/PKCS12 stores are Java formats
/// and are refused with a clear error.
struct ClientTLSSettings: Sendable {
    var keyStorePath: String
    var trustStorePath: String?
    /// Apache's `ssl.clientAuth`: need (default), want, none.
    var clientAuth: String

    /// Nil when the zoo.cfg configures no key store.
    init?(properties: [String: String]) throws {
        guard let keyStore = properties["ssl.keyStore.location"], !keyStore.isEmpty else { return nil }
        for typeKey in ["ssl.keyStore.type", "ssl.trustStore.type"] {
            if let type = properties[typeKey], !type.isEmpty, type.uppercased() != "PEM" {
                throw ClientTLSError(description: "\(typeKey)=\(type) is not supported; convert the store to PEM")
            }
        }
        keyStorePath = keyStore
        trustStorePath = properties["ssl.trustStore.location"].flatMap { $0.isEmpty ? nil : $0 }
        clientAuth = (properties["ssl.clientAuth"] ?? "need").lowercased()
    }

    func makeContext() throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMFile(keyStorePath)
        let key = try NIOSSLPrivateKey(file: keyStorePath, format: .pem)
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) },
                                                           privateKey: .privateKey(key))
        if let trustStorePath { tls.trustRoots = .file(trustStorePath) }
        tls.certificateVerification = clientAuth == "none" ? .none : .noHostnameVerification
        return try NIOSSLContext(configuration: tls)
    }
}

struct ClientTLSError: Error, CustomStringConvertible {
    let description: String
}
