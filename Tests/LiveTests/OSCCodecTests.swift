import DMMTestSupport
import Testing
import Live

/// The OSC 1.0 codec against the specification's own examples, and against hostile bytes.
@Suite struct OSCCodecTests {
    static func hex(_ s: String) -> [UInt8] {
        let digits = Array(s.filter { !$0.isWhitespace })
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
    }

    @Test func specExampleFloat() throws {
        // "/oscillator/4/frequency" ,f 440.0 (OSC 1.0 specification examples).
        let bytes = Self.hex("2f6f7363 696c6c61 746f722f 342f6672 65717565 6e637900 2c660000 43dc0000")
        let p = try OSCCodec.decode(bytes)
        #expect(p == .message(OSCMessage("/oscillator/4/frequency", [.float(440)])))
        #expect(OSCCodec.encode(p) == bytes)
    }

    @Test func specExampleMixed() throws {
        // "/foo" ,iisff 1000 -1 "hello" 1.234 5.678
        let bytes = Self.hex("2f666f6f 00000000 2c696973 66660000 000003e8 ffffffff 68656c6c 6f000000 3f9df3b6 40b5b22d")
        let p = try OSCCodec.decode(bytes)
        #expect(p == .message(OSCMessage("/foo", [.int(1000), .int(-1), .string("hello"), .float(1.234), .float(5.678)])))
        #expect(OSCCodec.encode(p) == bytes)
    }

    @Test func scsynthNSet() throws {
        // /n_set 1000 "freq" 440.0, as measured in the research notes.
        let bytes = Self.hex("2f6e5f73 65740000 2c697366 00000000 000003e8 66726571 00000000 43dc0000")
        #expect(OSCCodec.encode(.message(OSCMessage("/n_set", [.int(1000), .string("freq"), .float(440)]))) == bytes)
    }

    @Test func everyTypeAndBundlesRoundTrip() throws {
        let m = OSCMessage("/dmm/x", [.int(-7), .float(0.5), .string("abc"), .symbol("sym"), .blob([1, 2, 3, 4, 5]),
                                      .int64(-1 << 40), .double(1e300), .timetag(123_456_789), .char(65), .rgba(0xFF00FF00),
                                      .midi(0x0090_3C7F), .bool(true), .bool(false), .null, .impulse])
        let inner = OSCPacket.bundle(timetag: 1, elements: [.message(OSCMessage("/a/b", [.float(1)]))])
        let p = OSCPacket.bundle(timetag: OSCCodec.timetag(unix: 1_700_000_000.25), elements: [.message(m), inner, .message(OSCMessage("/empty", []))])
        let bytes = OSCCodec.encode(p)
        #expect(bytes.count % 4 == 0)
        #expect(Array(bytes[0..<8]) == Array("#bundle\0".utf8))
        #expect(try OSCCodec.decode(bytes) == p)
    }

    @Test func timetags() {
        let t = OSCCodec.timetag(unix: 1_700_000_000.5)
        #expect(t >> 32 == UInt64(1_700_000_000 + 2_208_988_800))
        #expect(t & 0xFFFF_FFFF == 0x8000_0000)
        #expect(abs(OSCCodec.unixTime(timetag: t) - 1_700_000_000.5) < 1e-6)
    }

    @Test func malformedPacketsAreErrorsWithOffsets() {
        let cases: [(String, [UInt8])] = [
            ("empty", []),
            ("not aligned", Array("/a\0".utf8)),
            ("no leading slash", Array("abc\0".utf8)),
            ("unterminated address", Array("/abc".utf8)),
            ("bad type tag", Array("/a\0\0,x\0\0".utf8)),
            ("tags without comma", Array("/a\0\0ff\0\0".utf8)),
            ("missing float", Array("/a\0\0,f\0\0".utf8)),
            ("extra bytes", Array("/a\0\0,\0\0\0".utf8) + [0, 0, 0, 1]),
            ("blob too large", Array("/a\0\0,b\0\0".utf8) + [0x7F, 0xFF, 0xFF, 0xFF]),
            ("negative blob", Array("/a\0\0,b\0\0".utf8) + [0xFF, 0xFF, 0xFF, 0xFF]),
            ("bundle with a bad element size", Array("#bundle\0".utf8) + [0, 0, 0, 0, 0, 0, 0, 1] + [0, 0, 0, 99]),
            ("bundle with a negative element size", Array("#bundle\0".utf8) + [0, 0, 0, 0, 0, 0, 0, 1] + [0xFF, 0xFF, 0xFF, 0xFC]),
            ("bundle with a zero element size", Array("#bundle\0".utf8) + [0, 0, 0, 0, 0, 0, 0, 1] + [0, 0, 0, 0]),
            ("not #bundle", Array("#bungle\0".utf8) + [0, 0, 0, 0, 0, 0, 0, 1]),
            ("invalid UTF-8", [0x2F, 0xFF, 0xFE, 0]),
        ]
        for (what, bytes) in cases {
            #expect(throws: OSCError.self, "\(what)") { try OSCCodec.decode(bytes) }
        }
    }

    @Test func deeplyNestedBundlesAreRefused() throws {
        var p = OSCPacket.message(OSCMessage("/a", []))
        for _ in 0..<OSCCodec.maxDepth { p = .bundle(timetag: 1, elements: [p]) }
        _ = try OSCCodec.decode(OSCCodec.encode(p))   // maxDepth bundles deep: fine
        p = .bundle(timetag: 1, elements: [p])
        #expect(throws: OSCError.self) { try OSCCodec.decode(OSCCodec.encode(p)) }
    }

    /// Every prefix of valid packets, random bytes and random mutations: decoding returns or
    /// throws, never traps, and what decodes re-encodes to something that decodes the same.
    @Test func fuzzNeverCrashes() {
        var rng = SplitMix(seed: 42)
        let seeds: [[UInt8]] = [
            OSCCodec.encode(.message(OSCMessage("/dmm/set", [.string("s1.a"), .float(6.5)]))),
            OSCCodec.encode(.message(OSCMessage("/dmm/connect", [.string("lfo"), .string("s1.b"), .float(0.1)]))),
            OSCCodec.encode(.bundle(timetag: 1, elements: [.message(OSCMessage("/s1/a", [.float(3), .blob([9, 9])])),
                                                           .bundle(timetag: 5, elements: [.message(OSCMessage("/x/y", [.double(2), .int64(3)]))])])),
        ]
        var decoded = 0
        func check(_ b: [UInt8]) {
            guard let p = try? OSCCodec.decode(b) else { return }
            decoded += 1
            let again = OSCCodec.encode(p)
            if let q = try? OSCCodec.decode(again) { #expect(OSCCodec.encode(q) == again) } else { Issue.record("re-encoded packet does not decode") }
        }
        for s in seeds {
            for n in 0...s.count { check(Array(s[0..<n])) }
        }
        for _ in 0..<5000 {
            var b = seeds[Int(rng.next() % UInt64(seeds.count))]
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let i = Int(rng.next() % UInt64(b.count))
                switch rng.next() % 3 {
                case 0: b[i] = UInt8(truncatingIfNeeded: rng.next())
                case 1: b.insert(contentsOf: [UInt8](repeating: UInt8(truncatingIfNeeded: rng.next()), count: 4), at: i & ~3)
                default: if b.count > 4 { b.removeSubrange((i & ~3)..<min(b.count, (i & ~3) + 4)) }
                }
            }
            check(b)
        }
        for _ in 0..<5000 {
            let n = Int(rng.next() % 64)
            check((0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        }
        #expect(decoded > 3)
    }
}

