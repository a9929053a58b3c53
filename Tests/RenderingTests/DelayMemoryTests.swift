import Testing
import DMMCore
import PatchLanguage

/// A delay line's buffer is sized for the rate the patch runs at, not for the highest rate it
/// could run at, and is still long enough for its `max` at every rate.
@Suite struct DelayMemoryTests {
    @Test func bufferFollowsTheSampleRate() throws {
        let net = try AudioTest.network("rate 48000\nd: delay(max: 60)\nout: audio.out\nout.left = d\n")
        let kind = net.neurons[net.index(of: "d")!].kind
        // 60 s × 48 kHz = 2,880,000 samples → 2^22 floats + a 16-byte header: 16 MB, not 67 MB.
        #expect(kind.stateBytes(sampleRate: 48_000) == 16 + 4 * (1 << 22))
        #expect(kind.stateBytes(sampleRate: 8_000) == 16 + 4 * (1 << 19))
        #expect(kind.stateBytes(sampleRate: 192_000) == 16 + 4 * (1 << 24))
    }

    /// A click delayed by 0.75 s arrives 0.75 s (plus the one tick every connection costs)
    /// later, at a low and a high rate, with a max close to the delay.
    @Test(arguments: [8_000, 96_000]) func longDelayIsExactAtRate(_ rate: Int) throws {
        let text = """
        rate \(rate)
        block 64
        click: env.breakpoints(points: "0 0, 0.1 0, 0.1001 1, 0.11 1, 0.1101 0")
        d: delay(max: 0.8)
        out: audio.out
        d.in = click
        d.time = 0.75
        out.left = d
        """
        let s = try AudioTest.render(text, seconds: 1.2)
        let first = s.firstIndex { $0 > 0.5 }
        let onset = try #require(first, "the click never came out")
        // 0.1 s onset + 0.75 s delay + one 64-sample tick for each of the two connections,
        // crossing 0.5 halfway up the envelope's 0.1 ms ramp.
        let expected = Double(rate) * (0.85 + 0.00005) + 2 * 64
        #expect(abs(Double(onset) - expected) <= 1.5, "onset at \(onset), expected \(expected)")
    }
}
