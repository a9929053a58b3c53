import DMMCore
import Foundation
import MediaIO
import PatchLanguage
import Testing

// image(file:) and video(file:) through the loader and the engine: a picture at the patch's
// size comes back byte for byte; resampled, it matches the reference's bilinear resampling;
// a video of numbered frames (made here with ffmpeg, lossless) shows frame f at tick f; bad
// files are load errors naming the line and column of the file name.
@Suite("Image and video input") struct MediaInputTests {
    /// A fresh directory for one test's files.
    static func directory() -> String {
        var template = Array((NSTemporaryDirectory() + "/dmm-media-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil)
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func picture(width w: Int, height h: Int, seed: UInt64) -> RGBImage {
        var rng = SplitMix64(seed: seed)
        return RGBImage(width: w, height: h, pixels: (0..<(w * h * 3)).map { _ in UInt8(rng.int(0...255)) })
    }

    static func patch(_ dir: String, size: String, kind: String, fps: Int = 30) -> String {
        let text = """
        size \(size)
        fps \(fps)
        frames 4

        m: \(kind)
        out: rgb
        out.r = m.r
        out.g = m.g
        out.b = m.b

        """
        let path = dir + "/p.dmm"
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    @Test func imageAtThePatchSizeIsReproduced() throws {
        let dir = Self.directory()
        let pic = Self.picture(width: 24, height: 16, seed: 1)
        try PNGCodec.write(pic, to: dir + "/pic.png")
        let loaded = try PatchLoader.load(path: Self.patch(dir, size: "24x16", kind: "image(file: \"pic.png\")"))
        let frames = try engineFrames(loaded.network, count: 3)
        for f in frames { #expect(f == pic.pixels) }
        // The reference reads the same attached pixels.
        let reference = try referenceFrameBytes(loaded.network, count: 1)
        #expect(reference[0] == pic.pixels)
    }

    @Test(arguments: ["40x28", "13x9", "24x16"])
    func imageIsResampledToTheFrame(size: String) throws {
        let dir = Self.directory()
        try PNGCodec.write(Self.picture(width: 24, height: 16, seed: 2), to: dir + "/pic.png")
        let net = try PatchLoader.load(path: Self.patch(dir, size: size, kind: "image(file: \"pic.png\")")).network
        try expectRenderMatches(net, frames: 2, label: "image at \(size)", text: nil)
    }

    @Test func badFilesAreLoadErrorsAtTheirLine() throws {
        let dir = Self.directory()
        _ = FileManager.default.createFile(atPath: dir + "/not.png", contents: Data("hello".utf8))
        for (file, why) in [("missing.png", "cannot read"), ("not.png", "cannot read")] {
            let path = Self.patch(dir, size: "8x8", kind: "image(file: \"\(file)\")")
            do {
                _ = try PatchLoader.load(path: path)
                Issue.record("\(file) loaded")
            } catch {
                #expect(error.line == 5 && error.column == 16, "\(error)")
                #expect(error.description.contains("p.dmm:5:16") && error.description.contains(why) && error.description.contains(file),
                        "\(error)")
            }
        }
        #expect(throws: PatchError.self) { _ = try PatchLoader.load(path: Self.patch(dir, size: "8x8", kind: "image")) }
        #expect(throws: PatchError.self) { _ = try PatchLoader.load(path: Self.patch(dir, size: "8x8", kind: "image(file: 3)")) }
    }

    /// Frame k of the clip: every pixel carries k (red = 8k + 5) and its position, so a
    /// shifted, repeated or dropped frame cannot go unnoticed.
    static func numberedFrame(_ k: Int, width w: Int, height h: Int) -> [UInt8] {
        var v = [UInt8](repeating: 0, count: w * h * 3)
        for p in 0..<(w * h) {
            v[3 * p] = UInt8(8 * k + 5)
            v[3 * p + 1] = UInt8((p * 7 + k * 3) % 256)
            v[3 * p + 2] = UInt8((p / w * 17 + p % w * 5) % 256)
        }
        return v
    }

    /// Writes a lossless video (FFV1 in Matroska) of `count` numbered frames at `fps`.
    static func makeVideo(_ path: String, count: Int, fps: Int, width w: Int, height h: Int) throws {
        let raw = path + ".rgb"
        var bytes: [UInt8] = []
        for k in 0..<count { bytes += numberedFrame(k, width: w, height: h) }
        _ = FileManager.default.createFile(atPath: raw, contents: Data(bytes))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try #require(FFmpeg.path()))
        p.arguments = ["-nostdin", "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "\(w)x\(h)",
                       "-r", "\(fps)", "-i", raw, "-c:v", "ffv1", path]
        try p.run()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0)
    }

    @Test(.enabled(if: FFmpeg.path() != nil, "needs ffmpeg"))
    func videoIsFrameExact() throws {
        let dir = Self.directory()
        let (w, h) = (32, 24)
        try Self.makeVideo(dir + "/clip.mkv", count: 12, fps: 24, width: w, height: h)
        // At the clip's own rate and size: render frame f is clip frame f, byte for byte; the
        // last frame holds past the end.
        let net = try PatchLoader.load(path: Self.patch(dir, size: "\(w)x\(h)", kind: "video(file: \"clip.mkv\")", fps: 24)).network
        let frames = try engineFrames(net, count: 15)
        for f in 0..<15 {
            let want = Self.numberedFrame(min(f, 11), width: w, height: h)
            #expect(frames[f] == want, "render frame \(f) shows clip frame \(Int(frames[f][0] - 5) / 8)")
        }
        let batched = try engineFrames(net, count: 15, batched: true)
        #expect(batched == frames)
        #expect(try referenceFrameBytes(net, count: 15) == frames)
        // At half the rate, frame f shows clip frame 2f.
        let half = try PatchLoader.load(path: Self.patch(dir, size: "\(w)x\(h)", kind: "video(file: \"clip.mkv\")", fps: 12)).network
        let slow = try engineFrames(half, count: 6)
        for f in 0..<6 { #expect(Int(slow[f][0]) == 8 * (2 * f) + 5, "12 fps frame \(f) shows clip frame \(Int(slow[f][0] - 5) / 8)") }
        // At 10 fps, frame f shows the clip frame on screen at f/10 s: ⌊2.4·f⌋.
        let ten = try PatchLoader.load(path: Self.patch(dir, size: "\(w)x\(h)", kind: "video(file: \"clip.mkv\")", fps: 10)).network
        let tenFrames = try engineFrames(ten, count: 5)
        for f in 0..<5 { #expect(Int(tenFrames[f][0]) == 8 * (24 * f / 10) + 5, "10 fps frame \(f) shows clip frame \(Int(tenFrames[f][0] - 5) / 8)") }
    }

    @Test(.enabled(if: FFmpeg.path() != nil, "needs ffmpeg"))
    func aBadVideoIsALoadError() throws {
        let dir = Self.directory()
        _ = FileManager.default.createFile(atPath: dir + "/clip.mp4", contents: Data("not a video".utf8))
        do {
            _ = try PatchLoader.load(path: Self.patch(dir, size: "8x8", kind: "video(file: \"clip.mp4\")"))
            Issue.record("a bad video loaded")
        } catch {
            #expect(error.description.contains("p.dmm:5:16") && error.description.contains("ffmpeg"), "\(error)")
        }
    }
}
