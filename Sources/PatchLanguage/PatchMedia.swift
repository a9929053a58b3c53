import DMMCore
import MediaIO

/// Reads the files that `image(file:)` and `video(file:)` neurons name and attaches their
/// pictures, as the last step of building a patch.
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
            guard case .declaration(let d) = l.statement, let i = net.index(of: d.name),
                  let kind = net.neurons[i].kind as? any MediaKind else { continue }
            let col = d.configColumns["file"] ?? d.kindColumn
            guard !kind.file.isEmpty else {
                throw PatchError(file: doc.file, line: l.number, column: col,
                                 message: "\(d.kind) needs a file: \(d.kind)(file: \"\(type(of: kind).isVideo ? "clip.mp4" : "picture.png")\")", sourceLine: l.text)
            }
            let path = resolve(kind.file, patch: doc.file)
            let frames: MediaFrames
            do {
                frames = try decode(kind, path: path, timing: net.timing)
            } catch {
                throw PatchError(file: doc.file, line: l.number, column: col,
                                 message: "\(d.kind): cannot read \(DiagnosticText.quoted(kind.file)): \(error.message)", sourceLine: l.text)
            }
            net.replaceKind(of: i, with: kind.attaching(frames))
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
