import MediaIO

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A distillation's state on disk, as `Checkpoint` keeps a fit's: sorted-key JSON, written
/// atomically and durably (`NAME-checkpoint.json` beside the output patch).
public enum DistillCheckpoint {
    public static func encode(_ state: DistillState) throws(FitError) -> [UInt8] {
        do {
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys]
            e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            return Array(try e.encode(state))
        } catch { throw FitError("cannot encode the checkpoint: \(error)") }
    }

    public static func decode(_ bytes: [UInt8], name: String) throws(FitError) -> DistillState {
        do {
            let d = JSONDecoder()
            d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            return try d.decode(DistillState.self, from: Data(bytes))
        }
        catch let e as DecodingError { throw FitError("\(name): not a readable distillation checkpoint (\(Checkpoint.describe(e)))") }
        catch { throw FitError("\(name): not a readable distillation checkpoint (\(error))") }
    }

    public static func save(_ state: DistillState, to path: String) throws(FitError) {
        let bytes = try encode(state)
        do { try AtomicFile.write(bytes, to: path, durable: true) } catch { throw FitError(error.message) }
    }

    public static func load(from path: String) throws(FitError) -> DistillState {
        try decode(Checkpoint.readBytes(path), name: path)
    }
}
