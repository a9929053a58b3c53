import DMMTestSupport
import Foundation
import DMMCore
import PatchLanguage
import Rendering
import Testing
import Live

/// Every number from outside a live session is range-checked before it is converted, weights
/// stay finite whatever the edits, the OSC decoder is total on any bytes, and what a session
/// records always replays.
@Suite struct LiveInputHardeningTests {
    func refusal(_ m: OSCMessage) -> String? {
        do { _ = try OSCMapping.command(for: m); return nil } catch { return error.message }
    }

    /// The datagrams of the issue, and the other numeric arguments of the same kinds, are
    /// refusals (never traps) that say what the range is.
    @Test func oscNumbersOutOfRangeAreRefused() {
        let cases: [(OSCMessage, String)] = [
            (OSCMessage("/s1/a", [.float(6.5), .float(1e30)]), "/s1/a: argument 2: 1e+30 seconds is not a duration from 0 to 1000000 s"),
            (OSCMessage("/dmm/glide", [.string("s1.a"), .float(6.5), .float(3.4e38)]), "/dmm/glide: argument 3: 3.4e+38 seconds is not a duration from 0 to 1000000 s"),
            (OSCMessage("/dmm/connect", [.string("t"), .string("s1.b"), .float(0.5), .float(1e30)]), "/dmm/connect: argument 4: 1e+30 seconds is not a duration from 0 to 1000000 s"),
            (OSCMessage("/dmm/cmd", [.string("glide s1.a 8 1e300s")]), "'1e300s' is not a duration: write 2s, 500ms, 1.5 or 30t (0 to 1000000 s, or up to 1000000000 ticks)"),
            (OSCMessage("/dmm/glide", [.string("s1.a"), .float(6.5), .float(-1)]), "/dmm/glide: argument 3: -1 seconds is not a duration from 0 to 1000000 s"),
            (OSCMessage("/dmm/glide", [.string("s1.a"), .float(6.5), .double(.nan)]), "/dmm/glide: argument 3: nan seconds is not a duration from 0 to 1000000 s"),
            (OSCMessage("/dmm/set", [.string("s1.a"), .float(.nan)]), "/dmm/set: argument 2: the value must be a finite number, not nan"),
            (OSCMessage("/dmm/set", [.string("s1.a"), .float(-3.4e38)]), "/dmm/set: argument 2: the value -3.4e+38 is out of range: weights must be within ±1e15"),
            (OSCMessage("/s1/a", [.double(.infinity)]), "/s1/a: argument 1: the value must be a finite number, not inf"),
            (OSCMessage("/s1/a", [.int64(.max)]), "/s1/a: argument 1: the value 9.223372e+18 is out of range: weights must be within ±1e15"),
            (OSCMessage("/dmm/connect", [.string("t"), .string("s1.b"), .double(1e300)]), "/dmm/connect: argument 3: the weight 1e+300 is out of range: weights must be within ±1e15"),
            (OSCMessage("/dmm/cmd", [.string("at 99999999999999999999 set s1.a 1")]), "'at' needs a tick number from 0 to 1000000000 or +N, not '99999999999999999999'"),
        ]
        for (m, want) in cases { #expect(refusal(m) == want, "\(m)") }
        // A ΔW nested 10,000 deep (40 KB; 7,000 deep fits a packet) is refused by a linear scan,
        // not handed to the V-value parser: well under a millisecond of the OSC thread.
        let deep = String(repeating: "{a:", count: 10_000) + "1" + String(repeating: "}", count: 10_000)
        let clock = ContinuousClock()
        var why: String?
        let spent = clock.measure { why = refusal(OSCMessage("/dmm/delta", [.string(deep)])) }
        #expect(why == "ΔW: nested deeper than {row:{column:dw}}")
        #expect(spent < .milliseconds(50), "\(spent)")
        // Braces inside quoted keys do not count as nesting.
        #expect(refusal(OSCMessage("/dmm/delta", [.string("{\"s1.a\":{\"{{{\":1}}")])) != "ΔW: nested deeper than {row:{column:dw}}")
        #expect(refusal(OSCMessage("/dmm/cmd", [.string("delta {s1.a:{one:{x:1}}}")])) == "ΔW: nested deeper than {row:{column:dw}}")
        // In range: still accepted.
        #expect(refusal(OSCMessage("/s1/a", [.float(6.5), .float(2)])) == nil)
        #expect(refusal(OSCMessage("/dmm/set", [.string("s1.a"), .double(-1e15)])) == nil)
    }

    /// Durations and tick counts are total: any Double or Int becomes a tick count in range.
    @Test func durationsAreTotal() {
        let spt = 64.0 / 48_000
        #expect(LiveDuration.seconds(1e300).ticks(secondsPerTick: spt) == LiveLimits.maxTick)
        #expect(LiveDuration.seconds(.nan).ticks(secondsPerTick: spt) == 1)
        #expect(LiveDuration.seconds(-.infinity).ticks(secondsPerTick: spt) == 1)
        #expect(LiveDuration.seconds(.infinity).ticks(secondsPerTick: spt) == LiveLimits.maxTick)
        #expect(LiveDuration.ticks(.max).ticks(secondsPerTick: spt) == LiveLimits.maxTick)
        #expect(LiveDuration.ticks(.min).ticks(secondsPerTick: spt) == 1)
        #expect(LiveDuration.seconds(1).ticks(secondsPerTick: 0) == LiveLimits.maxTick)
        #expect(LiveDuration("2s")!.ticks(secondsPerTick: spt) == 1500)
        for bad in ["1e300s", "1e7", "-1s", "nan", "infs", "9223372036854775807t", "1000000001t", "-3t", "1e400ms", ""] {
            #expect(LiveDuration(bad) == nil, "\(bad)")
        }
        #expect(LiveDuration("1000000000t") == .ticks(1_000_000_000))
        #expect(LiveDuration(seconds: 1_000_000) != nil && LiveDuration(seconds: 1_000_000.5) == nil)
        #expect(LiveLimits.ticks(1e-300, secondsPerTick: 1e-300 * 1e-10) == LiveLimits.maxTick)
        #expect(OSCCodec.timetag(unix: .nan) == OSCCodec.immediately)
        #expect(OSCCodec.timetag(unix: -1e300) == OSCCodec.immediately)
        #expect(OSCCodec.timetag(unix: 1e300) >> 32 == 0xFFFF_FFFF)
    }

    /// The decoder never traps: random bytes, every truncation and every single-byte change
    /// of valid packets, and the hostile shapes (negative and huge blob sizes, element sizes,
    /// nesting) are each a packet or an `OSCError`.
    @Test func decoderIsTotalOnArbitraryBytes() {
        var rng = SplitMix(seed: 9)
        var decoded = 0, refused = 0
        func attempt(_ b: [UInt8]) {
            do { _ = try OSCCodec.decode(b); decoded += 1 } catch { refused += 1; #expect(!error.message.isEmpty) }
        }
        for _ in 0..<20_000 {
            let n = Int(rng.next() % 96)
            attempt((0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        }
        let valid: [OSCPacket] = [
            .message(OSCMessage("/dmm/glide", [.string("s1.a"), .float(6.5), .float(2)])),
            .message(OSCMessage("/x", [.blob([1, 2, 3, 4, 5]), .int64(-1), .double(2), .timetag(5), .symbol("s")])),
            .bundle(timetag: 7, elements: [.message(OSCMessage("/a/b", [.int(1)])), .bundle(timetag: 1, elements: [])]),
        ]
        for p in valid {
            let bytes = OSCCodec.encode(p)
            for cut in 0..<bytes.count { attempt(Array(bytes[0..<cut])) }
            for i in bytes.indices {
                for v: UInt8 in [0, 0x7F, 0x80, 0xFF, UInt8(ascii: "#"), UInt8(ascii: ",")] {
                    var m = bytes; m[i] = v; attempt(m)
                }
            }
        }
        #expect(decoded > 0 && refused > 0)

        func message(_ b: [UInt8]) -> String {
            do { _ = try OSCCodec.decode(b); return "" } catch { return error.message }
        }
        let blobHead = Array("/b\0\0,b\0\0".utf8)
        #expect(message(blobHead + [0xFF, 0xFF, 0xFF, 0xFF]).hasPrefix("blob size -1 is invalid"))
        #expect(message(blobHead + [0x7F, 0xFF, 0xFF, 0xFF]).hasPrefix("blob size 2147483647 is invalid"))
        let bundleHead = Array("#bundle\0".utf8) + [0, 0, 0, 0, 0, 0, 0, 1]
        #expect(message(bundleHead + [0xFF, 0xFF, 0xFF, 0xFC]).hasPrefix("bundle element size -4 is invalid"))
        #expect(message(bundleHead + [0x7F, 0xFF, 0xFF, 0xFC]).hasPrefix("bundle element size 2147483644 is invalid"))
        #expect(message(Array("/a\0\0,fq\0".utf8) + [0, 0, 0, 0]).hasPrefix("unknown type tag 'q'"))
        #expect(message(Array("/a\0\0,s\0\0abcd".utf8)).hasPrefix("string without its terminating NUL"))
        #expect(message(Array("/a\0\0,s\0\0ab\0".utf8) + [1, 2, 3, 4, 5, 6, 7]) != "")
        #expect(message(Array("/a\0X,\0\0\0".utf8)) == "string padding byte 88 is not NUL")
        #expect(message(Array("/b\0\0,b\0\0".utf8) + [0, 0, 0, 1, 7, 0, 9, 0]) == "blob padding byte 9 is not NUL")
        var nested = OSCPacket.message(OSCMessage("/a/b", [.float(1)]))
        for _ in 0..<OSCCodec.maxDepth { nested = .bundle(timetag: 1, elements: [nested]) }
        #expect(message(OSCCodec.encode(nested)) == "")                        // 8 deep: fine
        nested = .bundle(timetag: 1, elements: [nested])
        #expect(message(OSCCodec.encode(nested)) == "bundles nested deeper than 8")
    }

    /// Weights stay finite whatever the edits: out-of-range sets, relative edits and ΔW sums
    /// that would leave the range are refused (by the parser or at the boundary, alone), huge
    /// durations and timetags do not trap, and the recorded log replays.
    @Test func weightsStayFiniteAndTheLogReplays() throws {
        let dir = LiveFixtures.tempDir()
        let s = try SteppedSession(LiveFixtures.visual, frames: 12, record: dir + "/log")
        s.step(1)
        for line in ["set s1.a 3.4e38", "set s1.a -3.4e38", "set s1.a nan", "glide s1.a 1 1e300s", "s1.x = 1e300 x"] {
            guard case .error = s.submit(line) else { Issue.record("accepted: \(line)"); continue }
        }
        // Past the parser: edits built in code with values out of range are refused at the
        // boundary, one by one, and the rest of the tick applies.
        let key = WeightKey(row: "s1.a", column: "one")
        s.session.enqueue(.set(key, value: 3.4e38, over: nil), source: .stdin)
        s.session.enqueue(.set(key, value: -.infinity, over: .seconds(1e300)), source: .stdin)
        s.session.enqueue(.delta(VValue(["s1.b": ["t": 1e300]])), source: .stdin)
        s.session.enqueue(.set(key, value: 2, over: .seconds(1e300)), source: .stdin)    // a glide of maxTick ticks
        s.session.enqueue(.set(WeightKey(row: "s1.x", column: "y"), value: 9e14, over: nil), source: .stdin)
        s.session.enqueue(.row("s1.x", terms: [(column: "y", weight: 9e14)], adds: true), source: .stdin)
        s.step(2)
        #expect(s.session.tick(atWallTime: 1e300) == LiveLimits.maxTick)
        #expect(s.session.tick(atWallTime: .nan) == nil)
        #expect(s.session.tick(atWallTime: -1e300) == nil)
        s.step(2)
        s.finish()
        let rejected = s.events.rejected
        #expect(rejected.count == 4, "\(rejected)")
        #expect(rejected.contains("set s1.a 3.4e+38: s1.a ← one would become 3.4e+38, outside the weight range ±1e15"))
        #expect(rejected.contains { $0.hasPrefix("glide s1.a -inf") && $0.hasSuffix("s1.a ← one would become -inf, which is not a finite weight") })
        #expect(rejected.contains { $0.contains("s1.b ← t would become") })
        #expect(rejected.contains("s1.x += 9e+14 y: s1.x ← y would become 1.8e+15, outside the weight range ±1e15"), "\(rejected)")
        s.session.withPlan { plan in
            #expect(plan.network.matrix.entries.allSatisfy { $0.entry.weight.isFinite })
        }
        #expect(s.weight("s1.x", "y") == 9e14)
        let a = s.weight("s1.a", "one")
        #expect(abs(a - 6) < 0.01, "s1.a glides from 6 to 2 over a billion ticks: \(a)")

        let net = try LiveFixtures.loaded(LiveFixtures.visual).network
        let log = try EditLogFile.readLog(path: dir + "/log", network: net)
        #expect(!log.edits.isEmpty)
    }

    /// A `--watch` reload whose weights are out of range (a saved patch with 1e30, or a weight
    /// that overflowed Float to inf) is refused whole: the running patch is unchanged and
    /// finite, and a good reload afterwards still morphs in.
    @Test func morphToOutOfRangeWeightsIsRefused() throws {
        let s = try SteppedSession(LiveFixtures.visual, frames: 10)
        s.step(1)
        for (line, bad) in [("s1.a = 6", "s1.a = 1e30"), ("fb.zoom = 1.02", "fb.zoom = -1e20")] {
            let saved = try LiveFixtures.loaded(LiveFixtures.visual.replacingOccurrences(of: line, with: bad))
            s.session.enqueue(.morph(to: saved.network, document: saved.document, over: .ticks(2)), source: .watch)
            s.step(1)
        }
        var inf = try LiveFixtures.loaded(LiveFixtures.visual)
        if let r = inf.network.input("s1", "a"), let c = inf.network.output("one", nil) { inf.network.matrix.set(r, c, .infinity) }
        s.session.enqueue(.morph(to: inf.network, document: inf.document, over: .ticks(2)), source: .watch)
        s.step(1)
        let rejected = s.events.rejected
        #expect(rejected.count == 3, "\(rejected)")
        #expect(rejected.contains { $0.hasSuffix("s1.a ← one would become 1e+30, outside the weight range ±1e15") })
        #expect(rejected.contains { $0.hasSuffix("fb.zoom ← one would become -1e+20, outside the weight range ±1e15") })
        #expect(rejected.contains { $0.hasSuffix("s1.a ← one would become inf, which is not a finite weight") })
        #expect(s.weight("s1.a", "one") == 6)
        let good = try LiveFixtures.loaded(LiveFixtures.visual.replacingOccurrences(of: "s1.a = 6", with: "s1.a = 2"))
        s.session.enqueue(.morph(to: good.network, document: good.document, over: .ticks(2)), source: .watch)
        s.step(3)
        #expect(s.weight("s1.a", "one") == 2)
        s.finish()
    }

    /// The edit log names its patch: the same patch replays without a word, another one is an
    /// error before any edit line is read, an old log without a hash is a warning.
    @Test func theLogCarriesThePatchHash() throws {
        let dir = LiveFixtures.tempDir()
        let patch = try LiveFixtures.loaded(LiveFixtures.visual)
        let rec = try EditRecorder(path: dir + "/log", patch: "live-test.dmm", document: patch.document)
        rec.record(tick: 3, neuronEdits: [], delta: VValue(["s1.a": ["one": 1]]))
        rec.close()
        let same = EditLogFile.Expected(document: patch.document, name: "live-test.dmm")
        let log = try EditLogFile.readLog(path: dir + "/log", network: patch.network, expecting: same)
        #expect(log.warning == nil && log.edits.count == 1 && log.patchHash == EditLogFile.patchHash(patch.document))
        // Re-indenting the patch keeps its hash; changing a weight does not.
        let spaced = try LiveFixtures.loaded(LiveFixtures.visual.replacingOccurrences(of: "s1.a = 6", with: "s1.a   =   6"))
        #expect(EditLogFile.patchHash(spaced.document) == EditLogFile.patchHash(patch.document))
        let other = try LiveFixtures.loaded(LiveFixtures.visual.replacingOccurrences(of: "s1.a = 6", with: "s1.a = 7"))
        #expect(EditLogFile.patchHash(other.document) != EditLogFile.patchHash(patch.document))
        #expect(throws: PatchError.self) {
            try EditLogFile.readLog(path: dir + "/log", network: other.network, expecting: .init(document: other.document, name: "o.dmm"))
        }
        let forced = try EditLogFile.readLog(path: dir + "/log", network: other.network,
                                             expecting: .init(document: other.document, name: "o.dmm", force: true))
        #expect(forced.warning?.contains("replaying it anyway (--force-replay)") == true)
        try "3\t{s1.a:{one:1}}\n".write(toFile: dir + "/old", atomically: true, encoding: .utf8)
        let old = try EditLogFile.readLog(path: dir + "/old", network: patch.network, expecting: same)
        #expect(old.warning?.contains("has no patch hash") == true && old.edits.count == 1)
    }
}
