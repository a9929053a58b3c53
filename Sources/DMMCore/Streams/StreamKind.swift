/// The four kinds of linear stream a DMM port can carry (see `shared/docs/dmm.md` §1).
///
/// Every kind is a vector space, so the down movement can form weighted sums of outputs.
/// A scalar broadcasts into a field or a signal when they are summed; a field and a signal
/// never mix, and the patch loader rejects such a connection by name.
public enum StreamKind: String, Sendable, CaseIterable, Comparable {
    /// One number per tick: time, control values, parameters.
    case scalar
    /// A block of audio samples per tick (block length = samples per tick).
    case signal
    /// A width × height array of numbers per tick: one value per pixel.
    case field
    /// A V-value: a sparse prefix tree with numeric leaves (the network matrix, edits).
    case tree

    public static func < (a: StreamKind, b: StreamKind) -> Bool { a.order < b.order }
    private var order: Int {
        switch self { case .scalar: 0; case .signal: 1; case .field: 2; case .tree: 3 }
    }
}

/// What a neuron kind declares about one of its ports.
///
/// `pointwise` ports take the neuron's *domain*: the same `sin` kind draws fields in a visual
/// patch, renders samples in an audio patch and runs as an LFO on scalars, depending on what
/// is wired into it. The domain is inferred when the network is built.
public enum PortKind: Sendable, Equatable {
    /// Follows the neuron's domain (scalar, field or signal).
    case pointwise
    /// Always this stream kind, whatever the domain.
    case fixed(StreamKind)
}

/// A named input or output of a neuron kind.
public struct PortSpec: Sendable, Equatable {
    /// The name used in patches: `s1.a`, `out.r`.
    public var name: String
    /// Which stream kind the port carries.
    public var kind: PortKind
    /// The weight from `one` that a new neuron starts with on this input, so `sin` with
    /// nothing written on `a` computes `sin(1·x + b)` as a newcomer would expect. It is an
    /// ordinary weight: `s.a = 2` replaces it, `s.a += lfo` adds to it, fitting may change it.
    public var defaultValue: Float

    public init(_ name: String, _ kind: PortKind = .pointwise, default defaultValue: Float = 0) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
    }
}
