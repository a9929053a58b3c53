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
        .executable(name: "dmm", targets: ["dmm"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
    ],
    targets: [
        // System libraries found through pkg-config (Debian: libpng-dev, libsndfile1-dev, libfftw3-dev).
        .systemLibrary(name: "CLibPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CSndFile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3f", providers: [.apt(["libfftw3-dev"])]),
        // A tiny C target that owns libpng's setjmp/longjmp so Swift never sees a longjmp.
        .target(name: "CPNGCodec", dependencies: ["CLibPNG"]),
        // Header-only: what the build's target CPU can do (FMA), folded to constants.
        .target(name: "CPUFeatures"),

        // The engine: streams, neurons, the sparse matrix, the compiled tick. No I/O, no printing.
        .target(name: "DMMCore", dependencies: ["CPUFeatures", .product(name: "RealModule", package: "swift-numerics")]),
        // Patch text <-> syntax tree <-> Network, with diagnostics at file:line:col.
        // Reads the pictures `image(file:)` / `video(file:)` name, through MediaIO.
        .target(name: "PatchLanguage", dependencies: ["DMMCore", "MediaIO"]),
        // File formats and terminal output with no DMM knowledge: PNG (libpng), audio files
        // (libsndfile), spectrograms (FFTW), atomic writes, ffmpeg muxing, progress display.
        .target(name: "MediaIO", dependencies: ["CPNGCodec", "CSndFile", "CFFTW"]),
        // Drives a compiled patch over time into sinks: PNG frame sequences, audio, video.
        .target(name: "Rendering", dependencies: ["DMMCore", "PatchLanguage", "MediaIO"]),
        // Gradient fitting: backward pass through time, Adam, restarts, pruning, checkpoints.
        .target(name: "Fitting", dependencies: ["DMMCore", "PatchLanguage", "MediaIO", "Rendering"]),
        // Live editing: command language, OSC over UDP, file watching, edit log and replay.
        .target(name: "Live", dependencies: ["DMMCore", "PatchLanguage", "MediaIO", "Rendering"]),
        // The command line: one file per subcommand.
        .executableTarget(name: "dmm", dependencies: [
            "DMMCore", "PatchLanguage", "MediaIO", "Rendering", "Fitting", "Live",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Helpers shared by the test targets (the seeded generator).
        .target(name: "DMMTestSupport", path: "Tests/Support"),
        .testTarget(name: "DMMCoreTests", dependencies: ["DMMCore", "DMMTestSupport"]),
        .testTarget(name: "PatchLanguageTests", dependencies: ["PatchLanguage", "DMMCore", "DMMTestSupport"]),
        .testTarget(name: "MediaIOTests", dependencies: ["MediaIO"]),
        .testTarget(name: "RenderingTests", dependencies: ["Rendering", "PatchLanguage", "DMMCore"]),
        .testTarget(name: "FittingTests", dependencies: ["Fitting", "Rendering", "PatchLanguage", "DMMCore", "DMMTestSupport"]),
        .testTarget(name: "LiveTests", dependencies: ["Live", "PatchLanguage", "DMMCore", "DMMTestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["dmm", "Rendering", "MediaIO", "DMMCore", "PatchLanguage"]),
        // An independent Double reference evaluator, and the engine (renderer, fitter) against it.
        .testTarget(name: "ReferenceTests", dependencies: ["PatchLanguage", "DMMCore", "Rendering", "Fitting", "MediaIO", "DMMTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
