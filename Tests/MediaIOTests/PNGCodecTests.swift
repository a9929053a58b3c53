import Foundation
import MediaIO
import Testing

@Suite("PNG codec")
struct PNGCodecTests {
    @Test("encode/decode round trip is lossless for every level and filter",
          arguments: [0, 1, 6, 9])
    func roundTripInMemory(level: Int) throws {
        let image = Fixtures.plasma(width: 67, height: 41)  // odd sizes catch stride bugs
        for filter in PNGCodec.Filter.allCases {
            let options = PNGCodec.Options(level: level, filter: filter)
            let png = try image.pixels.withUnsafeBufferPointer {
                try PNGCodec.encode(rgb: $0, width: image.width, height: image.height,
                                    options: options)
            }
            #expect(Array(png.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
            let decoded = try PNGCodec.decode(png)
            #expect(decoded == image, "level \(level) filter \(filter)")
        }
    }

    @Test("file write/read round trip, noisy pixels, leaves no temp file")
    func roundTripFile() throws {
        let directory = TemporaryDirectory()
        let pixels = Fixtures.noise(count: 31 * 17 * 3)
        let path = directory.file("noise.png")
        try PNGCodec.write(rgb: pixels, width: 31, height: 17, to: path,
                           options: .init(level: 6, filter: .all))
        let image = try PNGCodec.read(path: path)
        #expect(image.width == 31 && image.height == 17)
        #expect(image.pixels == pixels)
        #expect(directory.contents() == ["noise.png"])
    }

    @Test("level 1 Paeth is smaller than level 0 on a smooth image")
    func compressionHelps() throws {
        let image = Fixtures.plasma(width: 128, height: 128)
        func size(_ options: PNGCodec.Options) throws -> Int {
            try image.pixels.withUnsafeBufferPointer {
                try PNGCodec.encode(rgb: $0, width: 128, height: 128, options: options).count
            }
        }
        let stored = try size(.init(level: 0, filter: .none))
        let fast = try size(.init(level: 1, filter: .paeth))
        #expect(fast < stored / 2, "level 1 paeth \(fast) vs level 0 \(stored)")
        #expect(try size(.init(level: 0, filter: .paeth)) > fast)
    }

    @Test("RGBA input is accepted and alpha is stripped on read")
    func rgbaStripsAlpha() throws {
        let rgba: [UInt8] = [10, 20, 30, 0, 40, 50, 60, 128, 70, 80, 90, 255, 1, 2, 3, 4]
        let png = try rgba.withUnsafeBufferPointer {
            try PNGCodec.encode(rgb: $0, width: 2, height: 2, channels: 4)
        }
        let image = try PNGCodec.decode(png)
        #expect(image.pixels == [10, 20, 30, 40, 50, 60, 70, 80, 90, 1, 2, 3])
    }

    @Test("16-bit RGB is scaled to 8 bits")
    func reads16BitRGB() throws {
        // 0x1234 and 0xFFFF: values k*257 map back to exactly k; others round.
        var row: [UInt8] = []
        for value: UInt16 in [0, 257 * 200, 0xFFFF, 0x1234, 0x80FF, 0x7F00] {
            row += HandmadePNG.be16(value)
        }
        let png = HandmadePNG.make(width: 2, height: 1, bitDepth: 16, colorType: 2, rows: [row])
        let image = try PNGCodec.decode(png)
        #expect(image.width == 2 && image.height == 1)
        let expected: [UInt8] = [0, 200, 255, 0x12, 0x80, 0x7F]
        for (got, want) in zip(image.pixels, expected) {
            #expect(abs(Int(got) - Int(want)) <= 1)
        }
        #expect(Array(image.pixels.prefix(3)) == [0, 200, 255])
    }

    @Test("grayscale at 1, 2, 4, 8 and 16 bits becomes R = G = B", arguments: [1, 2, 4, 8, 16])
    func readsGray(bitDepth: Int) throws {
        let width = 9
        let maxValue = (1 << bitDepth) - 1
        let levels = (0..<width).map { ($0 * maxValue) / (width - 1) }
        // Pack samples MSB first.
        var row: [UInt8] = []
        if bitDepth == 16 {
            for level in levels { row += HandmadePNG.be16(UInt16(level)) }
        } else {
            var accumulator = 0, bits = 0
            for level in levels {
                accumulator = (accumulator << bitDepth) | level
                bits += bitDepth
                if bits == 8 { row.append(UInt8(accumulator)); accumulator = 0; bits = 0 }
            }
            if bits > 0 { row.append(UInt8(accumulator << (8 - bits))) }
        }
        let png = HandmadePNG.make(width: width, height: 2, bitDepth: UInt8(bitDepth),
                                   colorType: 0, rows: [row, row])
        let image = try PNGCodec.decode(png)
        #expect(image.width == width && image.height == 2)
        for x in 0..<width {
            let pixel = image[x, 1]
            let expected = Double(levels[x]) * 255 / Double(maxValue)
            #expect(pixel.r == pixel.g && pixel.g == pixel.b)
            #expect(abs(Double(pixel.r) - expected) <= 1, "bit depth \(bitDepth) x \(x)")
        }
        #expect(image[0, 0].r == 0 && image[width - 1, 0].r == 255)
    }

    @Test("palette with tRNS and gray+alpha decode to RGB without alpha")
    func readsPaletteAndGrayAlpha() throws {
        let palette: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255, 12, 34, 56]
        let indices: [UInt8] = [0x01, 0x23]  // 4-bit indices 0, 1, 2, 3
        let png = HandmadePNG.make(
            width: 4, height: 1, bitDepth: 4, colorType: 3, rows: [indices],
            extraChunks: [.init(type: "PLTE", data: palette), .init(type: "tRNS", data: [0, 128])])
        #expect(try PNGCodec.decode(png).pixels == palette)

        let grayAlpha = HandmadePNG.make(width: 2, height: 1, bitDepth: 8, colorType: 4,
                                         rows: [[77, 0, 200, 255]])
        #expect(try PNGCodec.decode(grayAlpha).pixels == [77, 77, 77, 200, 200, 200])
    }

    @Test("missing file gives a clear error naming the path")
    func missingFile() {
        let path = "/nonexistent-dir-\(getpid())/missing.png"
        do {
            _ = try PNGCodec.read(path: path)
            Issue.record("expected an error")
        } catch {
            #expect(error.message.hasPrefix(path + ": "))
            #expect(error.message.contains("No such file"))
        }
    }

    @Test("non-PNG, truncated and corrupted files fail cleanly")
    func badFiles() throws {
        let directory = TemporaryDirectory()
        let text = directory.file("notes.png")
        Fixtures.write(Array("this is not a png\n".utf8), to: text)
        #expect(throws: MediaError.self) { try PNGCodec.read(path: text) }
        do { _ = try PNGCodec.read(path: text) } catch {
            #expect(error.message == "\(text): not a PNG file (bad signature)")
        }

        let image = Fixtures.plasma(width: 64, height: 64)
        let good = directory.file("good.png")
        try PNGCodec.write(image, to: good)
        let bytes = Fixtures.bytes(of: good)

        let truncated = directory.file("truncated.png")
        Fixtures.write(Array(bytes.prefix(bytes.count / 2)), to: truncated)
        do {
            _ = try PNGCodec.read(path: truncated)
            Issue.record("truncated file decoded")
        } catch {
            #expect(error.message.contains("truncated"), "\(error)")
        }

        var damaged = bytes
        damaged[bytes.count / 2] ^= 0xFF  // inside IDAT: CRC mismatch
        let corrupt = directory.file("corrupt.png")
        Fixtures.write(damaged, to: corrupt)
        #expect(throws: MediaError.self) { try PNGCodec.read(path: corrupt) }
        #expect(throws: MediaError.self) { try PNGCodec.decode(Array(bytes.prefix(20))) }
        #expect(throws: MediaError.self) { try PNGCodec.decode([]) }
    }

    @Test("bad encoder arguments throw instead of crashing")
    func badArguments() {
        let pixels = [UInt8](repeating: 0, count: 12)
        #expect(throws: MediaError.self) {
            try pixels.withUnsafeBufferPointer {
                try PNGCodec.encode(rgb: $0, width: 3, height: 2)  // needs 18 bytes
            }
        }
        #expect(throws: MediaError.self) {
            try pixels.withUnsafeBufferPointer {
                try PNGCodec.encode(rgb: $0, width: 2, height: 2, options: .init(level: 12))
            }
        }
        #expect(throws: MediaError.self) {
            try PNGCodec.write(rgb: pixels, width: 2, height: 2, to: "/nonexistent-\(getpid())/x.png")
        }
    }

    @Test("encoding is deterministic and safe from many threads")
    func concurrentEncoding() async throws {
        let image = Fixtures.plasma(width: 96, height: 64)
        let reference = try image.pixels.withUnsafeBufferPointer {
            try PNGCodec.encode(rgb: $0, width: 96, height: 64)
        }
        let results = try await withThrowingTaskGroup(of: [UInt8].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try image.pixels.withUnsafeBufferPointer {
                        try PNGCodec.encode(rgb: $0, width: 96, height: 64)
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 8)
        #expect(results.allSatisfy { $0 == reference })
    }
}
