import MediaIO

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A fit's state on disk: JSON (readable, and Float values round-trip exactly through
/// their shortest decimal form), written atomically and durably so that a Ctrl-C or a crash
/// never leaves half a checkpoint.
public enum Checkpoint {
    /// The checkpoint path that goes with an output patch: `fitted.dmm` → `fitted-checkpoint.json`.
    public static func path(forOutput output: String) -> String {
        let stem = output.hasSuffix(".dmm") ? String(output.dropLast(4)) : output
        return stem + "-checkpoint.json"
    }

    public static func encode(_ state: FitState) throws(FitError) -> [UInt8] {
        do {
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys]
            e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            return Array(try e.encode(state))
        } catch { throw FitError("cannot encode the checkpoint: \(error)") }
    }

    public static func decode(_ bytes: [UInt8], name: String = "checkpoint") throws(FitError) -> FitState {
        do {
            let d = JSONDecoder()
            d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            return try d.decode(FitState.self, from: Data(bytes))
        }
        catch { throw FitError("\(name): not a readable fit checkpoint (\(error))") }
    }

    public static func save(_ state: FitState, to path: String) throws(FitError) {
        let bytes = try encode(state)
        do { try AtomicFile.write(bytes, to: path, durable: true) } catch { throw FitError(error.message) }
    }

    public static func load(from path: String) throws(FitError) -> FitState {
        guard let fh = fopen(path, "rb") else { throw FitError("\(path): no checkpoint to resume from") }
        defer { fclose(fh) }
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = fread(&buf, 1, buf.count, fh)
            if n <= 0 { break }
            bytes.append(contentsOf: buf[0..<n])
        }
        return try decode(bytes, name: path)
    }
}

#if canImport(Glibc)
import Glibc
#endif
