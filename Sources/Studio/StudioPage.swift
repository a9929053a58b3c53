import Foundation
import Live

/// The studio page's files (HTML, JS, CSS, the AudioWorklet), shipped as the Studio target's
/// resources (`Sources/Studio/Page`) and read once at start.
///
/// The bundle is looked up by hand next to the executable rather than through `Bundle.module`,
/// whose generated accessor traps when the folder is missing: a `dmm` copied without it gets a
/// one-line error instead of a crash.
struct StudioPage: Sendable {
    /// The files served, by URL path.
    static let files: [String: (name: String, type: String)] = [
        "/": ("index.html", "text/html; charset=utf-8"),
        "/studio.js": ("studio.js", "text/javascript; charset=utf-8"),
        "/studio.css": ("studio.css", "text/css; charset=utf-8"),
        "/worklet.js": ("worklet.js", "text/javascript; charset=utf-8"),
    ]

    let contents: [String: (Data, String)]

    init() throws(LiveError) {
        let exe = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        let candidates = [exe.deletingLastPathComponent(), Bundle.main.bundleURL, Bundle.main.resourceURL].compactMap { $0 }
            .map { $0.appendingPathComponent("DMMSynth_Studio.resources/Page") }
        guard let dir = candidates.first(where: { FileManager.default.fileExists(atPath: $0.appendingPathComponent("index.html").path) }) else {
            throw LiveError("studio: the page files (DMMSynth_Studio.resources/Page) are not next to the dmm executable; install them with it")
        }
        var c: [String: (Data, String)] = [:]
        for (path, f) in Self.files {
            guard let d = FileManager.default.contents(atPath: dir.appendingPathComponent(f.name).path) else {
                throw LiveError("studio: cannot read \(dir.path)/\(f.name)")
            }
            c[path] = (d, f.type)
        }
        contents = c
    }

    /// The file for a URL path ("/index.html" is "/").
    func file(_ path: String) -> (Data, String)? { contents[path == "/index.html" ? "/" : path] }
}
