import DMMCore
import PatchLanguage
import Rendering
import Synchronization

/// A patch running in real time while it is being edited.
///
/// The session owns the compiled plan and the tick loop. Edits arrive from any thread (stdin,
/// the OSC socket, the file watcher) into a queue; the tick loop drains the queue at each tick
/// boundary and turns every edit into a ΔW fragment delivered to Self's delta input there:
/// `TickPlan.apply(delta:)`, the network's own mechanism (dmm.md §4). Structural edits
/// (a neuron added, removed or given a new kind) go through `replaceNetwork`, which keeps the
/// state of every neuron that did not change, and come before the ΔW of their tick.
///
/// Ticks are numbered as in `dmm render`: the session first runs `warmUpTicks` ticks starting
/// at −warmUp, so that frame f is tick f − 1; edits logged with their tick (`--record`) replay
/// offline (`dmm render --replay`) to the same bytes.
///
/// Pacing: real time (ticks at the patch's fps, or once per audio block), a fixed tick rate,
/// unpaced (as fast as possible) or stepped (ticks only when `step(_:)` asks, so that a script
/// on stdin can place every edit at an exact tick).
public final class LiveSession: @unchecked Sendable {
    /// How the session runs.
    public struct Options: Sendable {
        /// When ticks happen.
        public enum Pacing: Sendable, Equatable {
            /// At the patch's own rate: fps for visual patches, rate ÷ block for audio ones.
            case realtime
            /// At this many ticks per second, whatever the patch says.
            case ticksPerSecond(Double)
            /// As fast as possible (headless renders, benchmarks).
            case unpaced
            /// Only when `step(_:)` asks for ticks.
            case step
        }
        /// When ticks happen (default: the patch's own rate).
        public var pacing: Pacing = .realtime
        /// Stop after this many frames (ticks 0 ..< frames); nil runs until `stop()`.
        public var frames: Int?
        /// Instant changes to weights on audio-signal sources become glides of this many
        /// seconds: a signal gain that jumps between two blocks clicks, while the constant
        /// part of an audio input already ramps across its block in the signal stroke.
        public var smoothing: Double = 0.005
        /// Kinds available to `add`.
        public var registry: KindRegistry = .builtins
        /// Edits kept for `undo`.
        public var undoDepth = 200
        public init() {}
    }

    /// Edits that may wait in the queue at once: a flood of far-future `at` edits or timed
    /// bundles is refused instead of growing without bound.
    public static let maxQueued = 100_000

    /// How this session runs (fixed at creation).
    public let options: Options
    /// The patch file (for `save` and messages).
    public let path: String
    /// Ticks run before tick 0 (frame 1).
    public let warmUpTicks: Int
    /// Seconds per tick of the patch (1/fps or block/rate).
    public let secondsPerTick: Double
    /// The patch's timing (frame size, rates), fixed for the session.
    public let timing: Timing

    // MARK: Tick-thread state (guarded by `stateLock`)
    let stateLock = LiveCondition()
    let plan: TickPlan
    var document: PatchDocument
    var glides: [Glide] = []
    var undoStack: [UndoRecord] = []
    var neuronAdds = 0
    var editsApplied = 0
    var pendingWarnings: [String] = []

    // MARK: Cross-thread state
    let queue = Mutex(EditQueue())
    let published = Atomic<Int>(0)
    let stopFlag = Atomic<Bool>(false)
    let finishedFlag = Atomic<Bool>(false)
    /// Tick 0 on the monotonic and wall clocks, for OSC timetags.
    let anchor = Mutex((mono: 0.0, wall: 0.0, tick: 0))

    // Step mode.
    let stepCond = LiveCondition()
    var stepPermits = 0
    var ticksRun = 0
    var freeRun = false

    /// Where frames and audio go (set before `run`).
    public var sinks: [any LiveSink] = []
    /// The edit log (`--record`), written at the tick boundary that applies each edit.
    public var recorder: EditRecorder?
    /// Session events; called on the tick thread without locks held: hand them to a queue.
    public var onEvent: (@Sendable (LiveEvent) -> Void)?
    /// Called on the tick thread for every applied edit with its arrival and applied times.
    public var onApplied: (@Sendable (AppliedStamp) -> Void)?

    /// Compiles a loaded patch and starts the plan at tick −warmUp.
    public init(patch: LoadedPatch, options: Options = Options()) throws(LiveError) {
        self.options = options
        self.path = patch.path
        self.document = patch.document
        self.timing = patch.network.timing
        self.secondsPerTick = patch.network.timing.secondsPerTick
        do {
            warmUpTicks = patch.network.warmUpTicks
            plan = try TickPlan(network: patch.network, startTick: -warmUpTicks)
        } catch { throw LiveError(error.message) }
        published.store(plan.currentTick, ordering: .relaxed)
        let t = LiveClock.now(), w = LiveClock.wallNow()
        anchor.withLock { $0 = (t, w, 0) }
    }

    /// The tick the next boundary will apply edits at (frame = tick + 1).
    public var currentTick: Int { published.load(ordering: .relaxed) }

    /// True once `run` has returned.
    public var isFinished: Bool { finishedFlag.load(ordering: .relaxed) }

    /// A copy of the running network (taken between ticks).
    public var network: Network { stateLock.locked { plan.network } }

    /// Reads the running plan between ticks (tests, `show`).
    public func withPlan<T>(_ body: (TickPlan) throws -> T) rethrows -> T {
        try stateLock.locked { try body(plan) }
    }

    // MARK: Edits

    /// Queues an edit for the tick boundary given by `time`. Returns the tick it is due at
    /// (nil: the next boundary). An absolute tick already past is applied at the next tick
    /// with a warning: late is better than lost.
    @discardableResult
    public func enqueue(_ edit: LiveEdit, at time: EditTime = .next, source: EditSource,
                        arrival: Double = LiveClock.now()) -> Int? {
        let now = currentTick
        var due: Int?
        switch time {
        case .next: due = nil
        case .later(let n): due = n == 0 ? nil : now + n
        case .bar(let n): due = BeatGrid(timing, beats: false).due(after: now, count: n)
        case .beat(let n): due = BeatGrid(timing, beats: true).due(after: now, count: n)
        case .tick(let t):
            if t < now {
                onEvent?(.warning("'\(edit.summary)' was due at tick \(t) but arrived at tick \(now): applying it now"))
            } else { due = t }
        }
        queue.withLock { $0.push(edit, due: due, source: source, arrival: arrival) }
        return due
    }

    /// Wall-clock time (seconds since 1970) of tick 0's boundary, the origin of timetags.
    public var tickZeroWallTime: Double {
        let a = anchor.withLock { $0 }
        return a.wall - Double(a.tick) * secondsPerTick
    }

    /// The tick whose boundary comes at or after wall-clock time `unix` (seconds since 1970):
    /// how OSC bundle timetags are placed. Nil when that moment is already past (next tick).
    public func tick(atWallTime unix: Double) -> Int? {
        let a = anchor.withLock { $0 }
        let ahead = ((unix - a.wall) / secondsPerTick).rounded(.up)
        // Range-checked before the conversion: a timetag decades away (or NaN) is capped at
        // the last tick an edit may name instead of trapping.
        guard ahead.isFinite || ahead == .infinity else { return nil }
        if ahead <= Double(-LiveLimits.maxTick) { return nil }
        let t = a.tick + (ahead >= Double(LiveLimits.maxTick) ? LiveLimits.maxTick : Int(ahead))
        return t <= currentTick ? nil : min(t, LiveLimits.maxTick)
    }

    // MARK: Running

    /// Asks the loop to stop after the current tick.
    public func stop() {
        stopFlag.store(true, ordering: .relaxed)
        stepCond.locked { stepCond.broadcast() }
    }

    /// In step mode: runs `n` ticks, then returns once they are done (or the session ended).
    /// Edits queued before this call apply at the first of these ticks.
    public func step(_ n: Int) {
        guard n > 0 else { return }
        stepCond.locked {
            let target = ticksRun + stepPermits + n
            stepPermits += n
            stepCond.broadcast()
            while ticksRun < target && !isFinished && !stopFlag.load(ordering: .relaxed) { stepCond.wait(timeout: 0.05) }
        }
    }

    /// Stdin has ended. In step mode a session with a frame count runs its remaining ticks
    /// unpaced and stops; one without stops now. Other modes run on.
    public func endOfInput() {
        guard options.pacing == .step else { return }
        if options.frames != nil {
            stepCond.locked { freeRun = true; stepCond.broadcast() }
        } else {
            stop()
        }
    }

    /// Runs the warm-up, then ticks until `frames` are done or `stop()` is called. Blocks.
    public func run() {
        let t = timing
        let frameBytes = t.width * t.height * 3
        var frame = [UInt8](repeating: 0, count: max(3, frameBytes))
        var audio = [Float](repeating: 0, count: max(2, t.samplesPerTick * 2))
        stateLock.locked {
            audio.withUnsafeMutableBufferPointer { ab in
                while plan.currentTick < 0 { plan.tick(audio: ab.baseAddress) }
            }
            published.store(plan.currentTick, ordering: .relaxed)
        }
        let dt: Double
        switch options.pacing {
        case .ticksPerSecond(let r): dt = 1 / r
        default: dt = secondsPerTick
        }
        var start = LiveClock.now()
        anchor.withLock { $0 = (start, LiveClock.wallNow(), 0) }
        var sinceAnchor = 0
        var warnedLate = false
        var ticks = 0

        while !stopFlag.load(ordering: .relaxed) {
            let tick = currentTick
            if let f = options.frames, tick >= f { break }
            switch options.pacing {
            case .realtime, .ticksPerSecond:
                let deadline = start + Double(sinceAnchor) * dt
                var now = LiveClock.now()
                while now < deadline && !stopFlag.load(ordering: .relaxed) {
                    LiveClock.sleep(until: min(deadline, now + 0.05))
                    now = LiveClock.now()
                }
                if now - deadline > max(0.25, 4 * dt) {
                    // Running behind (a heavy tick, a stalled disk): start over from now
                    // instead of racing through the backlog.
                    if !warnedLate { onEvent?(.warning("running behind real time at tick \(tick): ticks take longer than \(VNumber.text(dt * 1000)) ms")); warnedLate = true }
                    start = now; sinceAnchor = 0
                    let w = LiveClock.wallNow()
                    anchor.withLock { $0 = (now, w, tick) }
                }
            case .step:
                let go: Bool = stepCond.locked {
                    while stepPermits == 0 && !freeRun && !stopFlag.load(ordering: .relaxed) { stepCond.wait(timeout: 0.1) }
                    if stepPermits > 0 { stepPermits -= 1; return true }
                    return freeRun
                }
                if !go { continue }
            case .unpaced:
                break
            }
            if stopFlag.load(ordering: .relaxed) { break }

            let result: BoundaryResult = stateLock.locked {
                let r = boundary()
                frame.withUnsafeMutableBufferPointer { fb in
                    audio.withUnsafeMutableBufferPointer { ab in
                        plan.tick(frame: fb.baseAddress, audio: ab.baseAddress)
                    }
                }
                published.store(plan.currentTick, ordering: .relaxed)
                return r
            }
            report(result)
            let hasDisplay = result.hasDisplay, hasAudio = result.hasAudio
            frame.withUnsafeBufferPointer { fb in
                audio.withUnsafeBufferPointer { ab in
                    for s in sinks {
                        s.consume(tick: tick, frame: hasDisplay ? UnsafeBufferPointer(rebasing: fb[0..<frameBytes]) : nil,
                                  audio: hasAudio ? ab : nil)
                    }
                }
            }
            sinceAnchor += 1
            ticks += 1
            stepCond.locked { ticksRun += 1; stepCond.broadcast() }
        }
        for s in sinks {
            do { try s.finish() } catch { onEvent?(.warning(error.message)) }
        }
        recorder?.close()
        finishedFlag.store(true, ordering: .relaxed)
        stepCond.locked { stepCond.broadcast() }
        onEvent?(.finished(ticks: ticks))
    }

    /// Sends a boundary's events and stamps, outside the state lock.
    private func report(_ r: BoundaryResult) {
        guard !r.events.isEmpty || !r.stamps.isEmpty else { return }
        for e in r.events { onEvent?(e) }
        if let onApplied { for s in r.stamps { onApplied(s) } }
    }
}

/// What one tick boundary did, handed out of the state lock.
struct BoundaryResult {
    var events: [LiveEvent] = []
    var stamps: [AppliedStamp] = []
    var hasDisplay = false
    var hasAudio = false
}

/// Edits waiting for their tick boundary, in arrival order.
struct EditQueue: Sendable {
    struct Pending: Sendable {
        var edit: LiveEdit
        /// Tick to apply at; nil for the next boundary.
        var due: Int?
        var source: EditSource
        var arrival: Double
        var seq: Int
    }
    private(set) var items: [Pending] = []
    private var seq = 0

    mutating func push(_ edit: LiveEdit, due: Int?, source: EditSource, arrival: Double) {
        seq += 1
        items.append(Pending(edit: edit, due: due, source: source, arrival: arrival, seq: seq))
    }

    mutating func pushBack(_ p: Pending) { items.append(p) }

    /// Removes and returns the edits due at `tick`, earliest due first, then in arrival order.
    mutating func takeDue(_ tick: Int) -> [Pending] {
        if items.isEmpty { return [] }
        var due: [Pending] = [], keep: [Pending] = []
        for p in items { if (p.due ?? tick) <= tick { due.append(p) } else { keep.append(p) } }
        items = keep
        return due.sorted { ($0.due ?? tick, $0.seq) < ($1.due ?? tick, $1.seq) }
    }

    var isEmpty: Bool { items.isEmpty }
}
