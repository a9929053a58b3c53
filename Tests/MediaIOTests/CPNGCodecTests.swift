import CPNGCodec
import MediaIO
import Testing

/// The C entry points the Swift wrapper does not use directly (file writing, error buffers).
@Suite("CPNGCodec C API")
struct CPNGCodecTests {
    @Test("cpng_write_rgb writes a readable file; failures fill the error buffer")
    func directWrite() throws {
        let directory = TemporaryDirectory()
        let image = Fixtures.plasma(width: 20, height: 10)
        let path = directory.file("direct.png")
        var message = [CChar](repeating: 0, count: 128)
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            cpng_write_rgb(path, pixels.baseAddress, 20, 10, 3, 1, Int32(CPNG_FILTER_PAETH),
                           &message, message.count)
        }
        #expect(status == 0)
        #expect(try PNGCodec.read(path: path) == image)

        let bad = directory.file("missing/dir.png")
        let failed = image.pixels.withUnsafeBufferPointer { pixels in
            cpng_write_rgb(bad, pixels.baseAddress, 20, 10, 3, 1, Int32(CPNG_ALL_FILTERS),
                           &message, message.count)
        }
        #expect(failed != 0)
        #expect(text(message).hasPrefix("cannot create file: "))
        let badChannels = image.pixels.withUnsafeBufferPointer { pixels in
            cpng_write_rgb(path, pixels.baseAddress, 20, 10, 2, 1, 0, &message, 8)
        }
        #expect(badChannels != 0)
        #expect(text(message).utf8.count == 7)  // truncated to the buffer
        #expect(directory.contents() == ["direct.png"])
        #expect(PNGCodec.libpngVersion.hasPrefix("1."))
    }

    private func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
