import DMMCore

/// A parsed patch: every line of the file, comments and blank lines included, so that a patch
/// can be printed back (`dmm fmt`) or rewritten with new weights (`fit`, `live save`) without
/// losing what its author wrote.
public struct PatchDocument: Sendable, Equatable {
    /// The file name used in diagnostics.
    public var file: String
    public var lines: [PatchLine]

    public init(file: String, lines: [PatchLine]) { self.file = file; self.lines = lines }
}

/// One line of a patch.
public struct PatchLine: Sendable, Equatable {
    public var statement: PatchStatement
    /// `# …` after the statement, without the `#`.
    public var trailingComment: String?
    /// 1-based line number in the source (0 for lines added by a rewrite).
    public var number: Int
    /// The raw text, for diagnostics.
    public var text: String

    public init(_ statement: PatchStatement, trailingComment: String? = nil, number: Int = 0, text: String = "") {
        self.statement = statement; self.trailingComment = trailingComment; self.number = number; self.text = text
    }
}

/// What a line says.
public enum PatchStatement: Sendable, Equatable {
    case blank
    /// A whole-line comment, without the leading `#`.
    case comment(String)
    /// `size 256x256`, `fps 30`, `frames 120`, `seconds 4`, `seed 7`, `rate 48000`, `block 64`.
    case header(key: String, value: String, valueColumn: Int)
    /// `name: kind` or `name: kind(key: value, …)`.
    case declaration(Declaration)
    /// `neuron.input = terms` or `+= terms`.
    case row(Row)
}

/// A neuron declaration.
public struct Declaration: Sendable, Equatable {
    public var name: String
    public var kind: String
    public var config: NeuronConfig
    public var nameColumn: Int
    public var kindColumn: Int
    /// Where each option's value starts (1-based column, the quote of a string), so a kind's
    /// complaint about one option points at its value.
    public var configColumns: [String: Int]
    public init(name: String, kind: String, config: NeuronConfig = NeuronConfig(), nameColumn: Int = 1, kindColumn: Int = 1,
                configColumns: [String: Int] = [:]) {
        self.name = name; self.kind = kind; self.config = config; self.nameColumn = nameColumn; self.kindColumn = kindColumn
        self.configColumns = configColumns
    }
}

/// One row of the matrix (or an addition to it).
public struct Row: Sendable, Equatable {
    public var neuron: String
    public var input: String
    /// `+=` adds to the row; `=` sets it.
    public var adds: Bool
    public var terms: [Term]
    public var neuronColumn: Int
    public var inputColumn: Int
    public init(neuron: String, input: String, adds: Bool = false, terms: [Term], neuronColumn: Int = 1, inputColumn: Int = 1) {
        self.neuron = neuron; self.input = input; self.adds = adds; self.terms = terms
        self.neuronColumn = neuronColumn; self.inputColumn = inputColumn
    }
}

/// `weight · source[.output]`; a bare number is a weight from `one`; a missing weight is 1.
/// A `!` after the weight freezes it for fitting.
public struct Term: Sendable, Equatable {
    public var weight: Double
    /// The source neuron (`one` for a bare number).
    public var source: String
    public var output: String?
    public var frozen: Bool
    public var column: Int
    public init(weight: Double, source: String, output: String? = nil, frozen: Bool = false, column: Int = 1) {
        self.weight = weight; self.source = source; self.output = output; self.frozen = frozen; self.column = column
    }
    /// `source` or `source.output`, the column key used in ΔW fragments.
    public var sourceKey: String { output.map { "\(source).\($0)" } ?? source }
}
