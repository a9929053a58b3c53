import DMMCore

/// An over-complete starting patch for fitting from scratch: layers of `sin` neurons over
/// x, y and t, every earlier output wired to every later input, and an `rgb` output.
///
/// It is the structure the pruner is meant to cut down: fit it to frames, prune, and read
/// the few weights that are left. Layer-1 neurons see the coordinates and a clock scaled so
/// that t runs 0…2 over the clip (so one weight scale suits x, y and t); each later layer sees
/// the coordinates, t and every neuron before it; r, g, b see every neuron. Inputs go into
/// `x` (with `a` left at its default 1) and a bias into `b`. Initial weights are random and
/// small enough that later layers start near their linear range; a frequency-aware start
/// (`Initialiser`) replaces the first layer's from the targets anyway.
public enum CPPNTemplate {
    /// Builds the template.
    /// - Parameters:
    ///   - neurons: sine neurons in all (at least 1), split as evenly as possible into `layers`.
    ///   - frames: clip length, which sets the clock's rate (t = 2 at the last frame).
    public static func make(neurons: Int, layers: Int = 2, width: Int = 64, height: Int = 64,
                            fps: Double = 30, frames: Int = 60, seed: UInt64 = 1) throws(FitError) -> Network {
        guard neurons >= 1, layers >= 1, layers <= neurons else { throw FitError("a template needs at least one neuron per layer") }
        guard width >= 1, height >= 1, frames >= 1, fps > 0 else { throw FitError("bad template size, fps or frames") }
        var net = Network()
        net.timing.width = width; net.timing.height = height; net.timing.fps = fps; net.timing.frames = frames
        net.seed = seed
        var rng = RandomSource(seed: seed)
        do {
            let duration = Double(max(1, frames - 1)) / fps
            let rate = (2 / duration * 1e4).rounded() / 1e4
            let x = try net.add("x", try CoordX(config: NeuronConfig()))
            let y = try net.add("y", try CoordY(config: NeuronConfig()))
            let t = try net.add("t", try Clock(config: NeuronConfig([("rate", .number(rate))])))
            let inputs = [x, y, t]
            var earlier: [Int] = []
            var sines: [Int] = []
            for l in 0..<layers {
                let count = neurons / layers + (l < neurons % layers ? 1 : 0)
                var layer: [Int] = []
                for k in 0..<count {
                    let n = try net.add("s\(l + 1)_\(k + 1)", try Sin(config: NeuronConfig()))
                    let xr = PortRef(n, 1), br = PortRef(n, 2)
                    for src in inputs {
                        let sd = l == 0 ? 2.0 : 0.5
                        net.matrix.set(xr, PortRef(src, 0), round4(sd * rng.normal()))
                    }
                    for src in earlier { net.matrix.set(xr, PortRef(src, 0), round4(rng.normal() / Double(earlier.count).squareRoot())) }
                    net.matrix.set(br, PortRef(0, 0), round4(rng.uniform(-Double.pi, Double.pi)))
                    layer.append(n)
                }
                earlier += layer
                sines += layer
            }
            let out = try net.add("out", try RGB(config: NeuronConfig()))
            for c in 0..<3 {
                for s in sines { net.matrix.set(PortRef(out, c), PortRef(s, 0), round4(0.3 * rng.normal())) }
                net.matrix.set(PortRef(out, c), PortRef(0, 0), 0.0001)
            }
        } catch let e as NetworkError { throw FitError(e.description) }
        catch let e as KindError { throw FitError(e.description) }
        catch { throw FitError("\(error)") }
        return net
    }

    /// Four decimals: the printed template stays readable.
    static func round4(_ x: Double) -> Float {
        let r = Float((x * 1e4).rounded() / 1e4)
        return r == 0 ? 0.0001 : r
    }
}
