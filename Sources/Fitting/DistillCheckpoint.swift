/// A distillation's state on disk: `Checkpoint`'s format and writing (sorted-key JSON, written
/// atomically and durably, `NAME-checkpoint.json` beside the output patch) for a `DistillState`.
public enum DistillCheckpoint {
    public static func encode(_ state: DistillState) throws(FitError) -> [UInt8] { try Checkpoint.encode(state) }

    public static func decode(_ bytes: [UInt8], name: String) throws(FitError) -> DistillState {
        try Checkpoint.decode(DistillState.self, bytes, name: name, what: "distillation checkpoint")
    }

    public static func save(_ state: DistillState, to path: String) throws(FitError) { try Checkpoint.save(state, to: path) }

    public static func load(from path: String) throws(FitError) -> DistillState {
        try decode(Checkpoint.readBytes(path), name: path)
    }
}
