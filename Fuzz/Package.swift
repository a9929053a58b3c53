// swift-tools-version: 6.1
// libFuzzer targets for DMMSynth's input readers. A package of its own so the main package's
// `swift build` / `swift test` never link libFuzzer; run it with `Fuzz/run.sh`, which builds
// `swift build -c release --sanitize=fuzzer` here and runs every target for a fixed count.
import PackageDescription

let package = Package(
    name: "DMMFuzz",
    dependencies: [.package(name: "DMMSynth", path: "..")],
    targets: [
        // One binary, six targets: DMM_FUZZ_TARGET picks the reader (one link instead of six).
        .executableTarget(
            name: "DMMFuzz",
            dependencies: [
                .product(name: "DMMCore", package: "DMMSynth"),
                .product(name: "PatchLanguage", package: "DMMSynth"),
                .product(name: "Rendering", package: "DMMSynth"),
                .product(name: "Fitting", package: "DMMSynth"),
                .product(name: "Live", package: "DMMSynth"),
            ],
            // libFuzzer supplies main(); the entry point is LLVMFuzzerTestOneInput.
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
    ],
    swiftLanguageModes: [.v6]
)
