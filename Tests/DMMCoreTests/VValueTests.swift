import Testing
import DMMCore

/// Golden values from the Clojure reference engine (jsa-aerial/DMM test/dmm/core_test.clj).
@Suite struct VValueTests {
    let m = VValue(["a": 1, "b": 2, "c": ["a": 1, "b": 2, "c": ["x": 1, "y": 3]] as [String: Any]])

    @Test func maskOfItself() {
        #expect(VValue.mask(m, m) == VValue(["a": 1, "b": 4, "c": ["a": 1, "b": 4, "c": ["x": 1, "y": 9]] as [String: Any]]))
    }

    @Test func maskByScalarLeaf() {
        #expect(VValue.mask(VValue(["c": 7]), m) == VValue(["c": ["a": 7, "b": 14, "c": ["x": 7, "y": 21]] as [String: Any]]))
    }

    @Test func lincombGolden() {
        #expect(VValue.lincomb(VValue(["c": 7]), VValue(["c": 7])) == VValue(["number": 49]))
        #expect(VValue.lincomb(VValue(["c": 7]), m) == VValue(["a": 7, "b": 14, "c": ["x": 7, "y": 21]] as [String: Any]))
        #expect(VValue.lincomb(m, m) == VValue(["number": 20]))
        #expect(VValue.lincomb(m, VValue(["c": 7])) == .zero)
    }

    @Test func additionDropsExactZeros() {
        let a = VValue(["x": 1, "y": ["z": 2] as [String: Any]])
        let b = VValue(["x": -1, "y": ["z": -2] as [String: Any]])
        let s = a + b
        #expect(s.isZero)
        #expect(s.children.isEmpty)
        #expect((a + a) == 2 * a)
        #expect(0 * a == .zero)
        #expect(a - a == .zero)
    }

    @Test func textRoundTrip() throws {
        let text = m.description
        #expect(text == "{a:1, b:2, c:{a:1, b:2, c:{x:1, y:3}}}")
        #expect(try VValue(parsing: text) == m)
        #expect(try VValue(parsing: "{s1.a:{one:0.5, x:-2}}")[path: ["s1.a", "x"]] == VValue(-2))
        #expect(throws: KindError.self) { try VValue(parsing: "{a:1") }
        #expect(throws: KindError.self) { try VValue(parsing: "{a:nope}") }
    }
}
