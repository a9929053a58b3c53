import Foundation
import MediaIO
import Testing

@Suite("Audio files")
struct AudioFileTests {
    static let lossless: [AudioFormat] = [.wav16, .wav24, .float, .flac]

    /// A stereo test signal with a sine on the left and a slower ramp on the right.
    static func stereoSignal(frames: Int = 4_800) -> [Float] {
        let left = Fixtures.sine(frequency: 441, sampleRate: 48_000, count: frames, amplitude: 0.7)
        var samples: [Float] = []
        for index in 0..<frames {
            samples.append(left[index])
            samples.append(Float(index) / Float(frames) * 1.6 - 0.8)
        }
        return samples
    }

    @Test("lossless formats round-trip within their quantisation step", arguments: lossless)
    func roundTrip(format: AudioFormat) throws {
        let directory = TemporaryDirectory()
        let path = directory.file("tone.\(format.fileExtension)")
        let samples = Self.stereoSignal()
        try AudioFileWriter.write(interleaved: samples, channels: 2, sampleRate: 48_000,
                                  format: format, to: path)
        let result = try AudioFileWriter.read(path: path)
        #expect(result.channels == 2)
        #expect(result.sampleRate == 48_000)
        #expect(result.samples.count == samples.count)
        let step: Float = switch format {
        case .wav16, .flac: 1.0 / 32_768
        case .wav24: 1.0 / 8_388_608
        default: 0
        }
        let worst = zip(samples, result.samples).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= step, "\(format): worst error \(worst)")
        #expect(directory.contents() == ["tone.\(format.fileExtension)"])
    }

    @Test("Ogg Vorbis writes a readable file of the right length")
    func oggRoundTrip() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("tone.ogg")
        let samples = Fixtures.sine(frequency: 1_000, sampleRate: 48_000, count: 48_000)
        try AudioFileWriter.write(interleaved: samples, channels: 1, sampleRate: 48_000,
                                  format: .ogg, to: path)
        let result = try AudioFileWriter.read(path: path)
        #expect(result.channels == 1 && result.sampleRate == 48_000)
        #expect(result.samples.count == samples.count)
        let spectrum = Spectrogram.magnitudeSpectrum(result.samples[24_000...], fftSize: 4_800)
        let peak = spectrum.indices.max { spectrum[$0] < spectrum[$1] }
        #expect(peak == 100)  // 1 kHz at 10 Hz per bin
    }

    @Test("values beyond full scale clip in integer formats instead of wrapping",
          arguments: [AudioFormat.wav16, .wav24, .flac])
    func clipping(format: AudioFormat) throws {
        let directory = TemporaryDirectory()
        let path = directory.file("loud.\(format.fileExtension)")
        try AudioFileWriter.write(interleaved: [1.5, -1.5, 1.0, -1.0, 0.25, 40],
                                  channels: 1, sampleRate: 44_100, format: format, to: path)
        let read = try AudioFileWriter.read(path: path).samples
        #expect(read[0] > 0.9999 && read[0] <= 1, "1.5 read back as \(read[0])")
        #expect(read[1] == -1)
        #expect(read[2] > 0.9999)
        #expect(read[3] == -1)
        #expect(read[4] == 0.25)
        #expect(read[5] > 0.9999)
    }

    @Test("non-finite samples become silence or full scale")
    func nonFinite() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("nan.wav")
        try AudioFileWriter.write(interleaved: [.nan, .infinity, -.infinity, 0.5],
                                  channels: 1, sampleRate: 8_000, format: .float, to: path)
        #expect(try AudioFileWriter.read(path: path).samples == [0, 1, -1, 0.5])
    }

    @Test("repeated writes of the same samples are byte-identical", arguments: AudioFormat.allCases)
    func deterministic(format: AudioFormat) throws {
        let directory = TemporaryDirectory()
        let samples = Self.stereoSignal(frames: 9_000)
        var files: [[UInt8]] = []
        for name in ["a", "b"] {
            let path = directory.file("\(name).\(format.fileExtension)")
            try AudioFileWriter.write(interleaved: samples, channels: 2, sampleRate: 48_000,
                                      format: format, to: path)
            files.append(Fixtures.bytes(of: path))
        }
        #expect(!files[0].isEmpty)
        #expect(files[0] == files[1], "\(format) output differs between runs")
    }

    @Test("streaming in chunks equals a one-shot write; cancel leaves nothing")
    func streaming() throws {
        let directory = TemporaryDirectory()
        let samples = Self.stereoSignal(frames: 10_000)
        let oneShot = directory.file("one.flac")
        try AudioFileWriter.write(interleaved: samples, channels: 2, sampleRate: 48_000,
                                  format: .flac, to: oneShot)
        let streamed = directory.file("streamed.flac")
        let stream = try AudioFileStream(path: streamed, channels: 2, sampleRate: 48_000,
                                         format: .flac)
        for start in stride(from: 0, to: samples.count, by: 2 * 777) {
            try stream.append(interleaved: Array(samples[start..<min(samples.count, start + 2 * 777)]))
        }
        #expect(!FileManager.default.fileExists(atPath: streamed))  // still a temp file
        try stream.finish()
        #expect(stream.framesWritten == 10_000)
        #expect(Fixtures.bytes(of: streamed) == Fixtures.bytes(of: oneShot))
        #expect(throws: MediaError.self) { try stream.append(interleaved: [0, 0]) }

        let cancelled = try AudioFileStream(path: directory.file("cancelled.wav"), channels: 1,
                                            sampleRate: 8_000, format: .wav16)
        try cancelled.append(interleaved: [0.1, 0.2])
        cancelled.cancel()
        cancelled.cancel()
        do {
            let dropped = try AudioFileStream(path: directory.file("dropped.wav"), channels: 1,
                                              sampleRate: 8_000, format: .wav16)
            try dropped.append(interleaved: [0.1])
        }  // deinit without finish behaves like cancel
        #expect(directory.contents() == ["one.flac", "streamed.flac"])
    }

    @Test("invalid input and paths produce MediaErrors naming the file")
    func errors() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("no/such/dir/out.wav")
        do {
            try AudioFileWriter.write(interleaved: [0], channels: 1, sampleRate: 8_000,
                                      format: .wav16, to: path)
            Issue.record("expected failure")
        } catch {
            #expect(error.message.hasPrefix(path + ": "), "\(error)")
        }
        #expect(throws: MediaError.self) {
            try AudioFileWriter.write(interleaved: [0, 0, 0], channels: 2, sampleRate: 8_000,
                                      format: .wav16, to: directory.file("odd.wav"))
        }
        #expect(throws: MediaError.self) {
            try AudioFileWriter.write(interleaved: [], channels: 9, sampleRate: 8_000,
                                      format: .flac, to: directory.file("wide.flac"))
        }
        #expect(throws: MediaError.self) {
            _ = try AudioFileWriter.read(path: directory.file("missing.wav"))
        }
        let text = directory.file("text.wav")
        Fixtures.write(Array("not audio".utf8), to: text)
        #expect(throws: MediaError.self) { _ = try AudioFileWriter.read(path: text) }
        #expect(directory.contents() == ["text.wav"])
    }

    @Test("format inference from file extensions")
    func inference() {
        #expect(AudioFormat(inferringFrom: "out/mix.WAV") == .wav16)
        #expect(AudioFormat(inferringFrom: "a.b/mix.flac") == .flac)
        #expect(AudioFormat(inferringFrom: "x.ogg") == .ogg)
        #expect(AudioFormat(inferringFrom: "x.mp3") == nil)
        #expect(AudioFormat(inferringFrom: "dir.wav/noext") == nil)
    }
}
