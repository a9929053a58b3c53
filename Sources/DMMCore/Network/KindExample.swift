/// A kind that cannot be built without configuration (`delta` needs the row and column it
/// writes) gives an example configuration, so listings such as `dmm kinds` can still build one
/// and show its ports, while a patch that declares it bare is refused with the kind's error.
public protocol KindExample: NeuronKind {
    /// A configuration the kind accepts.
    static var example: NeuronConfig { get }
}

extension NeuronKind {
    /// The kind built from an empty configuration, or from its `KindExample` when it needs one.
    public static func listingInstance() -> (any NeuronKind)? {
        if let k = try? Self(config: NeuronConfig()) { return k }
        if let e = Self.self as? any KindExample.Type { return try? Self(config: e.example) }
        return nil
    }
}
