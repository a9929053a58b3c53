import DMMCore
import MediaIO

/// Reads the sound files that `sample(file:)` neurons name and attaches them, while a patch
/// is built.
///
/// The engine reads no files (DMMCore has no I/O); the patch language is where a patch's text
/// becomes a network, and the file a neuron names is part of that text, so this is where it is
/// read: every client (synth, render, live, a reloaded patch) plays the same sound, and a
/// missing or undecodable file is a load error at the `file` option's line and column.
enum PatchAudioFiles {
    /// `file` relative to the patch file's directory (absolute paths as they are).
    static func resolve(_ file: String, patch: String) -> String {
        if file.hasPrefix("/") { return file }
        guard let slash = patch.lastIndex(of: "/") else { return file }
        return String(patch[...slash]) + file
    }

    static func attach(_ net: inout Network, _ doc: PatchDocument) throws(PatchError) {
        for l in doc.lines {
            guard case .declaration(let d) = l.statement, let i = net.index(of: d.name),
                  let kind = net.neurons[i].kind as? SamplePlayer else { continue }
            let col = d.configColumns["file"] ?? d.kindColumn
            func fail(_ why: String) -> PatchError {
                PatchError(file: doc.file, line: l.number, column: col,
                           message: "\(d.kind): cannot read \(DiagnosticText.quoted(kind.file)): \(why)", sourceLine: l.text)
            }
            guard !kind.file.isEmpty else {
                throw PatchError(file: doc.file, line: l.number, column: d.kindColumn,
                                 message: "\(d.kind) needs file: \"sound.wav\"", sourceLine: l.text)
            }
            let decoded: (samples: [Float], channels: Int, sampleRate: Int)
            do { decoded = try AudioFileWriter.read(path: resolve(kind.file, patch: doc.file)) } catch {
                throw fail(error.message)
            }
            let frames = decoded.samples.count / max(1, decoded.channels)
            guard frames > 0 else { throw fail("it holds no sound") }
            guard frames <= SampleData.maxFrames else { throw fail("it is \(frames) frames long; at most \(SampleData.maxFrames)") }
            guard TimingLimits.sampleRate.contains(decoded.sampleRate) else {
                throw fail("its rate \(decoded.sampleRate) Hz is outside \(TimingLimits.sampleRate.lowerBound)…\(TimingLimits.sampleRate.upperBound)")
            }
            let data = SampleData(interleaved: decoded.samples, channels: decoded.channels, rate: Double(decoded.sampleRate))
            net.replaceKind(of: i, with: kind.attaching(data))
        }
    }
}
