import DMMCore
import PatchLanguage
import Rendering
import Testing

/// The built-in demo (`dmm render` with no patch; not a file in patches/, so the shipped-patch
/// cases miss it) against the independent reference: every byte within one level, per tick and
/// batched. A smaller frame keeps the Double reference quick; the network is the demo's own.
@Suite struct DemoReferenceTests {
    @Test func builtInDemoMatchesTheReference() throws {
        var net = try PatchBuilder.build(try PatchParser.parse(DemoPatch.text, file: "demo.dmm"))
        #expect(net.timing.width == 256 && net.timing.height == 256 && net.timing.frameCount(default: 0) == 90)
        net.timing.width = 72; net.timing.height = 64
        try expectRenderMatches(net, frames: 30, label: "built-in demo at 72x64", text: nil)
    }
}
