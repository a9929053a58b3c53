import DMMCore
import Foundation
import MediaIO
import PatchLanguage
import Rendering
import Testing

/// patches/wave.dmm: the weight in Self's delta row hops u1 → u2 → u3 → u1 one tick at a time
/// (arXiv 1706.00648 B.2), moving the picture's channel and the oscillator's pitch with it.
@Suite struct TravellingWaveTests {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("patches/wave.dmm").path

    @Test("the active weight's position at every tick, and the picture and pitch it drives")
    func positionAtEveryTick() throws {
        let net = try PatchLoader.load(path: Self.path).network
        let plan = try TickPlan(network: net, startTick: -net.warmUpTicks)
        let pixels = net.timing.pixels, bytes = pixels * 3
        var frame = [UInt8](repeating: 0, count: bytes)
        var audio = [Float](repeating: 0, count: 2 * net.timing.samplesPerTick)
        while plan.currentTick < 0 { audio.withUnsafeMutableBufferPointer { plan.tick(audio: $0.baseAddress) } }
        for f in 0..<24 {
            // Independently of the engine: before tick −1 nothing has reached Self; u1's ΔW
            // arrives on tick −1 and lands at its end, so tick f runs with update p + 1 live,
            // p = (f + 1) mod 3, the picture in channel p and the pitch 220·(1 + p/2) Hz.
            let p = (f + 1) % 3
            let grid = MatrixGrid(plan.network)
            for k in 0..<3 {
                #expect(grid.weight(row: "W.delta", column: "u\(k + 1)") == (k == p ? 1 : 0), "tick \(f): u\(k + 1)")
                #expect(grid.weight(row: "out." + ["r", "g", "b"][k], column: "s1") == (k == p ? 1 : 0), "tick \(f)")
            }
            #expect(grid.weight(row: "osc.freq", column: "one") == 220 * (1 + Float(p) / 2), "tick \(f)")
            frame.withUnsafeMutableBufferPointer { fb in
                audio.withUnsafeMutableBufferPointer { plan.tick(frame: fb.baseAddress, audio: $0.baseAddress) }
            }
            // The picture: only channel p carries the rings.
            for c in 0..<3 {
                let values = stride(from: c, to: bytes, by: 3).map { Int(frame[$0]) }
                let spread = values.max()! - values.min()!
                if c == p { #expect(spread > 200, "tick \(f): channel \(c) should draw") }
                else { #expect(spread == 0, "tick \(f): channel \(c) should be flat") }
            }
        }
    }
}
