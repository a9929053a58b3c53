import CSndFile

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An audio file written incrementally, for renders too long to hold in memory.
///
/// Samples go to a temporary sibling (``AtomicFile/temporaryPath(for:)``) and ``finish()``
/// renames it into place, so an interrupted render never leaves a truncated file under the
/// final name. Output is reproducible: integer formats clip instead of wrapping, no PEAK chunk
/// (which would embed a timestamp) is written, and Ogg serial numbers are fixed (see
/// ``AudioFormat/ogg``). Non-finite samples are written as silence (NaN) or full scale (±inf)
/// so a numerically exploding patch cannot produce an unplayable file.
///
/// Not thread safe: one writer thread per stream (it is deliberately not `Sendable`).
public final class AudioFileStream {
    /// The final destination path.
    public let path: String
    /// Interleaved channel count.
    public let channels: Int
    /// Frames per second.
    public let sampleRate: Int
    /// The encoding being written.
    public let format: AudioFormat
    /// Frames (samples per channel) appended so far.
    public private(set) var framesWritten: Int = 0

    private var file: OpaquePointer?
    private let temporaryPath: String
    /// Where the finished file goes: ``path``, or the target of the symbolic link it names.
    private let destination: String
    private var scratch: [Float] = []

    /// Opens a temporary file next to `path` and prepares the encoder.
    ///
    /// Fails (naming `path`) if the directory does not exist, the parameters are invalid for the
    /// format (e.g. more than 8 FLAC channels), or libsndfile cannot encode the format.
    public init(path: String, channels: Int, sampleRate: Int, format: AudioFormat)
        throws(MediaError)
    {
        guard channels >= 1, channels <= 1024 else {
            throw MediaError(path: path, "invalid channel count \(channels)")
        }
        guard sampleRate >= 1, sampleRate <= Int(Int32.max) else {
            throw MediaError(path: path, "invalid sample rate \(sampleRate)")
        }
        self.path = path
        self.channels = channels
        self.sampleRate = sampleRate
        self.format = format
        self.destination = try AtomicFile.destination(for: path)
        self.temporaryPath = AtomicFile.temporaryPath(for: destination)

        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = Int32(channels)
        info.format = format.sndfileFormat
        guard sf_format_check(&info) != 0 else {
            throw MediaError(
                path: path,
                "\(format.rawValue) cannot store \(channels) channel(s) at \(sampleRate) Hz")
        }
        let temporary = temporaryPath
        let opened = AtomicFile.track(temporary) { () -> (OpaquePointer?, String) in
            let h = sf_open(temporary, Int32(SFM_WRITE), &info)
            // sf_strerror(NULL) reports the last open failure; read it before anything else.
            return (h, h == nil ? String(cString: sf_strerror(nil)) : "")
        }
        guard let handle = opened.0 else {
            let reason = opened.1
            AtomicFile.discard(temporary)
            throw MediaError(path: path, "cannot create audio file: \(reason)")
        }
        file = handle
        // A PEAK chunk carries a timestamp, which would make identical renders differ.
        sf_command(handle, Int32(SFC_SET_ADD_PEAK_CHUNK), nil, Int32(SF_FALSE))
        if format.isInteger {
            // Without this, 1.5 wraps around to a large negative value instead of saturating.
            sf_command(handle, Int32(SFC_SET_CLIPPING), nil, Int32(SF_TRUE))
        }
    }

    deinit {
        cancel()
    }

    /// Appends interleaved samples (`count` must be a multiple of ``channels``).
    ///
    /// Float samples use the usual ±1 full scale; integer formats clip beyond it.
    public func append(interleaved samples: UnsafeBufferPointer<Float>) throws(MediaError) {
        guard let file else { throw MediaError(path: path, "audio stream already closed") }
        guard samples.count % channels == 0 else {
            throw MediaError(path: path,
                             "\(samples.count) samples is not a whole number of \(channels)-channel frames")
        }
        guard let base = samples.baseAddress, !samples.isEmpty else { return }
        let frames = samples.count / channels
        var written: sf_count_t
        if samples.allSatisfy(\.isFinite) {
            written = sf_writef_float(file, base, sf_count_t(frames))
        } else {
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: samples.lazy.map { value in
                value.isNaN ? 0 : (value.isInfinite ? (value > 0 ? 1 : -1) : value)
            })
            written = scratch.withUnsafeBufferPointer { sf_writef_float(file, $0.baseAddress, sf_count_t(frames)) }
        }
        if written != sf_count_t(frames) {
            let reason = String(cString: sf_strerror(file))
            throw MediaError(path: path, "audio write failed: \(reason)")
        }
        framesWritten += frames
    }

    /// Convenience overload of ``append(interleaved:)-(UnsafeBufferPointer<Float>)`` for arrays.
    public func append(interleaved samples: [Float]) throws(MediaError) {
        try samples.withUnsafeBufferPointer { (buffer) throws(MediaError) in
            try append(interleaved: buffer)
        }
    }

    /// Flushes the encoder, closes the file and renames it into place.
    ///
    /// After this (successful or not) the stream is closed; on failure the temporary file is
    /// removed and any existing file at ``path`` is left untouched.
    public func finish() throws(MediaError) {
        guard let handle = file else { throw MediaError(path: path, "audio stream already closed") }
        file = nil
        let status = sf_close(handle)
        if status != 0 {
            let reason = String(cString: sf_error_number(status))
            AtomicFile.discard(temporaryPath)
            throw MediaError(path: path, "cannot finish audio file: \(reason)")
        }
        if format == .ogg {
            do {
                var bytes = try Platform.readFile(temporaryPath)
                if OggSerial.normalize(&bytes) {
                    try rewrite(bytes)
                }
            } catch {
                AtomicFile.discard(temporaryPath)
                throw error
            }
        }
        try AtomicFile.commit(temporary: temporaryPath, to: destination)
    }

    /// Abandons the stream: closes the encoder and deletes the temporary file. Idempotent.
    ///
    /// Call on Ctrl-C or render failure; the destination path is never touched.
    public func cancel() {
        guard let handle = file else { return }
        file = nil
        sf_close(handle)
        AtomicFile.discard(temporaryPath)
    }

    private func rewrite(_ bytes: [UInt8]) throws(MediaError) {
        let fd = open(temporaryPath, O_WRONLY | O_TRUNC | O_CLOEXEC)
        guard fd >= 0 else {
            throw MediaError(path: path, "cannot rewrite Ogg pages: \(Platform.lastErrorText())")
        }
        let failure = bytes.withUnsafeBytes { Platform.writeAll(fd, $0) }
        let closeFailed = close(fd) != 0
        if let failure { throw MediaError(path: path, "cannot rewrite Ogg pages: \(failure)") }
        if closeFailed {
            throw MediaError(path: path, "cannot rewrite Ogg pages: \(Platform.lastErrorText())")
        }
    }
}
