import ArgumentParser

/// The check every output option gets before a command does any work: not empty, and an
/// extension the command really writes.
///
/// Without it `-o ""` rendered into `/` and `-o song.mp3` wrote a WAV under that name: the
/// extension is the user's statement of what they want, so one we cannot honour is a usage
/// error (exit 64) naming the option and listing what would work. What lies at the path (a
/// FIFO, a device, a directory) is checked by `AtomicFile.destination(for:)` when writing.
enum OutputPath {
    /// The extension of the last path component, lowercased, without the dot; nil if none.
    static func fileExtension(_ path: String) -> String? {
        let name = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        let ext = name[name.index(after: dot)...]
        return ext.isEmpty ? nil : ext.lowercased()
    }

    /// Throws unless `path` is non-empty and (when `extensions` is not empty) ends in one of
    /// them; `what` names what the command writes there ("dmm synth writes").
    static func check(_ path: String, option: String, extensions: [String], what: String) throws(ValidationError) {
        guard !path.isEmpty else { throw ValidationError("\(option) must not be empty") }
        guard !extensions.isEmpty else { return }
        let list = extensions.map { "." + $0 }.joined(separator: ", ")
        guard let ext = fileExtension(path) else {
            throw ValidationError("\(option) '\(path)' has no extension; \(what) \(list)")
        }
        guard extensions.contains(ext) else {
            throw ValidationError("\(option) '\(path)': unknown extension '.\(ext)'; \(what) \(list)")
        }
    }
}
