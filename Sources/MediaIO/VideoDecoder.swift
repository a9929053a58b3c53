#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Decodes a video file into 8-bit RGB frames by running `ffmpeg`, for `video(file:)`.
///
/// ffmpeg resamples time and space. Time: timestamps are first rebuilt from the frame count and
/// the stream's rate (container timestamps are often rounded to milliseconds, which made the
/// `fps` filter pick neighbouring frames), then frame f is the source frame on screen at f/fps,
/// i.e. source frame ⌊f·rate/fps⌋ (`round=up` on exact timestamps). Space: `scale`, bicubic.
/// The result is written as raw `rgb24` to a temporary file, which is read whole and removed.
/// Reading the whole clip keeps every tick's frame one array index away (renders,
/// live sessions and the fitter all revisit ticks); `maxBytes` bounds what that may cost.
public enum VideoDecoder {
    /// The decoded clip: `frames` frames of `width`×`height`×3 bytes, concatenated.
    public struct Clip: Sendable {
        public var width: Int, height: Int, frames: Int
        public var rgb: [UInt8]
    }

    public static func decode(path: String, fps: Double, width: Int, height: Int,
                              maxBytes: Int = 1 << 30) throws(MediaError) -> Clip {
        guard let ffmpeg = FFmpeg.path() else {
            throw MediaError(path: path, "ffmpeg not found on PATH; install it (apt-get install ffmpeg) to read video files")
        }
        guard Platform.exists(path), !Platform.isDirectory(path) else { throw MediaError(path: path, "no such file") }
        guard fps.isFinite, fps > 0, fps <= 1000, width > 0, height > 0 else {
            throw MediaError(path: path, "invalid frame rate or size")
        }
        var template = Array("/tmp/dmm-video-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw MediaError(path: path, "cannot create a temporary file: \(Platform.lastErrorText())") }
        close(fd)
        let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { unlink(temporary) }
        let frameBytes = width * height * 3
        let limit = max(1, maxBytes / frameBytes)
        let arguments = ["-nostdin", "-y", "-loglevel", "error", "-i", path,
                         "-vf", "setpts=N/(FRAME_RATE*TB),fps=\(fps):round=up,scale=\(width):\(height):flags=bicubic", "-frames:v", "\(limit + 1)",
                         "-f", "rawvideo", "-pix_fmt", "rgb24", temporary]
        let outcome = try Subprocess.run(ffmpeg, arguments)
        guard outcome.status == 0 else {
            let why = outcome.standardError.split(separator: "\n").last.map(String.init) ?? "exit status \(outcome.status)"
            throw MediaError(path: path, "ffmpeg cannot decode it: \(why)")
        }
        let bytes = try Platform.readFile(temporary)
        let frames = bytes.count / frameBytes
        guard frames > 0 else { throw MediaError(path: path, "the video has no frames") }
        guard frames <= limit else {
            throw MediaError(path: path, "the video is longer than \(limit) frames at \(width)x\(height) (\(maxBytes >> 20) MB decoded); shorten it or lower the size")
        }
        return Clip(width: width, height: height, frames: frames, rgb: Array(bytes[0..<(frames * frameBytes)]))
    }
}
