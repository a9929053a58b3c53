/// Every neuron kind by name. Adding a kind: write its file in `Kinds/` and add it here.
public struct KindRegistry: Sendable {
    public private(set) var kinds: [String: any NeuronKind.Type]

    /// The built-in kinds, in the order `dmm kinds` lists them.
    public static let builtinList: [any NeuronKind.Type] = [
        Clock.self, CoordX.self, CoordY.self, CoordR.self, CoordTheta.self,
        Sin.self, Cos.self, Tanh.self, Sigmoid.self, Gauss.self, Mul.self, Abs.self, Clip.self,
        Accum.self, Identity.self, Feedback.self, RGB.self, HSV.self, SelfKind.self, ScheduledEdit.self,
        // Audio (Kinds/Audio): sources, envelopes, filters, delay, output.
        OscSine.self, OscSaw.self, OscPulse.self, OscTri.self, FMOp.self, Phasor.self,
        LFSaw.self, LFPulse.self, LFTri.self, NoiseWhite.self, NoisePink.self,
        EnvADSR.self, EnvBreakpoints.self, FilterLowpass.self, FilterHighpass.self, FilterBandpass.self,
        OnePole.self, Delay.self, AudioOut.self,
        // Tempo, analysis and space (issue 12, audio half): Kinds/Audio, Kinds/Analysis.
        Seq.self, SamplePlayer.self, Reverb.self, Follow.self, Band.self,
        // Shaping (Kinds/Shaping) and noise fields (Kinds/Noise), on every domain.
        Fract.self, Floor.self, Mod.self, Step.self, Smoothstep.self, Min.self, Max.self, Pow.self, Mix.self,
        NoiseValue.self, NoisePerlin.self, NoiseWorley.self,
        // Input media (Kinds/Media): pictures and videos read by the patch loader.
        ImageInput.self, VideoInput.self,
        MaxNorm.self, Dot.self, Compare.self, ConstTree.self, TextInput.self,  // Trees (Kinds/Trees)
        CloneKind.self,  // Growth: clones a subnetwork at its ticks (Kinds/CloneKind.swift)
        Delta.self, Scale.self, Mask.self,  // ΔW computed by the network (Kinds/Trees)
    ]

    /// The registry of built-in kinds.
    public static var builtins: KindRegistry {
        var r = KindRegistry(kinds: [:])
        for k in builtinList { r.kinds[k.name] = k }
        return r
    }

    public init(kinds: [String: any NeuronKind.Type]) { self.kinds = kinds }

    /// All kind names, sorted, for suggestions and listings.
    public var names: [String] { kinds.keys.sorted() }

    public subscript(name: String) -> (any NeuronKind.Type)? { kinds[name] }

    /// Kinds in listing order (built-ins first).
    public var ordered: [any NeuronKind.Type] {
        Self.builtinList.filter { kinds[$0.name] != nil }
    }
}
