import CSndFile

/// The audio file encodings DMMSynth can write, named as the command line spells them.
///
/// Kept to a short list of widely playable choices so `--format` stays simple: 16/24-bit PCM
/// WAV for delivery, 32-bit float WAV for lossless intermediates (values beyond ±1 survive),
/// FLAC for compact lossless sharing, and Ogg Vorbis for small previews.
public enum AudioFormat: String, CaseIterable, Sendable {
    /// WAV, 16-bit signed PCM. Samples outside ±1 are clipped to full scale, never wrapped.
    case wav16
    /// WAV, 24-bit signed PCM, clipped like ``wav16``.
    case wav24
    /// WAV, 32-bit IEEE float: bit-exact for any finite `Float`, no clipping.
    case float
    /// FLAC, 16-bit (FLAC has no float mode), clipped like ``wav16``. Lossless for 16-bit data.
    case flac
    /// Ogg Vorbis (lossy). libsndfile picks a random Ogg stream serial number; MediaIO rewrites
    /// it to a fixed value after encoding so repeated renders produce identical files.
    case ogg

    /// The conventional file extension (without the dot).
    public var fileExtension: String {
        switch self {
        case .wav16, .wav24, .float: "wav"
        case .flac: "flac"
        case .ogg: "ogg"
        }
    }

    /// Whether samples are stored as integers, i.e. need clipping to avoid wrap-around.
    public var isInteger: Bool {
        switch self {
        case .wav16, .wav24, .flac: true
        case .float, .ogg: false
        }
    }

    /// Whether reading the file back returns exactly the quantised samples that were written.
    public var isLossless: Bool { self != .ogg }

    /// The file extensions an audio file can be written under (lowercase, no dot), each with
    /// the format it implies: the one list behind ``init(inferringFrom:)`` and the CLI's
    /// refusal of any other extension.
    public static let extensions: [(name: String, format: AudioFormat)] =
        [("wav", .wav16), ("wave", .wav16), ("flac", .flac), ("ogg", .ogg), ("oga", .ogg)]

    /// Guesses a format from a path's extension (`.wav` → ``wav16``, `.flac`, `.ogg`/`.oga`),
    /// so the CLI can honour `-o out.flac` without a separate flag. Nil for unknown extensions.
    public init?(inferringFrom path: String) {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        let ext = name[name.index(after: dot)...].lowercased()
        guard let known = Self.extensions.first(where: { $0.name == ext }) else { return nil }
        self = known.format
    }

    /// The libsndfile `SF_FORMAT_*` major|subtype code.
    var sndfileFormat: Int32 {
        switch self {
        case .wav16: Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_16)
        case .wav24: Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_24)
        case .float: Int32(SF_FORMAT_WAV | SF_FORMAT_FLOAT)
        case .flac: Int32(SF_FORMAT_FLAC | SF_FORMAT_PCM_16)
        case .ogg: Int32(SF_FORMAT_OGG | SF_FORMAT_VORBIS)
        }
    }
}
