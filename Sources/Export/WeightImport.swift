import DMMCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `dmm import`: weights by name (from an exported module's `fit`, or any `params()` dump)
/// written back into the patch's matrix.
///
/// The names are `WeightName`s and must be exactly the patch's trainable weights (the keys of
/// the exported `params()`): an unknown name, a frozen one, or a missing one means the file
/// belongs to another patch (or another version of it) and is refused with one line.
public enum WeightImport {
    /// A weights file's bytes; unreadable, or longer than `limit` bytes, is an error naming it.
    public static func read(_ path: String, limit: Int) throws(ExportError) -> [UInt8] {
        guard let f = fopen(path, "rb") else { throw ExportError("\(path): cannot read: \(String(cString: strerror(errno)))") }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n > 0 { bytes.append(contentsOf: buf[0..<n]) }
            if bytes.count > limit { throw ExportError("\(path): larger than \(limit >> 20) MB: not a weights file") }
            if n < buf.count {
                if ferror(f) != 0 { throw ExportError("\(path): cannot read: \(String(cString: strerror(errno)))") }
                return bytes
            }
        }
    }

    /// The weights of a weights file: `{"weights": {name: value, ...}, ...}` as `fit` writes it,
    /// or a bare `{name: value, ...}`.
    public static func parse(_ bytes: [UInt8], file: String) throws(ExportError) -> [String: Double] {
        struct Wrapped: Decodable { let weights: [String: Double] }
        let data = Data(bytes)
        do { return try JSONDecoder().decode(Wrapped.self, from: data).weights } catch {
            do { return try JSONDecoder().decode([String: Double].self, from: data) } catch {
                throw ExportError("\(file): not a weights file: expected a JSON object {\"weights\": {\"row <- column\": number, ...}}")
            }
        }
    }

    /// `net` with every trainable weight set from `weights`.
    public static func apply(_ weights: [String: Double], to net: Network, file: String) throws(ExportError) -> Network {
        let domains: [StreamKind]
        do { domains = try net.domains() } catch { throw ExportError(error.description) }
        var refs: [String: (input: PortRef, output: PortRef)] = [:]
        for e in WeightName.trainable(net, domains: domains) { refs[WeightName.of(input: e.input, output: e.output, in: net)] = e }
        let all = Set(net.matrix.entries.map { WeightName.of(input: $0.input, output: $0.output, in: net) })
        var out = net
        for name in weights.keys.sorted() {
            let value = weights[name]!
            guard let ref = refs[name] else {
                if all.contains(name) { throw ExportError("\(file): weight '\(name)' is frozen in the patch; only trainable weights are imported") }
                throw ExportError("\(file): unknown weight '\(name)': the patch has no such trainable weight (a different patch, or a changed one?)")
            }
            guard value.isFinite, abs(value) <= Double(Float.greatestFiniteMagnitude) else {
                throw ExportError("\(file): weight '\(name)' = \(value) is out of range (weights are finite floats, at most ±3.4e38)")
            }
            out.matrix.set(ref.input, ref.output, Float(value))
        }
        let missing = refs.keys.filter { weights[$0] == nil }.sorted()
        if let first = missing.first {
            throw ExportError("\(file): lacks \(missing.count) of the patch's \(refs.count) trainable weights, e.g. '\(first)' (a different patch, or a changed one?)")
        }
        return out
    }
}
