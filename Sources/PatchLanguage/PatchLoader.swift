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
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw PatchError(file: path, line: 0, column: 0, message: "patch is not UTF-8 text")
        }
        return s
    }
}
