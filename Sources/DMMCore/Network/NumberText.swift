/// Reads a number from text a user wrote (a patch value, a V-value leaf, an option).
///
/// Why not `Double(String)` alone: it hands the text to C's `strtod`, which stops at an
/// embedded NUL, so `"3\0junk"` reads as 3 and a corrupt value passes silently. Every reader
/// of user numbers in the engine and the patch language goes through here instead.
public enum NumberText {
    /// The number the whole text spells (`2`, `-0.5`, `1e-3`, `inf`, `nan`), or nil when any
    /// part of it is not a number. Finite or not is the caller's check.
    public static func double(_ text: some StringProtocol) -> Double? {
        guard !text.utf8.contains(0) else { return nil }
        return Double(String(text))
    }
}
