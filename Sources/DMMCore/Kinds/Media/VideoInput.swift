/// `video(file: "clip.mp4")`: a video as fields r, g, b in −1…1, one frame per tick.
///
/// Decoded through ffmpeg when the patch loads, at the patch's fps and frame size (ffmpeg's
/// `fps` filter picks the frames; for a video made at the patch's rate they are its own).
/// Frame-exact: `out.r = v.r` shows video frame f in render frame f. In a DMM every connection
/// takes one tick, so the picture at tick f reads what `v` emitted at tick f − 1; a video is
/// therefore emitted one tick ahead (tick t emits frame t + 1), and each further neuron on
/// the way to the picture delays it by a tick like any other stream. Warm-up ticks show frame
/// 0; past the end the last frame holds. A different `--size` resamples bilinearly. Not
/// differentiable.
public struct VideoInput: MediaKind {
    public static let name = "video"
    public static let summary = "a video (file: \"…\", via ffmpeg) as fields r, g, b in −1…1, frame f at tick f"
    public static let configKeys = ["file"]
    public static let isVideo = true
    public let config: NeuronConfig
    public let file: String
    public private(set) var frames: MediaFrames?

    public init(config: NeuronConfig) throws(KindError) {
        self.config = config
        file = try Self.fileOption(config)
    }
    public func attaching(_ frames: MediaFrames) -> VideoInput { var k = self; k.frames = frames; return k }

    public var inputs: [PortSpec] { [] }
    public var traits: KindTraits { [.notDifferentiable] }

    public func forward(_ io: KernelIO) { emit(io, frame: io.context.tick + 1) }
}
