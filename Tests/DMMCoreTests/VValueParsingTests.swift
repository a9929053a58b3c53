import Testing
import DMMCore

/// The V-value text reader against hostile input: nesting is bounded (and refused at once, not
/// after the stack runs out), parsing is linear, and every error says where.
@Suite struct VValueParsingTests {
    static func seconds(_ body: () -> Void) -> Double {
        let t0 = ContinuousClock.now
        body()
        let d = ContinuousClock.now - t0
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    static func nested(_ depth: Int) -> String {
        String(repeating: "{a:", count: depth - 1) + "{a:1" + String(repeating: "}", count: depth)
    }

    @Test func nestingUpToTheBoundParses() throws {
        let v = try VValue(parsing: Self.nested(VValue.maxParseDepth))
        #expect(v[path: Array(repeating: "a", count: VValue.maxParseDepth)] == VValue(1))
    }

    @Test(arguments: [VValue.maxParseDepth + 1, 16_000, 60_000, 1_000_000])
    func deepNestingIsRefusedFastWithThePosition(_ depth: Int) {
        let text = Self.nested(depth)
        var caught: KindError?
        let t = Self.seconds {
            do { _ = try VValue(parsing: text) } catch let e as KindError { caught = e } catch {}
        }
        #expect(caught?.message == "V-value nested deeper than 64 levels at character 193")
        #expect(caught?.offset == 192)
        #expect(t < 0.1 + Double(text.utf8.count) * 1e-7, "\(t) s for depth \(depth)")
    }

    @Test func unclosedDeepNestingIsRefusedToo() {
        #expect(throws: KindError.self) { try VValue(parsing: String(repeating: "{", count: 100_000)) }
        #expect(throws: KindError.self) { try VValue(parsing: String(repeating: "{a:", count: 100_000)) }
    }

    @Test func aFlatMegabyteParsesInLinearTime() throws {
        func flat(_ n: Int) -> String { "{" + (0..<n).map { "k\($0):\($0 % 7 + 1)" }.joined(separator: ", ") + "}" }
        let small = flat(27_500), big = flat(110_000)
        #expect(big.utf8.count > 1_000_000)
        var v = VValue.zero
        let ts = Self.seconds { v = (try? VValue(parsing: small)) ?? .zero }
        #expect(v.children.count == 27_500)
        let tb = Self.seconds { v = (try? VValue(parsing: big)) ?? .zero }
        #expect(v.children.count == 110_000)
        #expect(v["k99999"] == VValue(Double(99_999 % 7 + 1)))
        // A generous absolute bound (AddressSanitizer on a busy 2-core machine took 2.1 s); the
        // ratio below is what tells linear from quadratic.
        #expect(tb < 10, "\(tb) s for 1 MB")
        #expect(tb < 4 * ts * 3 + 0.05, "4× the text took \(tb / ts)× the time")
    }

    @Test func repeatedKeysAddAndWideTreesStayLinear() throws {
        let text = "{" + Array(repeating: "r:{c:1}", count: 20_000).joined(separator: ",") + "}"
        let v = try VValue(parsing: text)
        #expect(v[path: ["r", "c"]] == VValue(20_000))
        #expect(try VValue(parsing: "{a:1, a:-1, number:2, b:{}}") == VValue(["number": 2]))
    }

    @Test(arguments: [
        ("", "expected '{' at character 1"),
        ("{a:1 b:2}", "expected ',' or '}' at character 6"),
        ("{a:1,}", "expected a key at character 6"),
        ("{a 1}", "expected ':' after 'a' at character 4"),
        ("{a:1e999}", "expected a finite number for 'a', got '1e999' at character 4"),
        ("{a:nan}", "expected a finite number for 'a', got 'nan' at character 4"),
        ("{a:{b:1}", "missing '}' at character 9"),
        ("{a:1} x", "unexpected text after the V-value at character 7"),
        ("{a:\u{0}}", "expected a finite number for 'a', got '␀' at character 4"),
        ("{a:1\u{0}5}", "expected a finite number for 'a', got '1␀5' at character 4"),
        ("{a:0x1p3junk}", "expected a finite number for 'a', got '0x1p3junk' at character 4"),
    ])
    func errorsSayWhere(_ text: String, _ message: String) {
        do {
            _ = try VValue(parsing: text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.message == message)
        }
    }

    @Test func printedValuesReadBack() throws {
        let v = VValue(["s1.a": ["one": 0.5, "x": -2e-300] as [String: Any], "number": 3, "deep": ["a": ["b": ["c": 1e300]]]])
        #expect(try VValue(parsing: v.description) == v)
    }
}
