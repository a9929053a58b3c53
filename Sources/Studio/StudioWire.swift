import Foundation
import Live

/// The binary messages of the studio's WebSocket (little-endian, 24-byte header; see
/// docs/CONTRACTS.md, "Studio"):
///
/// - picture: `[0]=1`, `[4..<6]` width (UInt16), `[6..<8]` height (UInt16), `[8..<16]` tick
///   (Float64), `[16..<24]` wall-clock milliseconds when the tick finished (Float64, Unix
///   epoch: the page measures tick → canvas latency with it), then width × height × 3 RGB bytes;
/// - sound: `[0]=2`, `[4..<8]` sample rate (UInt32), `[8..<16]` tick of the first sample
///   (Float64), `[16..<24]` stereo samples dropped so far for this client (Float64), then
///   interleaved stereo Float32 samples.
///
/// Text messages are JSON objects with a `type` field.
enum StudioWire {
    static let headerSize = 24

    /// A picture message for one tick's RGB pixels.
    static func frame(_ rgb: UnsafeBufferPointer<UInt8>, width: Int, height: Int, tick: Int, wallMilliseconds: Double) -> Data {
        var d = Data(count: headerSize + rgb.count)
        d.withUnsafeMutableBytes { raw in
            raw[0] = 1
            raw.storeBytes(of: UInt16(truncatingIfNeeded: width).littleEndian, toByteOffset: 4, as: UInt16.self)
            raw.storeBytes(of: UInt16(truncatingIfNeeded: height).littleEndian, toByteOffset: 6, as: UInt16.self)
            raw.storeBytes(of: Double(tick).bitPattern.littleEndian, toByteOffset: 8, as: UInt64.self)
            raw.storeBytes(of: wallMilliseconds.bitPattern.littleEndian, toByteOffset: 16, as: UInt64.self)
            if let base = rgb.baseAddress, rgb.count > 0 {
                (raw.baseAddress! + headerSize).copyMemory(from: base, byteCount: rgb.count)
            }
        }
        return d
    }

    /// A sound message.
    static func audio(_ samples: [Float], sampleRate: Int, tick: Double, dropped: Int) -> Data {
        var d = Data(count: headerSize + samples.count * 4)
        d.withUnsafeMutableBytes { raw in
            raw[0] = 2
            raw.storeBytes(of: UInt32(clamping: sampleRate).littleEndian, toByteOffset: 4, as: UInt32.self)
            raw.storeBytes(of: tick.bitPattern.littleEndian, toByteOffset: 8, as: UInt64.self)
            raw.storeBytes(of: Double(dropped).bitPattern.littleEndian, toByteOffset: 16, as: UInt64.self)
            for (i, s) in samples.enumerated() {
                raw.storeBytes(of: s.bitPattern.littleEndian, toByteOffset: headerSize + 4 * i, as: UInt32.self)
            }
        }
        return d
    }

    /// Tick and pixels back out of a picture message (for `/frame.png`).
    static func pixels(of message: Data) -> (tick: Int, width: Int, height: Int, rgb: [UInt8]) {
        message.withUnsafeBytes { raw in
            let w = Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 4, as: UInt16.self)))
            let h = Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 6, as: UInt16.self)))
            let t = Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
            return (Int(t), w, h, Array(raw[headerSize...]))
        }
    }

    /// A JSON object from string and number fields (values already JSON text).
    static func json(_ fields: KeyValuePairs<String, String>) -> String {
        "{" + fields.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}"
    }

    /// A JSON string literal (the one escaper: `MatrixSnapshot.quoted`).
    static func string(_ s: String) -> String { MatrixSnapshot.quoted(s) }

    /// A finite number as JSON (non-finite becomes null).
    static func number(_ x: Double) -> String { x.isFinite ? "\(x)" : "null" }
}
