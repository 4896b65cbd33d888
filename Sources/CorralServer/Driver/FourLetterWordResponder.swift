import CorralCore

/// Answers four-letter words from the driver's live state, honouring `4lw.commands.whitelist`:
/// builds the parts of a `ServerStatusSnapshot` the word prints, renders it with
/// `FourLetterWordFormatter` (Apache 3.8's exact text) and carries out the word's side effect
/// (`crst`, `srst`, `stmk`).
struct FourLetterWordResponder: Sendable {
    let whitelist: FourLetterWordWhitelist
    /// The parsed zoo.cfg, for `conf` and `dirs`.
    let config: ServerConfig

    init(whitelist: FourLetterWordWhitelist, config: ServerConfig = .embeddedDefault()) {
        self.whitelist = whitelist
        self.config = config
    }

    /// The reply to `request` arriving on connection `id`. Must run on the driver's event loop.
    func respond(to request: FourLetterWordRequest, on id: ConnectionID, driver: ServerDriver) -> FourLetterWordReply {
        let word = request.word
        guard whitelist.allows(word) else {
            return .text(FourLetterWordFormatter.notInWhitelist(word))
        }
        let snapshot = driver.statusSnapshot(for: word, config: config, requestedOn: id)
        let reply = FourLetterWordFormatter.reply(to: word, whitelist: whitelist, snapshot: snapshot,
                                                  traceMaskArgument: request.argument)
        if snapshot.isServing, let effect = word.effect(traceMaskArgument: request.argument) {
            driver.apply(effect)
        }
        return reply
    }
}
