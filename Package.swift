// swift-tools-version: 6.1
// DMMSynth: audio and visual synthesis with Dataflow Matrix Machines.
//
// Target-CPU flags (-Xcc -march=x86-64-v3) belong on the build command (see README / .ci/run),
// never here, so the package stays portable for anyone depending on it.
import PackageDescription

let package = Package(
    name: "DMMSynth",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "DMMCore", targets: ["DMMCore"]),
        .library(name: "PatchLanguage", targets: ["PatchLanguage"]),
        .library(name: "MediaIO", targets: ["MediaIO"]),
        .library(name: "Rendering", targets: ["Rendering"]),
        .library(name: "Fitting", targets: ["Fitting"]),
        .library(name: "Live", targets: ["Live"]),
        .library(name: "Studio", targets: ["Studio"]),
        .library(name: "Export", targets: ["Export"]),
        .executable(name: "dmm", targets: ["dmm"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        // The studio's HTTP + WebSocket server: no swift-nio underneath, so CI builds stay short.
        .package(url: "https://github.com/swhitty/FlyingFox", exact: "0.27.1"),
    ],
    targets: [
        // System libraries found through pkg-config (Debian: libpng-dev, libsndfile1-dev, libfftw3-dev).
        .systemLibrary(name: "CLibPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CSndFile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3f", providers: [.apt(["libfftw3-dev"])]),
        // A tiny C target that owns libpng's setjmp/longjmp so Swift never sees a longjmp.
        .target(name: "CPNGCodec", dependencies: ["CLibPNG"]),
        // FFTW's planner behind the one process-wide lock that DMMCore (`band`) and MediaIO
        // (spectrograms) share; plans and execution through an opaque C API.
        .target(name: "CFFTWPlanner", dependencies: ["CFFTW"], linkerSettings: [.linkedLibrary("fftw3f")]),
        // Header-only: what the build's target CPU can do (FMA), folded to constants.
        .target(name: "CPUFeatures"),

        // The engine: streams, neurons, the sparse matrix, the compiled tick. No I/O, no printing.
        .target(name: "DMMCore", dependencies: ["CPUFeatures", "CFFTWPlanner", .product(name: "RealModule", package: "swift-numerics")]),
        // Patch text <-> syntax tree <-> Network, with diagnostics at file:line:col.
        // Reads the files that `sample(file:)`, `image(file:)` and `video(file:)` name, through MediaIO.
        .target(name: "PatchLanguage", dependencies: ["DMMCore", "MediaIO"]),
        // File formats and terminal output with no DMM knowledge: PNG (libpng), audio files
        // (libsndfile), spectrograms (FFTW), atomic writes, ffmpeg muxing, progress display.
        .target(name: "MediaIO", dependencies: ["CPNGCodec", "CSndFile", "CFFTW", "CFFTWPlanner"]),
        // Drives a compiled patch over time into sinks: PNG frame sequences, audio, video.
        .target(name: "Rendering", dependencies: ["DMMCore", "PatchLanguage", "MediaIO"]),
        // Gradient fitting: backward pass through time, Adam, restarts, pruning, checkpoints.
        .target(name: "Fitting", dependencies: ["DMMCore", "PatchLanguage", "MediaIO", "Rendering"]),
        // Live editing: command language, OSC over UDP, file watching, edit log and replay.
        .target(name: "Live", dependencies: ["DMMCore", "PatchLanguage", "MediaIO", "Rendering"]),
        // The browser studio of `dmm live --serve`: HTTP + WebSocket server and the page
        // (plain HTML/JS/CSS shipped as resources).
        .target(name: "Studio", dependencies: ["Live", "DMMCore", "PatchLanguage", "MediaIO",
                                               .product(name: "FlyingFox", package: "FlyingFox"), .product(name: "FlyingSocks", package: "FlyingFox")],
                resources: [.copy("Page")]),
        // Export to other engines (a JAX module from the lowered program) and weights back in.
        .target(name: "Export", dependencies: ["DMMCore"]),
        // The command line: one file per subcommand.
        .executableTarget(name: "dmm", dependencies: [
            "DMMCore", "PatchLanguage", "MediaIO", "Rendering", "Fitting", "Live", "Studio", "Export",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Helpers shared by the test targets (the seeded generator).
        .target(name: "DMMTestSupport", path: "Tests/Support"),
        .testTarget(name: "DMMCoreTests", dependencies: ["DMMCore", "DMMTestSupport"]),
        .testTarget(name: "PatchLanguageTests", dependencies: ["PatchLanguage", "DMMCore", "DMMTestSupport"]),
        .testTarget(name: "MediaIOTests", dependencies: ["MediaIO"]),
        .testTarget(name: "RenderingTests", dependencies: ["Rendering", "PatchLanguage", "DMMCore"]),
        .testTarget(name: "FittingTests", dependencies: ["Fitting", "Rendering", "PatchLanguage", "DMMCore", "DMMTestSupport"]),
        .testTarget(name: "LiveTests", dependencies: ["Live", "PatchLanguage", "DMMCore", "DMMTestSupport"], exclude: ["Browser"]),
        .testTarget(name: "CLITests", dependencies: ["dmm", "Rendering", "MediaIO", "DMMCore", "PatchLanguage", "DMMTestSupport"]),
        // `dmm export --jax` / `dmm import` against `dmm render` and `dmm fit` (skipped without JAX).
        .testTarget(name: "ExportTests", dependencies: ["Export", "dmm", "Fitting", "PatchLanguage", "DMMCore", "DMMTestSupport"]),
        // An independent Double reference evaluator, and the engine (renderer, fitter) against it.
        .testTarget(name: "ReferenceTests", dependencies: ["PatchLanguage", "DMMCore", "Rendering", "Fitting", "MediaIO", "DMMTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
