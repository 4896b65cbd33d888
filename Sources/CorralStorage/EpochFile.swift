#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an epoch file could not be read or written.
public enum EpochFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call failed; `errno` ENOENT from "open" means the file does not exist (Apache's
    /// `FileNotFoundException`, which a new server answers by creating the file).
    case io(path: String, operation: String, errno: Int32)
    /// The first line is not a decimal long (Apache: "Found <line> in <file>"); `line` is nil for
    /// an empty file, and cut to 64 characters.
    case malformed(path: String, line: String?)

    public var description: String {
        switch self {
        case .io(let path, let op, let e): return "\(op) \(path): \(String(cString: strerror(e))) (errno \(e))"
        case .malformed(let path, let line): return "Found \(line ?? "null") in \(path)"
        }
    }

    /// True for a file that does not exist.
    public var isMissingFile: Bool {
        if case .io(_, "open", ENOENT) = self { return true }
        return false
    }
}

/// `acceptedEpoch` and `currentEpoch`, the two one-number files a quorum peer keeps in its
/// snapshot directory (`dataDir/version-2`), in Apache's format: the value as Java's
/// `Long.toString` writes it — optional '-', decimal digits, no newline. Reading takes the first
/// line (up to "\n", "\r" or "\r\n", as `BufferedReader.readLine`) and ignores the rest.
public enum EpochFile {
    public static let acceptedEpochFileName = "acceptedEpoch"
    public static let currentEpochFileName = "currentEpoch"
    /// No valid file is longer than this much before its first line break (a long has at most 20
    /// characters); reading looks no further.
    public static let maxLineLength = 64

    /// The bytes written for `value`.
    public static func encode(_ value: Int64) -> [UInt8] { Array(String(value).utf8) }

    /// The value of a file's first line, as `Long.parseLong(readLine())` reads it: an optional
    /// '+' or '-' and ASCII decimal digits, within the range of a long. nil if it is anything else
    /// (or there is no line at all).
    public static func parse(_ bytes: [UInt8]) -> Int64? {
        guard let line = firstLine(bytes) else { return nil }
        return JavaText.parseLong(Substring(line), radix: 10)
    }

    static func firstLine(_ bytes: [UInt8]) -> String? {
        guard !bytes.isEmpty else { return nil }
        let end = bytes.firstIndex { $0 == 0x0a || $0 == 0x0d } ?? bytes.endIndex
        return String(decoding: bytes[..<end], as: UTF8.self)
    }

    /// Reads `directory/name`. Throws `.io` if it cannot be opened or read, `.malformed` if its
    /// first line is not a long.
    public static func read(directory: String, name: String) throws(EpochFileError) -> Int64 {
        try read(path: DataDirectory.join(directory, name))
    }

    public static func read(path: String) throws(EpochFileError) -> Int64 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: path, operation: "open", errno: errno) }
        defer { _ = close(fd) }
        var bytes = [UInt8](repeating: 0, count: maxLineLength + 2)
        var got = 0
        while got < bytes.count {
            let n = bytes.withUnsafeMutableBytes { posixRead(fd, $0.baseAddress! + got, $0.count - got) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw .io(path: path, operation: "read", errno: errno) }
            if n == 0 { break }
            got += n
        }
        let head = Array(bytes[..<got])
        guard let value = parse(head) else {
            throw .malformed(path: path, line: firstLine(head).map { String($0.prefix(maxLineLength)) })
        }
        return value
    }

    /// Replaces `directory/name` with `value`, atomically and durably: the bytes go to
    /// "<name>.tmp" in the same directory (the name Apache's `AtomicFileOutputStream` uses), which
    /// is fsynced, renamed over the file, and then the directory is fsynced. A reader sees the old
    /// value or the new one, never a mix; after a crash, the file holds one of them. On failure
    /// the temporary file is removed and the old file is left as it was.
    public static func write(_ value: Int64, directory: String, name: String) throws(EpochFileError) {
        let path = DataDirectory.join(directory, name)
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(path: temporary, operation: "open", errno: errno) }
        var closed = false
        do throws(EpochFileError) {
            try writeAll(fd, encode(value), path: temporary)
            guard fsync(fd) == 0 else { throw .io(path: temporary, operation: "fsync", errno: errno) }
            closed = true
            guard close(fd) == 0 else { throw .io(path: temporary, operation: "close", errno: errno) }
        } catch {
            if !closed { _ = close(fd) }
            _ = unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            _ = unlink(temporary)
            throw .io(path: path, operation: "rename", errno: code)
        }
        try syncDirectory(directory)
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(EpochFileError) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { posixWrite(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw .io(path: path, operation: "write", errno: errno) }
            done += n
        }
    }

    static func syncDirectory(_ directory: String) throws(EpochFileError) {
        let fd = open(directory, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: directory, operation: "open", errno: errno) }
        defer { _ = close(fd) }
        guard fsync(fd) == 0 else { throw .io(path: directory, operation: "fsync", errno: errno) }
    }
}

private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    #if canImport(Darwin)
    return Darwin.read(fd, buffer, count)
    #elseif canImport(Musl)
    return Musl.read(fd, buffer, count)
    #else
    return Glibc.read(fd, buffer, count)
    #endif
}

private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Darwin)
    return Darwin.write(fd, buffer, count)
    #elseif canImport(Musl)
    return Musl.write(fd, buffer, count)
    #else
    return Glibc.write(fd, buffer, count)
    #endif
}
