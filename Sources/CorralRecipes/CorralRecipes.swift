// Coordination recipes built on CorralClient (in progress, issue 4).
