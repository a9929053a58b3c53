import DMMCore

/// The 2022 DMM-synthesis student (`shared/docs/dmm.md` §6): an input layer (`text`, the
/// constant `one`, the end symbol `eos`), `layers` layers of `copies` × {accum, maxnorm, dot,
/// compare}, and two outputs `dup` and `end` (relays), every earlier output wired to every
/// later input with a weight 0.01·N(0,1); the accumulators' loops are the plan's frozen
/// weight-1 entries. With 5 layers × 2 copies it has the original's 1486 trainable weights.
public enum SynthesisTemplate {
    /// Builds the student.
    /// - Parameters:
    ///   - input: the text neuron's string (fed one character every `every` ticks, the last
    ///     held as the 2022 driver did).
    public static func make(layers: Int = 5, copies: Int = 2, input: String = "test string.", every: Int = 10,
                            seed: UInt64 = 1) throws(FitError) -> Network {
        guard layers >= 1, copies >= 1 else { throw FitError("a template needs at least one layer and one copy") }
        var net = Network()
        net.seed = seed
        var rng = RandomSource(seed: seed)
        func w() -> Float {
            let x = Float(0.01 * rng.normal())
            return x == 0 ? 1e-6 : x
        }
        do {
            let text = try net.add("in", try TextInput(config: NeuronConfig([("input", .string(input)), ("every", .number(Double(every))), ("hold", .number(1))])))
            let eos = try net.add("eos", try ConstTree(config: NeuronConfig([("tree", .string("{.: 1}"))])))
            var earlier = [PortRef(text, 0), PortRef(0, 0), PortRef(eos, 0)]
            for l in 1...layers {
                var layerOutputs: [PortRef] = []
                var layerInputs: [PortRef] = []
                for k in 1...copies {
                    let a = try net.add("acc\(l)_\(k)", try Accum(config: NeuronConfig()))
                    let n = try net.add("norm\(l)_\(k)", try MaxNorm(config: NeuronConfig()))
                    let d = try net.add("dot\(l)_\(k)", try Dot(config: NeuronConfig()))
                    let c = try net.add("cmp\(l)_\(k)", try Compare(config: NeuronConfig()))
                    layerInputs += [PortRef(a, 0), PortRef(n, 0), PortRef(d, 0), PortRef(d, 1), PortRef(c, 0), PortRef(c, 1)]
                    layerOutputs += [PortRef(a, 0), PortRef(n, 0), PortRef(d, 0), PortRef(c, 0), PortRef(c, 1)]
                }
                for r in layerInputs { for o in earlier { net.matrix.set(r, o, w()) } }
                earlier += layerOutputs
            }
            for name in ["dup", "end"] {
                let o = try net.add(name, try Identity(config: NeuronConfig()))
                for src in earlier { net.matrix.set(PortRef(o, 0), src, w()) }
            }
        } catch let e as NetworkError { throw FitError(e.description) }
        catch let e as KindError { throw FitError(e.description) }
        catch { throw FitError("\(error)") }
        return net
    }
}
