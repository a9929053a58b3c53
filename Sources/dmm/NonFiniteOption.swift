import ArgumentParser
import DMMCore
import Rendering

/// `--on-nan stop|clip|zero`, shared by `dmm render` and `dmm synth`: parsing, and the
/// warning (shown even with `-q`) after a render that went on past non-finite values.
enum NonFiniteOption {
    /// Throws a usage error unless `text` names a policy.
    static func check(_ text: String) throws(ValidationError) {
        guard NonFinitePolicy(rawValue: text) != nil else {
            throw ValidationError("--on-nan must be one of \(NonFinitePolicy.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'")
        }
    }

    /// The policy chosen (validated beforehand), else the command's default.
    static func policy(_ text: String?, default d: NonFinitePolicy) -> NonFinitePolicy {
        text.flatMap(NonFinitePolicy.init(rawValue:)) ?? d
    }

    /// One warning line on stderr when values were replaced.
    static func warn(_ event: NonFiniteEvent?, replaced: Int, option: String?, network: Network) {
        guard let event else { return }
        let policy = policy(option, default: .stop)   // render/synth: a warning means clip or zero was chosen
        FileHandleStderr.write(NonFiniteReport.warning(event, replaced: replaced, policy: policy, network: network) + "\n")
    }
}
