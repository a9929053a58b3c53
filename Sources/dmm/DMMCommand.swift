import ArgumentParser

/// `dmm`: audio and visual synthesis with Dataflow Matrix Machines.
@main
struct DMMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dmm",
        abstract: "Synthesise animations and sound with Dataflow Matrix Machines.",
        subcommands: [Render.self, Synth.self, LiveRun.self, Inspect.self, Fmt.self, Kinds.self, Fit.self, Template.self, ExportCommand.self, ImportCommand.self,
                      Trace.self])

    /// Parses with `live --serve`'s optional port filled in (see `ServeArgument`).
    static func main() { main(ServeArgument.normalised(Array(CommandLine.arguments.dropFirst()))) }
}
