/// A neuron of a network: a name and a configured kind.
public struct Neuron: Sendable {
    public var name: String
    public var kind: any NeuronKind
    public init(name: String, kind: any NeuronKind) { self.name = name; self.kind = kind }
    public var kindName: String { type(of: kind).name }
}

/// One port of one neuron in a network: (neuron index, port index).
public struct PortRef: Hashable, Sendable, Comparable {
    public var neuron: Int
    public var port: Int
    public init(_ neuron: Int, _ port: Int) { self.neuron = neuron; self.port = port }
    public static func < (a: PortRef, b: PortRef) -> Bool { (a.neuron, a.port) < (b.neuron, b.port) }
}
