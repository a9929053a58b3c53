/// Why a fit cannot start, continue or be written.
///
/// One error type for the module, like every other module: the CLI prints `description` and
/// exits non-zero. Messages name the file, the neuron or the option at fault, because a fit is
/// usually started on someone else's patch and frames and the first question is "which one?".
public struct FitError: Error, Sendable, CustomStringConvertible, Equatable {
    /// One line, ready to print after `error: `.
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
