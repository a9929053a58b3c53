/// OSC 1.0 packets (opensoundcontrol.org, "The Open Sound Control 1.0 Specification"):
/// the wire format `dmm live --osc` speaks, written here because it is small and because a
/// parser facing the network must be strict and must never crash.
///
/// Everything is big-endian and 4-byte aligned. A message is an address (an OSC-string
/// starting with `/`), a type-tag string (starting with `,`) and the arguments; a bundle is
/// `#bundle\0`, a 64-bit NTP timetag (1 = immediately) and size-prefixed elements.
public enum OSCCodec {
    /// Bundles nested deeper than this are refused (a hostile packet cannot recurse forever).
    public static let maxDepth = 8
    /// The timetag meaning "immediately".
    public static let immediately: UInt64 = 1

    // MARK: Decoding

    /// Decodes one UDP datagram. Throws `OSCError` naming the byte offset of the problem.
    public static func decode(_ bytes: [UInt8]) throws(OSCError) -> OSCPacket {
        try bytes.withUnsafeBufferPointer { (b) throws(OSCError) -> OSCPacket in
            var r = Reader(b, 0, b.count)
            return try packet(&r, depth: 0)
        }
    }

    static func packet(_ r: inout Reader, depth: Int) throws(OSCError) -> OSCPacket {
        guard r.remaining > 0 else { throw OSCError("empty packet", at: r.pos) }
        guard r.remaining % 4 == 0 else { throw OSCError("packet size \(r.remaining) is not a multiple of 4", at: r.pos) }
        if r.peek == UInt8(ascii: "#") {
            guard depth < maxDepth else { throw OSCError("bundles nested deeper than \(maxDepth)", at: r.pos) }
            let tag = try r.string()
            guard tag == "#bundle" else { throw OSCError("expected '#bundle', got '\(tag)'", at: r.pos) }
            let time = try r.uint64()
            var elements: [OSCPacket] = []
            while r.remaining > 0 {
                let sizeAt = r.pos
                let size = Int(try r.int32())
                guard size > 0, size % 4 == 0, size <= r.remaining else {
                    throw OSCError("bundle element size \(size) is invalid (\(r.remaining) bytes left)", at: sizeAt)
                }
                var sub = Reader(r.base, r.pos, r.pos + size)
                elements.append(try packet(&sub, depth: depth + 1))
                r.pos += size
            }
            return .bundle(timetag: time, elements: elements)
        }
        guard r.peek == UInt8(ascii: "/") else {
            throw OSCError("a packet starts with '/' (message) or '#bundle', not byte \(r.peek)", at: r.pos)
        }
        let address = try r.string()
        guard r.remaining > 0 else { return .message(OSCMessage(address, [])) }   // no type tags: no arguments
        let tagsAt = r.pos
        let tags = try r.string()
        guard tags.first == "," else { throw OSCError("type tags must start with ','", at: tagsAt) }
        var args: [OSCArgument] = []
        for t in tags.utf8.dropFirst() {
            let at = r.pos
            switch t {
            case UInt8(ascii: "i"): args.append(.int(try r.int32()))
            case UInt8(ascii: "f"): args.append(.float(Float(bitPattern: UInt32(bitPattern: try r.int32()))))
            case UInt8(ascii: "s"): args.append(.string(try r.string()))
            case UInt8(ascii: "S"): args.append(.symbol(try r.string()))
            case UInt8(ascii: "b"): args.append(.blob(try r.blob()))
            case UInt8(ascii: "h"): args.append(.int64(Int64(bitPattern: try r.uint64())))
            case UInt8(ascii: "d"): args.append(.double(Double(bitPattern: try r.uint64())))
            case UInt8(ascii: "t"): args.append(.timetag(try r.uint64()))
            case UInt8(ascii: "c"): args.append(.char(UInt32(bitPattern: try r.int32())))
            case UInt8(ascii: "r"): args.append(.rgba(UInt32(bitPattern: try r.int32())))
            case UInt8(ascii: "m"): args.append(.midi(UInt32(bitPattern: try r.int32())))
            case UInt8(ascii: "T"): args.append(.bool(true))
            case UInt8(ascii: "F"): args.append(.bool(false))
            case UInt8(ascii: "N"): args.append(.null)
            case UInt8(ascii: "I"): args.append(.impulse)
            case UInt8(ascii: "["), UInt8(ascii: "]"): continue   // OSC 1.1 arrays: flattened
            default: throw OSCError("unknown type tag '\(Character(Unicode.Scalar(t)))'", at: at)
            }
        }
        guard r.remaining == 0 else { throw OSCError("\(r.remaining) bytes after the last argument", at: r.pos) }
        return .message(OSCMessage(address, args))
    }

    /// A bounds-checked big-endian cursor over a datagram.
    struct Reader {
        let base: UnsafeBufferPointer<UInt8>
        var pos: Int
        let end: Int
        init(_ base: UnsafeBufferPointer<UInt8>, _ pos: Int, _ end: Int) { self.base = base; self.pos = pos; self.end = end }
        var remaining: Int { end - pos }
        var peek: UInt8 { base[pos] }

        mutating func int32() throws(OSCError) -> Int32 {
            guard remaining >= 4 else { throw OSCError("truncated: 4 bytes needed, \(remaining) left", at: pos) }
            var v: UInt32 = 0
            for k in 0..<4 { v = v << 8 | UInt32(base[pos + k]) }
            pos += 4
            return Int32(bitPattern: v)
        }

        mutating func uint64() throws(OSCError) -> UInt64 {
            guard remaining >= 8 else { throw OSCError("truncated: 8 bytes needed, \(remaining) left", at: pos) }
            var v: UInt64 = 0
            for k in 0..<8 { v = v << 8 | UInt64(base[pos + k]) }
            pos += 8
            return v
        }

        /// An OSC-string: bytes, a NUL, then NULs to the next multiple of 4.
        mutating func string() throws(OSCError) -> String {
            var n = pos
            while n < end && base[n] != 0 { n += 1 }
            guard n < end else { throw OSCError("string without its terminating NUL", at: pos) }
            let padded = (n - pos + 1 + 3) & ~3
            guard pos + padded <= end else { throw OSCError("string padding runs past the end", at: pos) }
            for k in (n + 1)..<(pos + padded) where base[k] != 0 { throw OSCError("string padding byte \(base[k]) is not NUL", at: k) }
            guard let s = String(validating: UnsafeBufferPointer(rebasing: base[pos..<n]), as: UTF8.self) else {
                throw OSCError("string is not UTF-8", at: pos)
            }
            pos += padded
            return s
        }

        /// An OSC-blob: an int32 size, the bytes, then padding to a multiple of 4.
        mutating func blob() throws(OSCError) -> [UInt8] {
            let at = pos
            let size = Int(try int32())
            guard size >= 0, size <= remaining else { throw OSCError("blob size \(size) is invalid (\(remaining) bytes left)", at: at) }
            let padded = (size + 3) & ~3
            guard padded <= remaining else { throw OSCError("blob padding runs past the end", at: at) }
            for k in (pos + size)..<(pos + padded) where base[k] != 0 { throw OSCError("blob padding byte \(base[k]) is not NUL", at: k) }
            let out = Array(base[pos..<(pos + size)])
            pos += padded
            return out
        }
    }

    // MARK: Encoding

    /// Encodes a packet (for tests, the latency probe and replies).
    public static func encode(_ packet: OSCPacket) -> [UInt8] {
        var out: [UInt8] = []
        write(packet, into: &out)
        return out
    }

    static func write(_ packet: OSCPacket, into out: inout [UInt8]) {
        switch packet {
        case .message(let m):
            putString(m.address, &out)
            putString("," + m.arguments.map(\.tag).joined(), &out)
            for a in m.arguments {
                switch a {
                case .int(let v): put32(UInt32(bitPattern: v), &out)
                case .float(let v): put32(v.bitPattern, &out)
                case .string(let s), .symbol(let s): putString(s, &out)
                case .blob(let b):
                    put32(UInt32(clamping: b.count), &out)
                    out += b
                    while out.count % 4 != 0 { out.append(0) }
                case .int64(let v): put64(UInt64(bitPattern: v), &out)
                case .double(let v): put64(v.bitPattern, &out)
                case .timetag(let v): put64(v, &out)
                case .char(let v), .rgba(let v), .midi(let v): put32(v, &out)
                case .bool, .null, .impulse: break
                }
            }
        case .bundle(let time, let elements):
            putString("#bundle", &out)
            put64(time, &out)
            for e in elements {
                var sub: [UInt8] = []
                write(e, into: &sub)
                put32(UInt32(clamping: sub.count), &out)
                out += sub
            }
        }
    }

    static func put32(_ v: UInt32, _ out: inout [UInt8]) {
        out += [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
    }

    static func put64(_ v: UInt64, _ out: inout [UInt8]) {
        put32(UInt32(v >> 32), &out); put32(UInt32(v & 0xFFFF_FFFF), &out)
    }

    static func putString(_ s: String, _ out: inout [UInt8]) {
        out += Array(s.utf8)
        out.append(0)
        while out.count % 4 != 0 { out.append(0) }
    }

    // MARK: Timetags

    /// Wall-clock seconds since 1970 as an NTP timetag (seconds since 1900, 32.32 fixed point).
    /// Times before 1900 or not finite give `immediately`; times past 2036 (the end of the
    /// 32-bit NTP era) the last representable second: total for any Double.
    public static func timetag(unix: Double) -> UInt64 {
        let ntp = unix + LiveClock.ntpOffset
        guard ntp.isFinite, ntp >= 0 else { return immediately }
        guard ntp < 4_294_967_295 else { return 0xFFFF_FFFF << 32 }
        let secs = ntp.rounded(.down)
        return UInt64(secs) << 32 | UInt64(((ntp - secs) * 4_294_967_296).rounded(.down))
    }

    /// An NTP timetag as wall-clock seconds since 1970.
    public static func unixTime(timetag t: UInt64) -> Double {
        Double(t >> 32) - LiveClock.ntpOffset + Double(t & 0xFFFF_FFFF) / 4_294_967_296
    }
}

/// A decoded OSC packet.
public indirect enum OSCPacket: Sendable, Equatable {
    case message(OSCMessage)
    /// Elements to apply at `timetag` (NTP; 1 = immediately).
    case bundle(timetag: UInt64, elements: [OSCPacket])
}

/// An OSC message: an address and typed arguments.
public struct OSCMessage: Sendable, Equatable, CustomStringConvertible {
    public var address: String
    public var arguments: [OSCArgument]
    public init(_ address: String, _ arguments: [OSCArgument]) { self.address = address; self.arguments = arguments }
    public var description: String {
        ([address, "," + arguments.map(\.tag).joined()] + arguments.map(\.description)).joined(separator: " ")
    }
}

/// One OSC argument (the 1.0 required types and the common optional ones).
public enum OSCArgument: Sendable, Equatable, CustomStringConvertible {
    case int(Int32), float(Float), string(String), blob([UInt8])
    case int64(Int64), double(Double), timetag(UInt64), symbol(String)
    case char(UInt32), rgba(UInt32), midi(UInt32), bool(Bool), null, impulse

    /// The type tag character.
    public var tag: String {
        switch self {
        case .int: "i"
        case .float: "f"
        case .string: "s"
        case .blob: "b"
        case .int64: "h"
        case .double: "d"
        case .timetag: "t"
        case .symbol: "S"
        case .char: "c"
        case .rgba: "r"
        case .midi: "m"
        case .bool(let b): b ? "T" : "F"
        case .null: "N"
        case .impulse: "I"
        }
    }

    /// The argument as a number, when it is one (i, f, h, d, T/F).
    public var number: Double? {
        switch self {
        case .int(let v): Double(v)
        case .float(let v): Double(v)
        case .int64(let v): Double(v)
        case .double(let v): v
        case .bool(let b): b ? 1 : 0
        default: nil
        }
    }

    /// The argument as text, when it is a string or a symbol.
    public var text: String? {
        switch self {
        case .string(let s), .symbol(let s): s
        default: nil
        }
    }

    public var description: String {
        switch self {
        case .string(let s), .symbol(let s): "\"\(s)\""
        case .blob(let b): "<\(b.count) bytes>"
        case .timetag(let t): "t\(t)"
        default: number.map { VNumber.text($0) } ?? tag
        }
    }
}

/// Why a datagram is not a valid OSC packet.
public struct OSCError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var offset: Int
    public init(_ message: String, at offset: Int) { self.message = message; self.offset = offset }
    public var description: String { "\(message) (byte \(offset))" }
}
