import CSndFile

/// One-shot audio file writing and reading through libsndfile.
///
/// Most renders are short enough to hold in memory, so the simplest API is "here are all the
/// samples, write them": it delegates to ``AudioFileStream`` and therefore shares its
/// guarantees (atomic replacement, clipping rather than wrap-around, byte-identical output for
/// identical input in every ``AudioFormat``).
public enum AudioFileWriter {
    /// Writes interleaved samples to `path` in `format`, atomically.
    ///
    /// - Parameters:
    ///   - samples: interleaved frames, full scale ±1; count must be a multiple of `channels`.
    ///   - channels: interleaved channel count (FLAC allows at most 8).
    ///   - sampleRate: frames per second.
    public static func write(
        interleaved samples: [Float], channels: Int, sampleRate: Int, format: AudioFormat,
        to path: String
    ) throws(MediaError) {
        let stream = try AudioFileStream(path: path, channels: channels, sampleRate: sampleRate,
                                         format: format)
        do {
            try stream.append(interleaved: samples)
            try stream.finish()
        } catch {
            stream.cancel()
            throw error
        }
    }

    /// Reads any file libsndfile understands (WAV, FLAC, Ogg, AIFF, ...) as interleaved floats.
    ///
    /// Integer formats are normalised to ±1 (a 16-bit sample `k` reads as `k / 32768`). Used by
    /// tests to check round trips and by fitting to load target audio.
    public static func read(path: String) throws(MediaError)
        -> (samples: [Float], channels: Int, sampleRate: Int)
    {
        var info = SF_INFO()
        guard let file = sf_open(path, Int32(SFM_READ), &info) else {
            let reason = String(cString: sf_strerror(nil))
            throw MediaError(path: path, "cannot open audio file: \(reason)")
        }
        defer { sf_close(file) }
        let channels = Int(info.channels)
        guard channels >= 1 else { throw MediaError(path: path, "audio file has no channels") }
        var samples: [Float] = []
        if info.frames > 0, info.frames < sf_count_t(Int32.max) {
            samples.reserveCapacity(Int(info.frames) * channels)
        }
        let chunkFrames = 16_384
        var chunk = [Float](repeating: 0, count: chunkFrames * channels)
        while true {
            let got = chunk.withUnsafeMutableBufferPointer {
                sf_readf_float(file, $0.baseAddress, sf_count_t(chunkFrames))
            }
            if got < 0 || sf_error(file) != 0 {
                let reason = String(cString: sf_strerror(file))
                throw MediaError(path: path, "audio read failed: \(reason)")
            }
            if got == 0 { break }
            samples.append(contentsOf: chunk[0..<(Int(got) * channels)])
        }
        return (samples, channels, Int(info.samplerate))
    }
}
