import DMMCore
import MediaIO

/// Reads the files that `image(file:)`, `video(file:)` and `sample(file:)` neurons name and
/// attaches their pictures and sounds, as the last step of building a patch.
///
/// The engine reads no files (DMMCore has no I/O); the patch language is where a patch's text
/// becomes a network, and the file a neuron names is part of that text, so this is where it is
/// read: every client (render, fit, live, a reloaded patch) gets the same pictures, and a
/// missing or undecodable file is a load error at the option's line and column.
enum PatchMedia {
    /// `file` relative to the patch file's directory (absolute paths as they are).
    static func resolve(_ file: String, patch: String) -> String {
        if file.hasPrefix("/") { return file }
        guard let slash = patch.lastIndex(of: "/") else { return file }
        return String(patch[...slash]) + file
    }

    static func attach(_ net: inout Network, _ doc: PatchDocument) throws(PatchError) {
        for l in doc.lines {
            guard case .declaration(let d) = l.statement, let i = net.index(of: d.name) else { continue }
            let col = d.configColumns["file"] ?? d.kindColumn
            func failure(_ file: String, _ why: String) -> PatchError {
                PatchError(file: doc.file, line: l.number, column: col,
                           message: "\(d.kind): cannot read \(DiagnosticText.quoted(file)): \(why)", sourceLine: l.text)
            }
            if let kind = net.neurons[i].kind as? any MediaKind {
                guard !kind.file.isEmpty else {
                    throw PatchError(file: doc.file, line: l.number, column: col,
                                     message: "\(d.kind) needs a file: \(d.kind)(file: \"\(type(of: kind).isVideo ? "clip.mp4" : "picture.png")\")", sourceLine: l.text)
                }
                let frames: MediaFrames
                do { frames = try decode(kind, path: resolve(kind.file, patch: doc.file), timing: net.timing) }
                catch { throw failure(kind.file, error.message) }
                net.replaceKind(of: i, with: kind.attaching(frames))
            } else if let kind = net.neurons[i].kind as? SamplePlayer {
                guard !kind.file.isEmpty else {
                    throw PatchError(file: doc.file, line: l.number, column: d.kindColumn,
                                     message: "\(d.kind) needs file: \"sound.wav\"", sourceLine: l.text)
                }
                let decoded: (samples: [Float], channels: Int, sampleRate: Int)
                do { decoded = try AudioFileWriter.read(path: resolve(kind.file, patch: doc.file)) }
                catch { throw failure(kind.file, error.message) }
                let frames = decoded.samples.count / max(1, decoded.channels)
                guard frames > 0 else { throw failure(kind.file, "it holds no sound") }
                guard frames <= SampleData.maxFrames else { throw failure(kind.file, "it is \(frames) frames long; at most \(SampleData.maxFrames)") }
                guard TimingLimits.sampleRate.contains(decoded.sampleRate) else {
                    throw failure(kind.file, "its rate \(decoded.sampleRate) Hz is outside \(TimingLimits.sampleRate.lowerBound)…\(TimingLimits.sampleRate.upperBound)")
                }
                let data = SampleData(interleaved: decoded.samples, channels: decoded.channels, rate: Double(decoded.sampleRate))
                net.replaceKind(of: i, with: kind.attaching(data))
            }
        }
    }

    private static func decode(_ kind: any MediaKind, path: String, timing: Timing) throws(MediaError) -> MediaFrames {
        if type(of: kind).isVideo {
            let clip = try VideoDecoder.decode(path: path, fps: timing.fps, width: timing.width, height: timing.height)
            return MediaFrames(width: clip.width, height: clip.height, count: clip.frames, rgb: clip.rgb)
        }
        let image = try PNGCodec.read(path: path)
        return MediaFrames(width: image.width, height: image.height, count: 1, rgb: image.pixels)
    }
}
