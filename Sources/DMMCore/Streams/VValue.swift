/// A V-value: a finite linear combination of paths, stored as a prefix tree with numeric leaves.
///
/// V-values are the DMM's most general linear stream (`shared/docs/dmm.md` §2). They carry the
/// network matrix itself (rows → columns → weight) and the ΔW edits sent to Self. An absent key
/// is zero and the empty tree is the zero vector. As in the Clojure reference engine, any entry
/// that sums to exactly zero is dropped, so sparsity persists through additions.
public struct VValue: Sendable, Equatable, CustomStringConvertible {
    /// The scalar part at this level (`:number` in the Clojure code).
    public var number: Double
    /// Children by key. Never holds a zero subtree.
    public private(set) var children: [String: VValue]

    /// The reserved key that names the scalar part in the textual form.
    public static let numberKey = "number"

    /// The zero vector.
    public static let zero = VValue(number: 0, children: [:])

    public init(number: Double = 0, children: [String: VValue] = [:]) {
        self.number = number
        self.children = children.filter { !$0.value.isZero }
    }

    /// A leaf: just a number.
    public init(_ number: Double) { self.init(number: number) }

    /// Builds a tree from a nested dictionary literal: numbers become leaves and dictionaries
    /// subtrees; the key `number` sets the scalar part.
    public init(_ dict: [String: Any]) {
        var num = 0.0
        var kids: [String: VValue] = [:]
        for (k, v) in dict {
            let child: VValue
            if let d = v as? Double { child = VValue(d) }
            else if let i = v as? Int { child = VValue(Double(i)) }
            else if let f = v as? Float { child = VValue(Double(f)) }
            else if let d = v as? [String: Any] { child = VValue(d) }
            else { continue }
            if k == VValue.numberKey, child.children.isEmpty { num += child.number } else { kids[k] = child }
        }
        self.init(number: num, children: kids)
    }

    /// True for the zero vector: no scalar part and no children.
    public var isZero: Bool { number == 0 && children.isEmpty }

    /// The subtree at a key (zero when absent).
    public subscript(key: String) -> VValue {
        get { children[key] ?? .zero }
        set { if newValue.isZero { children[key] = nil } else { children[key] = newValue } }
    }

    /// The subtree at a path (zero when absent).
    public subscript(path path: [String]) -> VValue {
        get {
            var v = self
            for k in path { v = v[k] }
            return v
        }
        set {
            guard let head = path.first else { self = newValue; return }
            var child = self[head]
            child[path: Array(path.dropFirst())] = newValue
            self[head] = child
        }
    }

    /// Recursive merge-and-add; entries that cancel to exactly zero disappear.
    public static func + (a: VValue, b: VValue) -> VValue {
        var r = a
        r.add(b)
        return r
    }

    /// In-place `self += other`, dropping exact zeros.
    public mutating func add(_ other: VValue, scaledBy s: Double = 1) {
        number += other.number * s
        for (k, v) in other.children {
            var mine = children[k] ?? .zero
            mine.add(v, scaledBy: s)
            children[k] = mine.isZero ? nil : mine
        }
    }

    /// Multiplies every leaf; scaling by zero gives the empty tree.
    public static func * (s: Double, v: VValue) -> VValue {
        if s == 0 { return .zero }
        var r = VValue.zero
        r.add(v, scaledBy: s)
        return r
    }

    public static prefix func - (v: VValue) -> VValue { -1 * v }
    public static func - (a: VValue, b: VValue) -> VValue { a + (-b) }

    /// Pointwise mask: keeps the paths present in both and multiplies leaf by leaf.
    /// A leaf of the mask facing a subtree of `m` scales that whole subtree.
    public static func mask(_ mask: VValue, _ m: VValue) -> VValue {
        var r = VValue.zero
        if mask.number != 0 { r.add(m, scaledBy: mask.number) }
        for (k, mk) in mask.children {
            guard let mv = m.children[k] else { continue }
            r[k] = r[k] + VValue.mask(mk, mv)
        }
        return r
    }

    /// Generalised linear combination: walks `mask`; where a path exists in `m`, the mask's
    /// leaf scales `m`'s subtree there, and every contribution is summed into one tree.
    public static func lincomb(_ mask: VValue, _ m: VValue) -> VValue {
        var r = VValue.zero
        if mask.number != 0 { r.add(m, scaledBy: mask.number) }
        for (k, mk) in mask.children {
            guard let mv = m.children[k] else { continue }
            r.add(VValue.lincomb(mk, mv))
        }
        return r
    }

    /// Every leaf with its path, in sorted key order (deterministic).
    public var leaves: [(path: [String], value: Double)] {
        var out: [(path: [String], value: Double)] = []
        func walk(_ v: VValue, _ prefix: [String]) {
            if v.number != 0 { out.append((prefix, v.number)) }
            for k in v.children.keys.sorted() { walk(v.children[k]!, prefix + [k]) }
        }
        walk(self, [])
        return out
    }

    /// A compact, sorted, deterministic text form: `{a:1, b:{x:2}}`, `{number:49}`.
    public var description: String {
        var parts: [String] = []
        if number != 0 || children.isEmpty && false { parts.append("\(VValue.numberKey):\(Self.format(number))") }
        for k in children.keys.sorted() {
            let c = children[k]!
            if c.children.isEmpty { parts.append("\(k):\(Self.format(c.number))") }
            else { parts.append("\(k):\(c.description)") }
        }
        return "{" + parts.joined(separator: ", ") + "}"
    }

    static func format(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return String(x)
    }
}
