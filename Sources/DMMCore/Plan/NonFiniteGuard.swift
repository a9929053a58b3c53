import Synchronization

/// What a render does when a neuron outputs NaN or ±inf (`--on-nan`).
public enum NonFinitePolicy: String, CaseIterable, Sendable {
    /// Report the first one and stop (renders: a half-exploded file is rarely wanted).
    case stop
    /// Replace NaN by 0 and ±inf by ±1 (full scale, as audio files store them) and go on.
    case clip
    /// Replace every non-finite value by 0 and go on.
    case zero
}

/// Where and when a non-finite value first appeared.
public struct NonFiniteEvent: Sendable, Equatable {
    /// Neuron index in the network, and the offending value (NaN, +inf or −inf).
    public var neuron: Int
    public var value: Float
    /// The tick that produced it, and for a signal the sample within that tick (else 0).
    public var tick: Int
    public var sample: Int
}

/// Detects non-finite outputs as they are produced, once per block or field and vectorised,
/// and applies a ``NonFinitePolicy`` so that with `clip`/`zero` they never reach the next
/// neuron (or a neuron's own state through the matrix).
///
/// The plan scans every output right after the kernel that wrote it: a scalar per tick, a
/// signal block per call (the whole batch of ticks), a field tile per tick. Within one tick
/// no neuron sees another's output of that tick (the matrix delays by one tick), so the
/// earliest tick, then the earliest sample, names the neuron where the value was born, not
/// one it spread to. Off (`policy == nil`) the plan does not scan at all.
public final class NonFiniteGuard: @unchecked Sendable {
    /// nil: no scanning (the default, for fitting and tests); set by renderers.
    public var policy: NonFinitePolicy?
    private struct Found { var first: NonFiniteEvent?; var replaced = 0 }
    private let found = Mutex(Found())

    public init(policy: NonFinitePolicy? = nil) { self.policy = policy }

    /// The first non-finite output seen (earliest tick, then sample), if any.
    public var first: NonFiniteEvent? { found.withLock { $0.first } }
    /// How many values `clip`/`zero` replaced so far.
    public var replaced: Int { found.withLock { $0.replaced } }

    /// Forgets what was found (a new render on the same plan).
    public func reset() { found.withLock { $0 = Found() } }

    /// Scans `count` values at `p` written by `neuron` for tick `tick` + index / `perTick`:
    /// sixteen lanes per compare; only a block that has a non-finite value is looked at
    /// value by value (to find the first, and to replace them under `clip`/`zero`).
    @inline(__always)
    func scan(_ p: UnsafeMutablePointer<Float>, _ count: Int, neuron: Int, tick: Int, perTick: Int) {
        guard let policy else { return }
        typealias V = SIMD16<Float>
        // v − v is 0 for every finite v and NaN for NaN and ±inf; summing it costs two vector
        // adds per sixteen values and no compare or branch until the end of the block (a
        // compare and `any` per vector made a 64-sine patch 70 % slower).
        var a0 = V(), a1 = V(), a2 = V(), a3 = V()
        var i = 0
        while i + 64 <= count {
            let r = UnsafeRawPointer(p + i)
            let v0 = r.loadUnaligned(as: V.self), v1 = r.loadUnaligned(fromByteOffset: 64, as: V.self)
            let v2 = r.loadUnaligned(fromByteOffset: 128, as: V.self), v3 = r.loadUnaligned(fromByteOffset: 192, as: V.self)
            a0 += v0 - v0; a1 += v1 - v1; a2 += v2 - v2; a3 += v3 - v3
            i += 64
        }
        while i + 16 <= count { let v = UnsafeRawPointer(p + i).loadUnaligned(as: V.self); a0 += v - v; i += 16 }
        var tail: Float = 0
        while i < count { tail += p[i] - p[i]; i += 1 }
        guard (((a0 + a1) + (a2 + a3)).sum() + tail).isNaN else { return }
        slowPath(p, count, from: 0, neuron: neuron, tick: tick, perTick: max(1, perTick), policy: policy)
    }

    /// A scalar output (one value per tick).
    @inline(__always)
    func scan(_ p: UnsafeMutablePointer<Float>, neuron: Int, tick: Int) {
        if policy != nil, !p.pointee.isFinite { slowPath(p, 1, from: 0, neuron: neuron, tick: tick, perTick: 1, policy: policy!) }
    }

    private func slowPath(_ p: UnsafeMutablePointer<Float>, _ count: Int, from start: Int, neuron: Int, tick: Int,
                          perTick: Int, policy: NonFinitePolicy) {
        var firstIndex = -1, value: Float = 0, replaced = 0
        for j in start..<count where !p[j].isFinite {
            if firstIndex < 0 { firstIndex = j; value = p[j] }
            switch policy {
            case .stop: break
            case .clip: p[j] = p[j].isNaN ? 0 : (p[j] > 0 ? 1 : -1)
            case .zero: p[j] = 0
            }
            replaced += 1
            if policy == .stop { break }
        }
        guard firstIndex >= 0 else { return }
        let event = NonFiniteEvent(neuron: neuron, value: value, tick: tick + firstIndex / perTick, sample: firstIndex % perTick)
        found.withLock { f in
            if policy != .stop { f.replaced += replaced }
            if let old = f.first, (old.tick, old.sample, old.neuron) <= (event.tick, event.sample, event.neuron) { return }
            f.first = event
        }
    }

    /// "nan", "inf" or "-inf", for messages.
    public static func describe(_ value: Float) -> String { value.isNaN ? "NaN" : (value > 0 ? "inf" : "-inf") }
}
