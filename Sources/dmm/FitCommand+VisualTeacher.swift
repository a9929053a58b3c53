import DMMCore
import Fitting
import PatchLanguage

/// `dmm fit STUDENT --teacher TEACHER` when the student draws: the teacher's rendered frames
/// become the targets of the ordinary picture fit (`--target`'s path from there on), and the
/// kinds of outputs that neither fitter can take are refused in one line before any work.
extension Fit {
    /// The teacher's frames as targets for a student that draws; nil for a student that does
    /// not (the tree distiller, `runTeacher`, takes it), after refusing the output kinds that
    /// path cannot fit: field students without a picture, and a tree or scalar student compared
    /// with a teacher's fields or signals. (Students that sound go to `runSoundTeacher`.) (Scalar neurons that keep state or have
    /// no gradient are refused by `TreeBackprop`, naming the neuron.)
    func visualTeacherTargets(_ teacherPath: String, student: LoadedPatch) throws -> FitTargets? {
        let teacher = try PatchLoader.load(path: teacherPath).network
        let net = student.network
        let domains = try net.domains()
        guard net.hasDisplay else {
            try checkNonVisualStudent(domains: domains, net: net, teacher: teacher, teacherPath: teacherPath)
            return nil
        }
        guard input.isEmpty else {
            throw FitError("--input feeds the text neurons of tree students; the visual student \(patch) is fitted to the teacher's frames")
        }
        guard !resize else {
            throw FitError("--resize applies to --target frames; the teacher of \(patch) must draw at the student's size")
        }
        guard ticks == nil else {
            throw FitError("--ticks applies to tree and sound students; the visual student \(patch) is fitted over frames (use --frames N)")
        }
        if let outputs { try checkPictureOutputs(outputs, in: net) }
        return try TeacherFrames.targets(teacher: teacher, student: net, names: (patch, teacherPath), frames: frames)
    }

    /// A visual student is fitted on its picture only: `--outputs` may name the display neuron
    /// (`out`) or all three of its channels (`out.r,out.g,out.b`), nothing else.
    func checkPictureOutputs(_ list: String, in net: Network) throws {
        guard let display = net.neurons.firstIndex(where: { $0.kind.traits.contains(.display) }) else { return }
        let name = net.neurons[display].name
        var channels = Set<Int>(), whole = false
        for ref in try NamedOutputs.resolve(list, in: net) {
            guard ref.ref.neuron == display, ref.ref.port < 3 else {
                throw FitError("--outputs: '\(ref.name)' is not the picture of \(patch); a visual student is fitted on its picture ('\(name)'), a loss on other field or scalar outputs is not supported yet")
            }
            if ref.name.contains(".") { channels.insert(ref.ref.port) } else { whole = true }
        }
        guard whole || channels.count == 3 else {
            throw FitError("--outputs: the picture is fitted on all three channels; name '\(name)' (or all of its r, g, b), not some of them")
        }
    }

    /// Refusals for a student without a picture, each one line naming what is not supported.
    func checkNonVisualStudent(domains: [StreamKind], net: Network, teacher: Network, teacherPath: String) throws {
        // A student that sounds is fitted on its sound (`runSoundTeacher`), unless it also has fields.
        if domains.contains(.signal) {
            if let i = domains.firstIndex(of: .field) {
                throw FitError("the student \(patch) sounds and has field neuron '\(net.neurons[i].name)' but no picture: fit its sound from a student without fields")
            }
            return
        }
        if let i = domains.firstIndex(of: .field) {
            throw FitError("the student \(patch) has field neuron '\(net.neurons[i].name)' but no picture (rgb or hsv neuron): a field student is fitted on its picture")
        }
        let tdomains = try teacher.domains()
        if outputs == nil, teacher.hasDisplay {
            throw FitError("the teacher \(teacherPath) draws a picture but the student \(patch) is a tree patch: distil a visual teacher into a visual student (one with an rgb or hsv neuron)")
        }
        // The outputs compared: those named, or every student output the teacher also names.
        let compared = try outputs.map { try NamedOutputs.resolve($0, in: teacher) }
            ?? NamedOutputs.resolve(nil, in: net).compactMap { o in (try? NamedOutputs.resolve(o.name, in: teacher))?.first }
        for o in compared where [.field, .signal].contains(tdomains[o.ref.neuron]) {
            if tdomains[o.ref.neuron] == .signal {
                throw FitError("'\(o.name)' is a signal output of the teacher \(teacherPath) but the student \(patch) has no signal neurons: a student is compared on outputs of its own kinds")
            }
            throw FitError("'\(o.name)' is a field output of the teacher \(teacherPath) but the student \(patch) is a tree or scalar patch: such a student is compared on tree and scalar outputs")
        }
    }
}
