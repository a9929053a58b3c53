#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An array an exported module carries in its own text (the pixels of `image` and `video`),
/// so the module needs no file at run time.
///
/// Written as base64 of the little-endian values, 76 characters a line, at the end of the
/// module (after the code a person reads) and decoded with NumPy when the module is imported.
/// Not compressed: the Export target links no zlib (4/3 of the raw size in the text).
public struct JAXData: Sendable, Equatable {
    /// The NumPy element type: "uint8" or "float32".
    public let dtype: String
    /// The array's shape, row-major.
    public let shape: [Int]
    /// The values, little-endian, `shape.reduce(1, *)` × the element size.
    public let bytes: [UInt8]

    public init(dtype: String, shape: [Int], bytes: [UInt8]) {
        precondition(["uint8", "float32"].contains(dtype))
        precondition(bytes.count == shape.reduce(1, *) * (dtype == "uint8" ? 1 : 4))
        self.dtype = dtype; self.shape = shape; self.bytes = bytes
    }

    /// The Python expression that rebuilds the array (the module's `_unpack`).
    public var python: String {
        let text = Data(bytes).base64EncodedString(options: [.lineLength76Characters, .endLineWithLineFeed])
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        return "_unpack(\"\(dtype)\", (\(dims)), \"\"\"\n\(text)\n\"\"\")"
    }
}
