import DMMCore
import MediaIO
import Rendering

/// The targets of a visual distillation (`dmm fit STUDENT --teacher TEACHER` on a student that
/// draws): the teacher's picture, rendered in memory.
///
/// The teacher runs through the renderer itself (`FrameRenderer.render`, its warm-up, its
/// batching, its quantiser), with `computeOnly` and a frame sink instead of PNG files, so the
/// targets are exactly the 8-bit frames `dmm render TEACHER` writes, byte for byte, and
/// `FitTargets(images:)` turns them into the fit's units as it does for `--target` PNGs. A
/// distillation is therefore the same fit as `dmm fit STUDENT --target` on the teacher's
/// rendered frames: same targets to the bit, same `Trainer`, same loss. There is no second
/// forward and no second target format.
///
/// Timing must agree: frame f of the fit is tick f of both patches (each after its own
/// warm-up), and the clock reads seconds, so size and fps must be equal; the number of frames
/// too, unless `frames` says how many to use.
public enum TeacherFrames {
    /// Renders the teacher's frames as fit targets.
    ///
    /// - Parameters:
    ///   - teacher: the patch whose picture is reproduced (its own seed and timing).
    ///   - student: the patch that will be fitted; only its timing is read, to check it agrees.
    ///   - names: the two patches' names for messages (`student.dmm`, `teacher.dmm`).
    ///   - frames: frames to render (nil: the patches' common length, `Timing.frameCount()`).
    /// - Throws: `FitError` naming both timings when they disagree, when the teacher draws no
    ///   picture or outputs NaN/±inf, or when the frames would not fit in memory.
    public static func targets(teacher: Network, student: Network, names: (student: String, teacher: String),
                               frames: Int? = nil) throws(FitError) -> FitTargets {
        guard teacher.hasDisplay else {
            throw FitError("\(names.teacher) draws no picture (no rgb or hsv neuron), but the student \(names.student) does: a visual student is distilled from a visual teacher")
        }
        let s = student.timing, t = teacher.timing
        guard s.width == t.width, s.height == t.height else {
            throw FitError("the student \(names.student) draws \(s.width)×\(s.height) but the teacher \(names.teacher) draws \(t.width)×\(t.height): give both the same size")
        }
        guard s.fps == t.fps else {
            throw FitError("the student \(names.student) runs at \(s.fps) fps but the teacher \(names.teacher) at \(t.fps) fps: give both the same fps")
        }
        let count: Int
        if let frames {
            count = frames
        } else {
            guard s.frameCount() == t.frameCount() else {
                throw FitError("the student \(names.student) runs \(s.frameCount()) frames but the teacher \(names.teacher) \(t.frameCount()): give both the same length, or --frames N")
            }
            count = t.frameCount()
        }
        guard TimingLimits.frames.contains(count) else {
            throw FitError("\(count) frames is outside \(TimingLimits.frames.lowerBound)…\(TimingLimits.frames.upperBound)")
        }
        // The 8-bit frames and their planar Float copy, held together while converting.
        let frameBytes = MemoryBudget.multiply(t.width * t.height, 3)
        let lanes = (t.width * t.height + 15) / 16 * 16
        let bytes = MemoryBudget.multiply(count, MemoryBudget.add(frameBytes, MemoryBudget.multiply(3 * lanes, 4)))
        do { try MemoryBudget.check(bytes, for: "the teacher's \(count) frames", hint: "use fewer or smaller frames (--frames N)") }
        catch { throw FitError(error.description) }

        let sink = FrameCollector(count: count)
        var options = FrameRenderer.Options(directory: "", frames: count)
        options.computeOnly = true
        options.onNonFinite = .stop
        options.frameSink = { index, rgb in sink.add(index, RGBImage(width: t.width, height: t.height, pixels: Array(rgb))) }
        do { _ = try FrameRenderer.render(network: teacher, options: options) }
        catch { throw FitError("teacher \(names.teacher): \(error.message)") }
        return try FitTargets(images: sink.images)
    }
}

/// The frames a render hands to its sink, kept in order (the sink is called on the rendering
/// thread, one frame at a time).
final class FrameCollector: @unchecked Sendable {
    private(set) var images: [RGBImage] = []
    init(count: Int) { images.reserveCapacity(count) }
    func add(_ index: Int, _ image: RGBImage) {
        precondition(index == images.count, "frames arrive in order")
        images.append(image)
    }
}
