#if canImport(Glibc)
import Glibc
#endif
import MediaIO

/// Reads command lines: with line editing and history when stdin is a terminal, plain lines
/// otherwise (a pipe, a script, a test).
///
/// There is no readline package for Swift here, and linking GNU readline would make the
/// binary GPL; the editing a live coder needs is small. On a terminal the editor switches
/// stdin to non-canonical mode (termios: no echo, no line buffering, no signals, output
/// processing kept so `\n` still starts a line) and handles ←/→, Home/End, Ctrl-A/E/B/F,
/// Backspace/Delete, Ctrl-K/U/W, ↑/↓ and Ctrl-P/N history, Ctrl-L, Ctrl-C (interrupt) and
/// Ctrl-D (end of input on an empty line). Messages printed while a line is being typed go
/// through `print(_:)`, which clears the line, prints above it and redraws it, so output
/// from the tick and OSC threads never garbles what the user is typing.
public final class LineEditor: @unchecked Sendable {
    /// What one read produced.
    public enum Input: Sendable, Equatable {
        case line(String)
        case endOfInput
        case interrupt
    }

    /// True when stdin and the output are terminals (editing on).
    public let interactive: Bool
    /// Where prompts and messages go (1, or 2 when stdout carries audio).
    public let output: Int32
    /// Shown before the line being typed (interactive mode only).
    public var prompt: String
    private let lock = LiveCondition()
    private var line: [Character] = []
    private var cursor = 0
    private var history: [String] = []
    private var historyIndex = 0
    private var draft: [Character] = []
    private var reading = false
    private var rawOn = false
    private var pending: [UInt8] = []

    /// - Parameters:
    ///   - output: descriptor for the prompt and messages.
    ///   - forcePlain: never edit (tests, `--no-edit`).
    public init(prompt: String = "dmm> ", output: Int32 = 1, forcePlain: Bool = false) {
        self.prompt = prompt
        self.output = output
        interactive = !forcePlain && isatty(0) == 1 && isatty(output) == 1
    }

    deinit { restore() }

    /// Terminal columns and rows (80 × 24 when unknown).
    public var terminalSize: (columns: Int, rows: Int) {
        var ws = winsize()
        guard ioctl(output, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0 else { return (80, 24) }
        return (Int(ws.ws_col), Int(ws.ws_row))
    }

    // MARK: Reading

    /// Reads one line (blocking).
    public func read() -> Input {
        guard interactive else {
            guard let l = Swift.readLine(strippingNewline: true) else { return .endOfInput }
            return .line(l)
        }
        enableRaw()
        lock.locked {
            line = []; cursor = 0; draft = []; historyIndex = history.count; reading = true
            redraw()
        }
        defer { lock.locked { reading = false } }
        while true {
            guard let c = nextByte() else { return finish(.endOfInput) }
            let result: Input? = lock.locked { handle(c) }
            if let result { return finish(result) }
        }
    }

    private func finish(_ r: Input) -> Input {
        lock.locked {
            write("\r\n")
            if case .line(let l) = r, !l.trimmingPrefix(while: { $0 == " " }).isEmpty, history.last != l { history.append(l) }
        }
        return r
    }

    private func nextByte() -> UInt8? {
        if !pending.isEmpty { return pending.removeFirst() }
        var b: UInt8 = 0
        while true {
            let n = Glibc.read(0, &b, 1)
            if n == 1 { return b }
            if n < 0 && errno == EINTR { continue }
            return nil
        }
    }

    /// Bytes of an escape sequence that are already waiting (arrow keys arrive together).
    private func byteIfReady() -> UInt8? {
        var p = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, 30) > 0 else { return nil }
        return nextByte()
    }

    /// Handles one byte with the lock held; returns a result when the line is finished.
    private func handle(_ c: UInt8) -> Input? {
        switch c {
        case 0x0D, 0x0A: return .line(String(line))
        case 0x03: return .interrupt
        case 0x04:
            if line.isEmpty { return .endOfInput }
            if cursor < line.count { line.remove(at: cursor) }
        case 0x01: cursor = 0
        case 0x05: cursor = line.count
        case 0x02: cursor = max(0, cursor - 1)
        case 0x06: cursor = min(line.count, cursor + 1)
        case 0x7F, 0x08:
            if cursor > 0 { line.remove(at: cursor - 1); cursor -= 1 }
        case 0x0B: line.removeSubrange(cursor...)
        case 0x15: line.removeSubrange(..<cursor); cursor = 0
        case 0x17:
            var k = cursor
            while k > 0 && line[k - 1] == " " { k -= 1 }
            while k > 0 && line[k - 1] != " " { k -= 1 }
            line.removeSubrange(k..<cursor); cursor = k
        case 0x0C: write("\u{1B}[2J\u{1B}[H")
        case 0x10: recall(-1)
        case 0x0E: recall(1)
        case 0x1B: escape()
        case 0x09: break   // no completion yet
        default:
            if c < 0x20 { break }
            var bytes = [c]
            let need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1
            while bytes.count < need, let more = byteIfReady() { bytes.append(more) }
            let s = String(decoding: bytes, as: UTF8.self)
            for ch in s { line.insert(ch, at: cursor); cursor += 1 }
        }
        redraw()
        return nil
    }

    /// CSI / SS3 sequences: arrows, Home/End, Delete.
    private func escape() {
        guard let b1 = byteIfReady() else { return }
        guard b1 == UInt8(ascii: "[") || b1 == UInt8(ascii: "O") else { return }
        guard var b = byteIfReady() else { return }
        var number = 0
        while b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") {
            number = min(number, 100_000) * 10 + Int(b - UInt8(ascii: "0"))   // bounded: any digit run
            guard let n = byteIfReady() else { return }
            b = n
        }
        switch b {
        case UInt8(ascii: "A"): recall(-1)
        case UInt8(ascii: "B"): recall(1)
        case UInt8(ascii: "C"): cursor = min(line.count, cursor + 1)
        case UInt8(ascii: "D"): cursor = max(0, cursor - 1)
        case UInt8(ascii: "H"): cursor = 0
        case UInt8(ascii: "F"): cursor = line.count
        case UInt8(ascii: "~"):
            switch number {
            case 1, 7: cursor = 0
            case 4, 8: cursor = line.count
            case 3: if cursor < line.count { line.remove(at: cursor) }
            default: break
            }
        default: break
        }
    }

    /// Moves through history (−1 older, +1 newer); the line being typed is kept as a draft.
    private func recall(_ dir: Int) {
        let target = historyIndex + dir
        guard target >= 0, target <= history.count else { return }
        if historyIndex == history.count { draft = line }
        historyIndex = target
        line = target == history.count ? draft : Array(history[target])
        cursor = line.count
    }

    private func redraw() {
        guard interactive else { return }
        var s = "\r" + prompt + String(line) + "\u{1B}[K"
        let back = line.count - cursor
        if back > 0 { s += "\u{1B}[\(back)D" }
        write(s)
    }

    // MARK: Output

    /// Prints a message (any thread). On a terminal the line being typed is cleared, the
    /// message printed, and the prompt and line redrawn below it.
    public func print(_ text: String) {
        lock.locked {
            if interactive && reading {
                write("\r\u{1B}[K" + text.replacing("\n", with: "\r\n") + "\r\n")
                redraw()
            } else {
                write(text + "\n")
            }
        }
    }

    /// Prints an error or a warning (any thread): on a terminal like `print(_:)`, in the
    /// same place as everything else; otherwise on stderr, so that a script or a pipe can
    /// tell what went wrong from what was asked for (replies, the applied edits).
    public func printProblem(_ text: String) {
        if interactive { print(text); return }
        _ = lock.locked { Platform.writeAll(2, text + "\n") }
    }

    /// Writes raw bytes to the terminal under the editor's lock (the preview), restoring the
    /// cursor afterwards so the prompt stays where it is.
    public func draw(_ text: String) {
        lock.locked { write(text) }
    }

    private func write(_ s: String) {
        Platform.writeAll(output, s)
    }

    // MARK: Terminal mode

    private func enableRaw() {
        guard interactive, !rawOn else { return }
        var t = termios()
        guard tcgetattr(0, &t) == 0 else { return }
        LineEditorTerminal.saved = t
        LineEditorTerminal.installExitHook()
        t.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG | IEXTEN)
        t.c_iflag &= ~tcflag_t(IXON | ICRNL)
        withUnsafeMutableBytes(of: &t.c_cc) { cc in
            cc[Int(VMIN)] = 1; cc[Int(VTIME)] = 0
        }
        tcsetattr(0, TCSANOW, &t)
        rawOn = true
    }

    /// Puts the terminal back as it was (also done at exit).
    public func restore() {
        guard rawOn else { return }
        LineEditorTerminal.restore()
        rawOn = false
    }
}

/// The terminal settings to restore at exit, however the process ends normally.
enum LineEditorTerminal {
    nonisolated(unsafe) static var saved: termios?
    nonisolated(unsafe) static var hooked = false

    static func restore() {
        guard var t = saved else { return }
        tcsetattr(0, TCSANOW, &t)
    }

    static func installExitHook() {
        guard !hooked else { return }
        hooked = true
        atexit { LineEditorTerminal.restore() }
    }
}
