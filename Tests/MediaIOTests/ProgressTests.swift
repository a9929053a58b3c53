import MediaIO
import Synchronization
import Testing

/// Collects reporter output for inspection.
final class Capture: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    var sink: @Sendable (String) -> Void { { text in self.lines.withLock { $0.append(text) } } }
}

@Suite("Progress reporting")
struct ProgressTests {
    @Test("plain output prints one line per 10 % plus the final line")
    func plainDeciles() {
        let capture = Capture()
        let progress = ProgressReporter(total: 200, label: "render", style: .plain,
                                        output: capture.sink)
        for done in 1...200 { progress.update(completed: done) }
        progress.finish(message: "wrote out/")
        progress.finish(message: "ignored")
        progress.update(completed: 200)
        let lines = capture.all
        #expect(lines.count == 11)
        #expect(lines.allSatisfy { $0.hasSuffix("\n") && !$0.contains("\r") && !$0.contains("\u{1B}") })
        #expect(lines[0].hasPrefix("render 20/200 10%"))
        #expect(lines[9].hasPrefix("render 200/200 100%"))
        #expect(lines[10].hasPrefix("render: 200/200 frames in "))
        #expect(lines[10].hasSuffix(" wrote out/\n"))
    }

    @Test("terminal output redraws in place, throttled, with rate and unit")
    func terminal() {
        let capture = Capture()
        let progress = ProgressReporter(total: 1_000, label: "fit", unit: "steps",
                                        style: .terminal, output: capture.sink)
        for done in 1...1_000 { progress.update(completed: done, extra: "loss 0.0012") }
        progress.finish()
        let lines = capture.all
        #expect(lines.count >= 2 && lines.count < 50, "not throttled: \(lines.count) draws")
        #expect(lines.first!.hasPrefix("\rfit ["))
        #expect(lines.first!.hasSuffix("loss 0.0012\u{1B}[K"))
        #expect(lines.dropLast().last!.contains("1000/1000"))  // the 100 % frame always draws
        #expect(lines.last!.hasPrefix("\rfit: 1000/1000 steps in "))
        #expect(lines.last!.contains("steps/s"))
    }

    @Test("quiet prints nothing; concurrent updates are safe")
    func quietAndConcurrent() async {
        let capture = Capture()
        let quiet = ProgressReporter(total: 10, label: "q", quiet: true, style: .terminal,
                                     output: capture.sink)
        quiet.update(completed: 10)
        quiet.finish(message: "done")
        #expect(capture.all.isEmpty)

        let progress = ProgressReporter(total: 400, label: "frames", style: .plain,
                                        output: capture.sink)
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    for index in stride(from: worker, to: 400, by: 4) {
                        progress.update(completed: index + 1)
                    }
                }
            }
        }
        progress.finish()
        let lines = capture.all
        #expect(lines.count <= 11)
        #expect(lines.last!.hasPrefix("frames: 400/400"))
    }
}
