#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small line editor for the interactive shell (stdin and stdout a terminal): left/right,
/// backspace and delete, ctrl-A/E (home/end), ctrl-B/F, ctrl-U/K (kill to start/end), up/down
/// (or ctrl-P/N) through the lines entered before, enter; ctrl-D on an empty line is end of input.
/// ctrl-C keeps its usual meaning (the terminal's signal), as in zkCli.
///
/// `readLine` blocks (call it off the cooperative pool); `printAbove` may be called from any thread
/// meanwhile and prints above the line being edited, which is redrawn after it.
final class LineEditor: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    // Guarded by `mutex`:
    private var active = false
    private var prompt = ""
    private var line: [Unicode.Scalar] = []
    private var cursor = 0
    // Used by the reading thread only:
    private var history: [String] = []
    private var historyIndex = 0
    private var draft: [Unicode.Scalar] = []

    init() { pthread_mutex_init(mutex, nil) }
    deinit { pthread_mutex_destroy(mutex); mutex.deallocate() }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    /// Reads one line with `prompt`; nil at end of input.
    func readLine(prompt: String) -> String? {
        guard let saved = RawMode.enable() else { return Swift.readLine() }
        defer { RawMode.restore(saved) }
        locked {
            self.prompt = prompt
            line = []
            cursor = 0
            active = true
            redraw()
        }
        historyIndex = history.count
        draft = []
        let result = editLoop()
        locked { active = false }
        if let result, !result.isEmpty { history.append(result) }
        return result
    }

    private func editLoop() -> String? {
        while let byte = readByte() {
            switch byte {
            case 0x0D, 0x0A:
                writeAll(1, "\n")
                return locked { String(String.UnicodeScalarView(line)) }
            case 0x04:
                if locked({ line.isEmpty }) { writeAll(1, "\n"); return nil }
                edit { deleteForward() }
            case 0x7F, 0x08: edit { if cursor > 0 { cursor -= 1; line.remove(at: cursor) } }
            case 0x01: edit { cursor = 0 }
            case 0x05: edit { cursor = line.count }
            case 0x02: edit { cursor = max(0, cursor - 1) }
            case 0x06: edit { cursor = min(line.count, cursor + 1) }
            case 0x15: edit { line.removeSubrange(0..<cursor); cursor = 0 }
            case 0x0B: edit { line.removeSubrange(cursor...) }
            case 0x10: recall(-1)
            case 0x0E: recall(1)
            case 0x1B: escape()
            default:
                if byte >= 0x20, let scalar = readScalar(first: byte) {
                    edit { line.insert(scalar, at: cursor); cursor += 1 }
                }
            }
        }
        return nil
    }

    /// Arrow keys and friends: ESC [ A/B/C/D/H/F, ESC [ 1~ 3~ 4~, ESC O H/F.
    private func escape() {
        guard let kind = readByte(), kind == UInt8(ascii: "[") || kind == UInt8(ascii: "O"),
              let key = readByte() else { return }
        switch key {
        case UInt8(ascii: "A"): recall(-1)
        case UInt8(ascii: "B"): recall(1)
        case UInt8(ascii: "C"): edit { cursor = min(line.count, cursor + 1) }
        case UInt8(ascii: "D"): edit { cursor = max(0, cursor - 1) }
        case UInt8(ascii: "H"): edit { cursor = 0 }
        case UInt8(ascii: "F"): edit { cursor = line.count }
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            guard readByte() == UInt8(ascii: "~") else { return }
            if key == UInt8(ascii: "3") { edit { deleteForward() } }
            if key == UInt8(ascii: "1") || key == UInt8(ascii: "7") { edit { cursor = 0 } }
            if key == UInt8(ascii: "4") || key == UInt8(ascii: "8") { edit { cursor = line.count } }
        default: return
        }
    }

    private func deleteForward() { if cursor < line.count { line.remove(at: cursor) } }

    /// Moves through the history (-1 older, +1 newer); the line being typed is kept as the newest.
    private func recall(_ step: Int) {
        let target = historyIndex + step
        guard target >= 0, target <= history.count else { return }
        if historyIndex == history.count { draft = locked { line } }
        historyIndex = target
        let text = target == history.count ? draft : Array(history[target].unicodeScalars)
        edit { line = text; cursor = text.count }
    }

    private func edit(_ change: () -> Void) {
        locked {
            change()
            redraw()
        }
    }

    /// Prompt, line, clear to the end, cursor back into place. Caller holds the mutex.
    private func redraw() {
        var text = "\r" + prompt + String(String.UnicodeScalarView(line)) + "\u{1B}[K"
        let back = line.count - cursor
        if back > 0 { text += "\u{1B}[\(back)D" }
        writeAll(1, text)
    }

    /// Writes `text` to `fd` above the line being edited (or plainly when not editing).
    func printAbove(_ text: String, fd: Int32) {
        locked {
            guard active else { return writeAll(fd, text) }
            writeAll(1, "\r\u{1B}[K")
            writeAll(fd, text)
            redraw()
        }
    }

    private func readByte() -> UInt8? {
        var b: UInt8 = 0
        while true {
            let n = read(0, &b, 1)
            if n == 1 { return b }
            if n < 0 && errno == EINTR { continue }
            return nil
        }
    }

    /// Completes a UTF-8 sequence that starts with `first`.
    private func readScalar(first: UInt8) -> Unicode.Scalar? {
        let extra = first >= 0xF0 ? 3 : first >= 0xE0 ? 2 : first >= 0xC0 ? 1 : 0
        var bytes = [first]
        for _ in 0..<extra {
            guard let b = readByte() else { return nil }
            bytes.append(b)
        }
        return String(decoding: bytes, as: UTF8.self).unicodeScalars.first
    }
}

/// Terminal mode switching for the line editor.
enum RawMode {
    /// Turns off echo and line buffering on stdin (signals and output processing stay on); returns
    /// the previous settings, or nil when stdin is not a terminal.
    static func enable() -> termios? {
        var saved = termios()
        guard tcgetattr(0, &saved) == 0 else { return nil }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ECHO | ICANON | IEXTEN)
        raw.c_iflag &= ~tcflag_t(IXON | ICRNL)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        guard tcsetattr(0, TCSAFLUSH, &raw) == 0 else { return nil }
        return saved
    }

    static func restore(_ saved: termios) {
        var s = saved
        _ = tcsetattr(0, TCSAFLUSH, &s)   // nothing more to do if the terminal is gone
    }
}

/// stdout and stderr of the interactive shell: printed above the line being edited.
struct TerminalStreams: ShellOutput {
    let editor: LineEditor
    func out(_ text: String) { editor.printAbove(text, fd: 1) }
    func err(_ text: String) { editor.printAbove(text, fd: 2) }
}
