import Foundation
import MediaIO
import Testing

@Suite("ffmpeg muxing", .enabled(if: FFmpeg.path() != nil, "ffmpeg is not on PATH"))
struct FFmpegTests {
    /// Writes `count` small frames named frame_00000.png ... and returns the pattern.
    static func frames(in directory: TemporaryDirectory, count: Int, width: Int, height: Int)
        throws -> String
    {
        let base = Fixtures.plasma(width: width + count, height: height)
        for index in 0..<count {
            var frame = RGBImage(width: width, height: height)
            for y in 0..<height {
                for x in 0..<width { frame[x, y] = base[x + index, y] }
            }
            let name = "frame_" + String(repeating: "0", count: 5 - String(index).count)
                + String(index) + ".png"
            try PNGCodec.write(frame, to: directory.file(name))
        }
        return directory.file("frame_%05d.png")
    }

    @Test("MP4 with audio and odd frame size, then GIF; no temporaries left")
    func encode() throws {
        let directory = TemporaryDirectory()
        let pattern = try Self.frames(in: directory, count: 6, width: 33, height: 25)
        let audio = directory.file("audio.wav")
        try AudioFileWriter.write(
            interleaved: Fixtures.sine(frequency: 440, sampleRate: 48_000, count: 12_000),
            channels: 1, sampleRate: 48_000, format: .wav16, to: audio)

        let mp4 = directory.file("clip.mp4")
        try FFmpeg.encodeVideo(framePattern: pattern, fps: 24, audio: audio, output: mp4,
                               gif: false)
        let movie = Fixtures.bytes(of: mp4)
        #expect(movie.count > 100)
        #expect(Array(movie[4..<8]) == Array("ftyp".utf8))

        let gif = directory.file("clip.gif")
        try FFmpeg.encodeVideo(framePattern: pattern, fps: 12, audio: nil, output: gif, gif: true)
        #expect(Array(Fixtures.bytes(of: gif).prefix(6)) == Array("GIF89a".utf8))

        #expect(!directory.contents().contains { $0.contains(".tmp-") })
    }

    @Test("a failing ffmpeg run reports the output path and leaves nothing behind")
    func failure() {
        let directory = TemporaryDirectory()
        let output = directory.file("none.mp4")
        do {
            try FFmpeg.encodeVideo(framePattern: directory.file("missing_%05d.png"), fps: 10,
                                   audio: nil, output: output, gif: false)
            Issue.record("expected failure")
        } catch {
            #expect(error.message.hasPrefix(output + ": ffmpeg failed"), "\(error)")
        }
        #expect(directory.contents().isEmpty)
    }
}
