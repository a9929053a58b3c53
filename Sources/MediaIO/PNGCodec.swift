import CPNGCodec
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// PNG encoding and decoding through libpng (via the `CPNGCodec` C shim).
///
/// Frame sequences are DMMSynth's main visual output, so encoding speed matters more than the
/// last few percent of file size: the defaults (zlib level 1, Paeth filter) encode a 512×512
/// frame in a few milliseconds while staying close to the size of slower settings on the smooth
/// images DMMs produce. Encoding is in memory so the renderer can encode frames on several
/// threads, then write each one atomically.
public enum PNGCodec {
    /// The PNG row filter to apply before compression.
    ///
    /// Filters predict each byte from its neighbours; smooth images compress far better with
    /// `up`/`average`/`paeth`. `all` lets libpng pick per row (smallest files, slowest encode).
    public enum Filter: String, Sendable, CaseIterable {
        /// No prediction; fastest, largest files.
        case none
        /// Predict from the pixel to the left.
        case sub
        /// Predict from the pixel above.
        case up
        /// Predict from the mean of left and above.
        case average
        /// Predict from left, above or upper-left (Paeth); best single filter for smooth images.
        case paeth
        /// Adaptive: libpng tries every filter on every row and keeps the cheapest.
        case all

        /// The libpng filter bitmask this case selects.
        public var mask: Int32 {
            switch self {
            case .none: Int32(CPNG_FILTER_NONE)
            case .sub: Int32(CPNG_FILTER_SUB)
            case .up: Int32(CPNG_FILTER_UP)
            case .average: Int32(CPNG_FILTER_AVG)
            case .paeth: Int32(CPNG_FILTER_PAETH)
            case .all: Int32(CPNG_ALL_FILTERS)
            }
        }
    }

    /// Encoder settings; the defaults are tuned for fast frame-sequence output.
    public struct Options: Sendable, Equatable {
        /// zlib compression level, 0 (store) to 9 (smallest). 1 is several times faster than 6
        /// and typically only slightly larger on smooth renders.
        public var level: Int = 1
        /// Row filter; Paeth gives the best size/speed trade-off on smooth images.
        public var filter: Filter = .paeth

        /// Creates options; defaults are level 1 with the Paeth filter.
        public init(level: Int = 1, filter: Filter = .paeth) {
            self.level = level
            self.filter = filter
        }
    }

    /// Encodes interleaved 8-bit pixels into the bytes of a PNG file.
    ///
    /// Runs entirely in memory and is safe to call concurrently from many threads, which is how
    /// the renderer parallelises frame output.
    /// - Parameters:
    ///   - rgb: `width * height * channels` bytes, rows top to bottom.
    ///   - channels: 3 for RGB (the default) or 4 for RGBA.
    public static func encode(
        rgb: UnsafeBufferPointer<UInt8>, width: Int, height: Int, channels: Int = 3,
        options: Options = Options()
    ) throws(MediaError) -> [UInt8] {
        try validate(count: rgb.count, width: width, height: height, channels: channels,
                     options: options, name: "<memory>")
        var output: UnsafeMutablePointer<UInt8>?
        var length = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = message.withUnsafeMutableBufferPointer { err in
            cpng_encode_rgb_mem(rgb.baseAddress, UInt32(width), UInt32(height), Int32(channels),
                                Int32(options.level), options.filter.mask, &output, &length,
                                err.baseAddress, err.count)
        }
        guard status == 0, let output else {
            throw MediaError(path: "<memory>", "PNG encode failed: \(text(message))")
        }
        defer { cpng_free(output) }
        return Array(UnsafeBufferPointer(start: output, count: length))
    }

    /// Encodes `rgb` and writes it to `path` atomically (temp file + rename, see ``AtomicFile``).
    ///
    /// A reader (ffmpeg, an image viewer, a file watcher) never sees a half-written frame.
    public static func write(
        rgb: [UInt8], width: Int, height: Int, to path: String, channels: Int = 3,
        options: Options = Options()
    ) throws(MediaError) {
        let bytes: [UInt8]
        do {
            bytes = try rgb.withUnsafeBufferPointer { (buffer) throws(MediaError) in
                try encode(rgb: buffer, width: width, height: height, channels: channels,
                           options: options)
            }
        } catch {
            throw MediaError(path: path, error.message.dropPrefix("<memory>: "))
        }
        try AtomicFile.write(bytes, to: path)
    }

    /// Encodes and atomically writes an ``RGBImage``.
    public static func write(_ image: RGBImage, to path: String, options: Options = Options())
        throws(MediaError)
    {
        try write(rgb: image.pixels, width: image.width, height: image.height, to: path,
                  options: options)
    }

    /// Width and height from a PNG's header (its first 24 bytes), without decoding it, so a
    /// caller can refuse a 30000×30000 image before the decoder allocates 2.7 GB for it.
    public static func dimensions(path: String) throws(MediaError) -> (width: Int, height: Int) {
        guard let f = fopen(path, "rb") else { throw MediaError(path: path, "cannot read: \(String(cString: strerror(errno)))") }
        defer { fclose(f) }
        var head = [UInt8](repeating: 0, count: 24)
        let n = fread(&head, 1, 24, f)
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard n == 24, Array(head[0..<8]) == signature, Array(head[12..<16]) == Array("IHDR".utf8) else {
            throw MediaError(path: path, "not a PNG file")
        }
        func be32(_ i: Int) -> Int { head[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return (be32(16), be32(20))
    }

    /// Reads any PNG (palette, gray, 16-bit, alpha, interlaced) as 8-bit RGB.
    ///
    /// Alpha is stripped, not composited: the stored colour values are returned unchanged,
    /// which is what fitting targets want (premultiplying onto black would darken edges of
    /// images that were saved with meaningless alpha). 16-bit samples are rounded to 8 bits.
    public static func read(path: String) throws(MediaError) -> RGBImage {
        var pixels: UnsafeMutablePointer<UInt8>?
        var width: UInt32 = 0
        var height: UInt32 = 0
        var channels: Int32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = message.withUnsafeMutableBufferPointer { err in
            cpng_read(path, &pixels, &width, &height, &channels, err.baseAddress, err.count)
        }
        guard status == 0, let pixels else {
            throw MediaError(path: path, text(message))
        }
        defer { cpng_free(pixels) }
        let count = Int(width) * Int(height) * 3
        return RGBImage(width: Int(width), height: Int(height),
                        pixels: Array(UnsafeBufferPointer(start: pixels, count: count)))
    }

    /// Decodes PNG bytes held in memory, with the same conversions as ``read(path:)``.
    ///
    /// Useful for verifying ``encode(rgb:width:height:channels:options:)`` output and for PNGs
    /// that arrive over the network (live mode) rather than from disk.
    public static func decode(_ data: [UInt8], name: String = "<memory>") throws(MediaError)
        -> RGBImage
    {
        var pixels: UnsafeMutablePointer<UInt8>?
        var width: UInt32 = 0
        var height: UInt32 = 0
        var channels: Int32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = data.withUnsafeBufferPointer { bytes in
            message.withUnsafeMutableBufferPointer { err in
                cpng_decode_mem(bytes.baseAddress, bytes.count, &pixels, &width, &height,
                                &channels, err.baseAddress, err.count)
            }
        }
        guard status == 0, let pixels else {
            throw MediaError(path: name, text(message))
        }
        defer { cpng_free(pixels) }
        let count = Int(width) * Int(height) * 3
        return RGBImage(width: Int(width), height: Int(height),
                        pixels: Array(UnsafeBufferPointer(start: pixels, count: count)))
    }

    /// The libpng version compiled in, for `dmm --version` style diagnostics.
    public static var libpngVersion: String { String(cString: cpng_libpng_version()) }

    private static func validate(
        count: Int, width: Int, height: Int, channels: Int, options: Options, name: String
    ) throws(MediaError) {
        let limit = Int(CPNG_MAX_DIMENSION)
        guard (1...limit).contains(width), (1...limit).contains(height) else {
            throw MediaError(path: name, "invalid PNG size \(width)x\(height)")
        }
        guard channels == 3 || channels == 4 else {
            throw MediaError(path: name, "invalid channel count \(channels) (expected 3 or 4)")
        }
        guard (0...9).contains(options.level) else {
            throw MediaError(path: name, "invalid PNG compression level \(options.level) (0...9)")
        }
        let expected = width * height * channels
        guard count == expected else {
            throw MediaError(path: name,
                             "pixel buffer has \(count) bytes, expected \(expected) for "
                                 + "\(width)x\(height)x\(channels)")
        }
    }

    private static func text(_ message: [CChar]) -> String {
        let result = message.withUnsafeBufferPointer { buffer in
            String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) },
                   as: UTF8.self)
        }
        return result.isEmpty ? "unknown error" : result
    }
}

extension String {
    fileprivate func dropPrefix(_ prefix: String) -> String {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : self
    }
}
