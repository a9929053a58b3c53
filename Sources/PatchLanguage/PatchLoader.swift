import DMMCore
#if canImport(Glibc)
import Glibc
#endif

/// A patch read from disk: its document (for printing back) and its network.
public struct LoadedPatch: Sendable {
    public var path: String
    public var document: PatchDocument
    public var network: Network
    public init(path: String, document: PatchDocument, network: Network) {
        self.path = path; self.document = document; self.network = network
    }
    /// The file name without directory or `.dmm`, used for default output folders.
    public var name: String {
        let base = path.split(separator: "/").last.map(String.init) ?? path
        return base.hasSuffix(".dmm") ? String(base.dropLast(4)) : base
    }
}

/// Reads, parses and builds a patch file.
public enum PatchLoader {
    public static func load(path: String, registry: KindRegistry = .builtins) throws(PatchError) -> LoadedPatch {
        let text = try readText(path)
        let doc = try PatchParser.parse(text, file: path)
        let net = try PatchBuilder.build(doc, registry: registry)
        return LoadedPatch(path: path, document: doc, network: net)
    }

    /// Reads a UTF-8 text file; a missing or unreadable file is a PatchError naming it.
    public static func readText(_ path: String) throws(PatchError) -> String {
        guard let f = fopen(path, "rb") else {
            let why = String(cString: strerror(errno))
            throw PatchError(file: path, line: 0, column: 0, message: "cannot read patch: \(why)")
        }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n > 0 { bytes.append(contentsOf: buf[0..<n]) }
            if n < buf.count {
                if ferror(f) != 0 {
                    throw PatchError(file: path, line: 0, column: 0, message: "cannot read patch: \(String(cString: strerror(errno)))")
                }
                break
            }
            if bytes.count > 16 << 20 { throw PatchError(file: path, line: 0, column: 0, message: "patch is larger than 16 MB") }
        }
        return try decode(bytes, file: path)
    }

    /// UTF-8 bytes as text; invalid UTF-8 is an error at the line and column of the first bad
    /// byte (lines as `PatchParser.sourceLines` counts them), not a generic refusal.
    public static func decode(_ bytes: [UInt8], file: String) throws(PatchError) -> String {
        if let s = String(validating: bytes, as: UTF8.self) { return s }
        // The first bad byte: decode scalar by scalar and add up the widths of the good ones.
        var good = 0
        var it = bytes.makeIterator()
        var decoder = UTF8()
        scan: while true {
            switch decoder.decode(&it) {
            case .scalarValue(let u): good += UTF8.width(u)
            case .emptyInput, .error: break scan
            }
        }
        let prefix = String(decoding: bytes[..<good], as: UTF8.self)
        let lines = PatchParser.sourceLines(prefix + "x")   // "x" stands for the bad byte: the last line is its line
        let lineNumber = max(1, lines.count)
        let before = lines.last.map { $0.count - 1 } ?? 0
        // The whole line for the excerpt, the bad bytes shown as U+FFFD.
        var end = good
        while end < bytes.count, bytes[end] != 0x0A, bytes[end] != 0x0D { end += 1 }
        let lineStart = good - (lines.last.map { $0.utf8.count - 1 } ?? 0)
        let text = String(decoding: bytes[max(0, lineStart)..<end], as: UTF8.self)
        let byte = String(bytes[good], radix: 16, uppercase: true)
        throw PatchError(file: file, line: lineNumber, column: before + 1,
                         message: "patch is not UTF-8 text: invalid byte 0x\(byte.count < 2 ? "0" + byte : byte)", sourceLine: text)
    }
}
