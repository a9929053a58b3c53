/// Rewrites the stream serial number of a single-stream Ogg file to a fixed value.
///
/// libsndfile seeds each Ogg stream's serial number from the clock and offers no way to set it,
/// so two encodes of identical audio differ in every page header. Vorbis encoding itself is
/// deterministic, so replacing the serial (and recomputing each page's CRC) makes `.ogg` output
/// reproducible, which keeps render caches and golden-file tests meaningful. The result is a
/// valid Ogg file: a lone logical stream may use any serial number.
enum OggSerial {
    /// The serial written into every page ("DMMS" in ASCII).
    static let fixedSerial: UInt32 = 0x444D_4D53

    /// Patches every page in place. Returns false (leaving unparsed bytes untouched) if the data
    /// is not a single-stream Ogg file; callers then keep the file as libsndfile wrote it.
    static func normalize(_ bytes: inout [UInt8]) -> Bool {
        var offset = 0
        var originalSerial: UInt32?
        var pages: [Int] = []
        // First pass: validate structure and that there is only one logical stream.
        while offset < bytes.count {
            guard bytes.count - offset >= 27,
                bytes[offset] == 0x4F, bytes[offset + 1] == 0x67,
                bytes[offset + 2] == 0x67, bytes[offset + 3] == 0x53
            else { return false }
            let serial = readLE32(bytes, offset + 14)
            if let originalSerial, originalSerial != serial { return false }
            originalSerial = serial
            let segments = Int(bytes[offset + 26])
            guard bytes.count - offset >= 27 + segments else { return false }
            var bodyLength = 0
            for index in 0..<segments { bodyLength += Int(bytes[offset + 27 + index]) }
            let pageLength = 27 + segments + bodyLength
            guard bytes.count - offset >= pageLength else { return false }
            pages.append(offset)
            offset += pageLength
        }
        guard !pages.isEmpty else { return false }
        // Second pass: rewrite serial and CRC.
        for (position, start) in pages.enumerated() {
            let end = position + 1 < pages.count ? pages[position + 1] : bytes.count
            writeLE32(&bytes, start + 14, fixedSerial)
            writeLE32(&bytes, start + 22, 0)
            let crc = checksum(bytes, start..<end)
            writeLE32(&bytes, start + 22, crc)
        }
        return true
    }

    /// Ogg's CRC-32: polynomial 0x04C11DB7, MSB first, zero initial value, no final XOR.
    static func checksum(_ bytes: [UInt8], _ range: Range<Int>) -> UInt32 {
        var crc: UInt32 = 0
        for index in range {
            crc = (crc << 8) ^ crcTable[Int(((crc >> 24) ^ UInt32(bytes[index])) & 0xFF)]
        }
        return crc
    }

    private static let crcTable: [UInt32] = (0..<256).map { (value: Int) -> UInt32 in
        var entry = UInt32(value) << 24
        for _ in 0..<8 {
            entry = (entry & 0x8000_0000) != 0 ? (entry << 1) ^ 0x04C1_1DB7 : entry << 1
        }
        return entry
    }

    private static func readLE32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16
            | UInt32(bytes[at + 3]) << 24
    }

    private static func writeLE32(_ bytes: inout [UInt8], _ at: Int, _ value: UInt32) {
        for index in 0..<4 { bytes[at + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
    }
}
