/// `image(file: "picture.png")`: a PNG as three constant fields r, g, b in −1…1, the range
/// `rgb` takes, so `out.r = im.r` (and g, b) reproduces the picture.
///
/// The picture is resampled (bilinear, stretched) to the frame size; at the patch's own size a
/// byte b becomes b/127.5 − 1 and is quantised back to b exactly. The file is read when the
/// patch loads (a missing or bad file is a load error at its line); it is a constant source,
/// computed once, like the coordinates, and not differentiable.
public struct ImageInput: MediaKind {
    public static let name = "image"
    public static let summary = "a PNG (file: \"…\", relative to the patch) as constant fields r, g, b in −1…1"
    public static let configKeys = ["file"]
    public static let isVideo = false
    public let config: NeuronConfig
    public let file: String
    public private(set) var frames: MediaFrames?

    public init(config: NeuronConfig) throws(KindError) {
        self.config = config
        file = try Self.fileOption(config)
    }
    public func attaching(_ frames: MediaFrames) -> ImageInput { var k = self; k.frames = frames; return k }

    public var inputs: [PortSpec] { [] }
    public var traits: KindTraits { [.constantSource, .notDifferentiable] }

    public func forward(_ io: KernelIO) { emit(io, frame: 0) }
}
