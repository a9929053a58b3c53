/// A text as a tree stream: `text(input: "test string.", every: 10)` outputs `{t: 1}` at
/// tick 0, `{e: 1}` at tick 10, and so on, and the empty tree at every other tick.
///
/// The input driver of the 2022 experiment (`shared/docs/dmm.md` §6). Each character is its
/// own key (a space is the key " "). After the last character the stream is empty, or with
/// `hold: 1` the last character keeps coming every `every` ticks, as the 2022 driver did
/// (its end-of-text counter then climbs to 3 by tick 140 on "test string.").
public struct TextInput: FlatTreeKind {
    public static let name = "text"
    public static let summary = "a string as a tree stream: {char: 1} every `every` ticks, empty between"
    public static let configKeys = ["input", "every", "hold"]
    /// The longest text accepted (a string of a million characters is a megabyte of patch).
    public static let maxLength = 1_000_000
    public let config: NeuronConfig
    /// The characters, each as its key.
    public let characters: [String]
    public let every: Int
    public let hold: Bool

    public init(config: NeuronConfig) throws(KindError) {
        self.config = config
        if let v = config["input"], v.string == nil { throw KindError("'input' must be a string such as \"test string.\"", key: "input") }
        characters = (config["input"]?.string ?? "").map { String($0) }
        guard characters.count <= Self.maxLength else {
            throw KindError("'input' must be at most \(Self.maxLength) characters, not \(characters.count)", key: "input")
        }
        every = try config.wholeNumber("every", default: 10, in: 1...1_000_000, "(ticks)")
        hold = try config.wholeNumber("hold", default: 0, in: 0...1) == 1
    }

    /// The same kind reading another text (`dmm trace --input`, `dmm fit --input`).
    public func with(input: String) throws(KindError) -> TextInput {
        var c = config
        c.entries.removeAll { $0.key == "input" }
        c.entries.insert((key: "input", value: .string(input)), at: 0)
        return try TextInput(config: c)
    }

    public var inputs: [PortSpec] { [] }
    public var outputs: [PortSpec] { [PortSpec("y", .fixed(.tree))] }
    public var traits: KindTraits { [] }
    public var emittedPaths: [[String]] { Array(Set(characters)).sorted().map { [$0] } }

    /// The character emitted at `tick`, nil for the empty tree.
    public func character(at tick: Int) -> String? {
        guard tick >= 0, tick % every == 0, !characters.isEmpty else { return nil }
        let i = tick / every
        if i < characters.count { return characters[i] }
        return hold ? characters[characters.count - 1] : nil
    }

    public func forwardFlat(_ io: KernelIO, layout: TreeLayout) {
        let y = io.outputs[0]
        y.initialize(repeating: 0, count: io.count)
        if let c = character(at: io.context.tick), let i = layout.lane(of: [c]) { y[i] = 1 }
    }

    public func backwardFlat(_ io: KernelIO, _ grads: KernelGrads, layout: TreeLayout) {}
}

extension TextInput {
    /// Gives every `text` neuron of `network` the input `text` (`--input` of `dmm trace` and
    /// `dmm fit --teacher`); returns how many neurons changed.
    @discardableResult
    public static func replaceInput(in network: inout Network, with text: String) throws(KindError) -> Int {
        var n = 0
        for (i, neuron) in network.neurons.enumerated() {
            guard let k = neuron.kind as? TextInput else { continue }
            network.replaceKind(of: i, with: try k.with(input: text))
            n += 1
        }
        return n
    }
}
