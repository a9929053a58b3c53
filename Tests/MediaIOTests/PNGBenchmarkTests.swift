import Foundation
import MediaIO
import Testing

/// Encode-speed measurement for the report; runs only with MEDIAIO_BENCH=1 so the normal test
/// run stays fast and timing-independent.
@Suite("PNG encode benchmark",
       .enabled(if: ProcessInfo.processInfo.environment["MEDIAIO_BENCH"] != nil,
                "set MEDIAIO_BENCH=1 to measure"))
struct PNGBenchmarkTests {
    @Test("512x512 plasma at level 1, each filter")
    func encodeSpeed() throws {
        let image = Fixtures.plasma(width: 512, height: 512)
        let clock = ContinuousClock()
        for filter in PNGCodec.Filter.allCases {
            for level in [1] {
                let options = PNGCodec.Options(level: level, filter: filter)
                var size = 0
                var best = Duration.seconds(100)
                for _ in 0..<20 {
                    let elapsed = try clock.measure {
                        size = try image.pixels.withUnsafeBufferPointer {
                            try PNGCodec.encode(rgb: $0, width: 512, height: 512, options: options)
                        }.count
                    }
                    best = min(best, elapsed)
                }
                let ms = Double(best.components.attoseconds) / 1e15
                    + Double(best.components.seconds) * 1000
                print("BENCH level \(level) \(filter.rawValue): "
                    + String(format: "%.2f ms, %d bytes", ms, size))
            }
        }
    }
}
