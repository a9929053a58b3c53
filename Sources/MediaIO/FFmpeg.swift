#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns PNG frame sequences (plus optional audio) into MP4 or GIF by running `ffmpeg`.
///
/// Linking libav* directly would be a heavy, fragile dependency for an optional feature; the
/// ffmpeg command line is stable and almost always installed where video output is wanted.
/// Output is written to a temporary name and renamed, like every other MediaIO writer.
public enum FFmpeg {
    /// Absolute path of `ffmpeg` found by searching `$PATH`, or nil if it is not installed.
    ///
    /// Checked up front so `--mp4`/`--gif` fail with an actionable message before a long render
    /// rather than after it.
    public static func path() -> String? {
        guard let raw = getenv("PATH") else { return nil }
        let search = String(cString: raw)
        for directory in search.split(separator: ":", omittingEmptySubsequences: false) {
            let base = directory.isEmpty ? "." : String(directory)
            let candidate = base.hasSuffix("/") ? base + "ffmpeg" : base + "/ffmpeg"
            if access(candidate, X_OK) == 0, !Platform.isDirectory(candidate) {
                return candidate
            }
        }
        return nil
    }

    /// Encodes numbered PNG frames into `output`.
    ///
    /// - Parameters:
    ///   - framePattern: printf-style frame names, e.g. `dir/frame_%05d.png`; numbering may
    ///     start anywhere from 0 to 4 (ffmpeg's image2 rule).
    ///   - fps: frames per second of the sequence.
    ///   - audio: optional audio file muxed in as AAC (MP4 only); the shorter stream decides the
    ///     length (`-shortest`). Ignored for GIF.
    ///   - output: destination file; its extension picks the container for non-GIF output.
    ///   - gif: true for an animated GIF (palettegen/paletteuse, loops forever); false for
    ///     H.264 `yuv420p` at CRF 18 (odd sizes are padded by one pixel, as 4:2:0 requires).
    public static func encodeVideo(
        framePattern: String, fps: Double, audio: String?, output: String, gif: Bool
    ) throws(MediaError) {
        guard let ffmpeg = path() else {
            throw MediaError(
                path: output,
                "ffmpeg not found on PATH; install it (apt-get install ffmpeg) to use --mp4/--gif")
        }
        // The patch's own rate, fractional ones too (29.97, 0.5): rounding it would make the
        // video drift from its sound track.
        guard fps.isFinite, fps > 0, fps <= 1000 else { throw MediaError(path: output, "invalid frame rate \(fps)") }
        let destination = try AtomicFile.destination(for: output)
        let temporary = temporaryOutputPath(for: destination)
        var arguments = ["-nostdin", "-y", "-loglevel", "error",
                         "-framerate", "\(fps)", "-i", framePattern]
        if gif {
            arguments += ["-vf", "split[a][b];[a]palettegen[p];[b][p]paletteuse",
                          "-loop", "0", "-f", "gif"]
        } else {
            if let audio { arguments += ["-i", audio] }
            arguments += ["-map", "0:v:0"]
            if audio != nil { arguments += ["-map", "1:a:0"] }
            arguments += ["-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2",
                          "-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", "18"]
            if audio != nil { arguments += ["-c:a", "aac", "-b:a", "192k", "-shortest"] }
            arguments += ["-movflags", "+faststart"]
            if temporary == AtomicFile.temporaryPath(for: destination) {
                arguments += ["-f", "mp4"]  // no extension to infer the container from
            }
        }
        arguments.append(temporary)

        // ffmpeg creates the file; listing it first lets Ctrl-C remove it.
        AtomicFile.track(temporary) {}
        let outcome: Subprocess.Outcome
        do { outcome = try Subprocess.run(ffmpeg, arguments) } catch { AtomicFile.discard(temporary); throw error }
        guard outcome.status == 0 else {
            AtomicFile.discard(temporary)
            let detail = outcome.standardError
                .split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters() }
                .filter { !$0.isEmpty }
                .suffix(3)
                .joined(separator: "; ")
            throw MediaError(
                path: output,
                "ffmpeg failed (exit \(outcome.status))" + (detail.isEmpty ? "" : ": \(detail)"))
        }
        try AtomicFile.commit(temporary: temporary, to: destination)
    }

    /// `dir/name.tmp-<pid>.ext`: keeps the extension so ffmpeg still infers the container.
    static func temporaryOutputPath(for output: String) -> String {
        let slash = output.lastIndex(of: "/")
        let nameStart = slash.map { output.index(after: $0) } ?? output.startIndex
        if let dot = output[nameStart...].lastIndex(of: "."), dot != nameStart {
            return "\(output[..<dot]).tmp-\(Platform.processID)\(output[dot...])"
        }
        return AtomicFile.temporaryPath(for: output)
    }
}

extension Substring {
    fileprivate func trimmingCharacters() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
