import ArgumentParser
import DMMCore

/// `dmm kinds`: every neuron kind with its ports and a line of description.
struct Kinds: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the neuron kinds with their inputs and outputs.")

    func run() throws {
        for k in KindRegistry.builtins.ordered {
            guard let kind = k.listingInstance() else { continue }
            func ports(_ p: [PortSpec]) -> String {
                p.map { spec in
                    var s = spec.name
                    if case .fixed(let f) = spec.kind { s += ":\(f.rawValue)" }
                    if spec.defaultValue != 0 { s += "=\(spec.defaultValue)" }
                    return s
                }.joined(separator: " ")
            }
            let cfg = k.configKeys.isEmpty ? "" : "  (" + k.configKeys.joined(separator: ", ") + ")"
            print("\(k.name)\(cfg)\n    in: \(ports(kind.inputs).isEmpty ? "-" : ports(kind.inputs))   out: \(ports(kind.outputs).isEmpty ? "-" : ports(kind.outputs))\n    \(k.summary)")
        }
    }
}
