import DMMCore
import MediaIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The frames a fit tries to reproduce, in the picture's own units.
///
/// A display neuron's outputs r, g, b live in −1…1 and the renderer maps them to bytes as
/// `(v + 1)·127.5`; a target byte `b` therefore stands for `b/127.5 − 1`, and the loss is the
/// mean squared error in those units over every frame, pixel and channel. Values are stored
/// planar (`frame`, `channel`, pixel) with each plane padded to a multiple of 16 lanes, the
/// layout of the fitting engine's tiles, so the loss reads a target without any shuffling.
/// Padding lanes hold 0 and are never part of the loss.
///
/// Memory: `frames × 3 × lanes` floats, which is what the loss needs (the frames themselves).
public struct FitTargets: Sendable {
    /// Frame size in pixels.
    public let width: Int
    public let height: Int
    /// Number of frames; frame f is compared with the picture at tick f.
    public let frames: Int
    /// Pixels per plane rounded up to 16.
    public let lanes: Int
    /// `values[(f * 3 + c) * lanes + p]`, in −1…1 units.
    public let values: [Float]

    /// Planar float targets (for benchmarks and tests that want unquantised targets).
    public init(width: Int, height: Int, frames: Int, planar: [Float]) throws(FitError) {
        guard width > 0, height > 0, frames > 0 else { throw FitError("targets need at least one frame of at least 1×1 pixels") }
        let lanes = (width * height + 15) / 16 * 16
        guard planar.count == frames * 3 * lanes else {
            throw FitError("planar targets: expected \(frames * 3 * lanes) values, got \(planar.count)")
        }
        self.width = width; self.height = height; self.frames = frames; self.lanes = lanes
        self.values = planar
    }

    /// Targets from 8-bit frames, which must all have the same size.
    public init(images: [RGBImage]) throws(FitError) {
        guard let first = images.first else { throw FitError("no target frames") }
        let w = first.width, h = first.height
        let lanes = (w * h + 15) / 16 * 16
        var v = [Float](repeating: 0, count: images.count * 3 * lanes)
        for (f, img) in images.enumerated() {
            guard img.width == w, img.height == h else {
                throw FitError("target frame \(f + 1) is \(img.width)×\(img.height), frame 1 is \(w)×\(h)")
            }
            for p in 0..<(w * h) {
                for c in 0..<3 { v[(f * 3 + c) * lanes + p] = Float(img.pixels[p * 3 + c]) / 127.5 - 1 }
            }
        }
        try self.init(width: w, height: h, frames: images.count, planar: v)
    }

    /// The first `count` frames.
    public func prefix(_ count: Int) -> FitTargets {
        let n = min(count, frames)
        // The initialiser cannot fail: sizes are unchanged.
        return try! FitTargets(width: width, height: height, frames: n, planar: Array(values[0..<(n * 3 * lanes)]))
    }

    /// Frame `f` as bytes, rounded like the renderer rounds the picture.
    public func image(frame f: Int) -> RGBImage {
        var img = RGBImage(width: width, height: height)
        for p in 0..<(width * height) {
            for c in 0..<3 {
                let x = (values[(f * 3 + c) * lanes + p] + 1) * 127.5 + 0.5
                img.pixels[p * 3 + c] = UInt8(min(max(x, 0), 255))
            }
        }
        return img
    }

    /// The same frames box-resampled to `width × height` (area average, per channel, in
    /// floats, so no second rounding happens).
    public func resized(width nw: Int, height nh: Int) -> FitTargets {
        if nw == width && nh == height { return self }
        let nl = (nw * nh + 15) / 16 * 16
        let xs = Self.boxWeights(source: width, target: nw), ys = Self.boxWeights(source: height, target: nh)
        var out = [Float](repeating: 0, count: frames * 3 * nl)
        var rowBuf = [Float](repeating: 0, count: nw * height)
        for plane in 0..<(frames * 3) {
            let src = plane * lanes
            for y in 0..<height {
                for x in 0..<nw {
                    var s: Float = 0
                    for (sx, w) in xs[x] { s += values[src + y * width + sx] * w }
                    rowBuf[y * nw + x] = s
                }
            }
            for y in 0..<nh {
                for x in 0..<nw {
                    var s: Float = 0
                    for (sy, w) in ys[y] { s += rowBuf[sy * nw + x] * w }
                    out[plane * nl + y * nw + x] = s
                }
            }
        }
        return try! FitTargets(width: nw, height: nh, frames: frames, planar: out)
    }

    static func boxWeights(source: Int, target: Int) -> [[(Int, Float)]] {
        let scale = Double(source) / Double(target)
        return (0..<target).map { i in
            let a = Double(i) * scale, b = Double(i + 1) * scale
            var taps: [(Int, Float)] = []
            var p = Int(a.rounded(.down))
            while Double(p) < b, p < source {
                let overlap = min(b, Double(p + 1)) - max(a, Double(p))
                if overlap > 0 { taps.append((p, Float(overlap / (b - a)))) }
                p += 1
            }
            if taps.isEmpty { taps.append((min(source - 1, Int(a)), 1)) }
            return taps
        }
    }

    // MARK: Loading

    /// The PNG files a `--target` argument names: every `*.png` in a directory, or the matches
    /// of a glob pattern, in natural order (`f2.png` before `f10.png`).
    public static func paths(matching spec: String) throws(FitError) -> [String] {
        var st = stat()
        let pattern: String
        if stat(spec, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
            pattern = (spec.hasSuffix("/") ? spec : spec + "/") + "*.png"
        } else {
            pattern = spec
        }
        var g = glob_t()
        defer { globfree(&g) }
        let rc = glob(pattern, 0, nil, &g)
        var found: [String] = []
        if rc == 0 {
            for i in 0..<Int(g.gl_pathc) {
                if let p = g.gl_pathv[i] { found.append(String(cString: p)) }
            }
        }
        guard !found.isEmpty else { throw FitError("\(spec): no PNG frames found") }
        return found.sorted(by: naturalLess)
    }

    /// Loads target frames through `PNGCodec.read`.
    ///
    /// - Parameters:
    ///   - size: the patch's frame size; a different target size is an error naming both sizes
    ///     unless `resize` is true, in which case frames are box-resampled to it.
    ///   - maxFrames: keep only the first frames.
    public static func load(paths: [String], size: (width: Int, height: Int), resize: Bool,
                            maxFrames: Int? = nil) throws(FitError) -> FitTargets {
        let use = maxFrames.map { Array(paths.prefix($0)) } ?? paths
        // Sizes first, from the headers: nothing is decoded that could not be held.
        var bytes = 0
        for p in use {
            let d: (width: Int, height: Int)
            do { d = try PNGCodec.dimensions(path: p) } catch { throw FitError(error.message) }
            // The patch's own limit for `size`: a target can never be larger than what it fits.
            guard TimingLimits.side.contains(d.width), TimingLimits.side.contains(d.height) else {
                throw FitError("\(p): a \(d.width)×\(d.height) target is past the limit of \(TimingLimits.side.upperBound) pixels a side")
            }
            // Decoded RGB and the planar Float copy of every frame, then the resampled copy.
            bytes = MemoryBudget.add(bytes, MemoryBudget.multiply(d.width * d.height * 3, 1 + 4))
        }
        bytes = MemoryBudget.add(bytes, MemoryBudget.multiply(use.count, size.width * size.height * 3 * 4))
        do { try MemoryBudget.check(bytes, for: "loading \(use.count) target frames", hint: "use fewer or smaller targets (--frames N)") }
        catch { throw FitError(error.description) }
        var images: [RGBImage] = []
        for p in use {
            do { images.append(try PNGCodec.read(path: p)) } catch { throw FitError(error.message) }
        }
        guard let first = images.first else { throw FitError("no target frames") }
        for (i, img) in images.enumerated() where img.width != first.width || img.height != first.height {
            throw FitError("\(use[i]): \(img.width)×\(img.height) differs from \(use[0]) (\(first.width)×\(first.height))")
        }
        let t = try FitTargets(images: images)
        if t.width == size.width && t.height == size.height { return t }
        guard resize else {
            throw FitError("\(use[0]): target frames are \(t.width)×\(t.height) but the patch draws \(size.width)×\(size.height) (use --resize to resample the targets)")
        }
        return t.resized(width: size.width, height: size.height)
    }

    /// `a` before `b` comparing digit runs as numbers.
    static func naturalLess(_ a: String, _ b: String) -> Bool {
        var i = a.unicodeScalars.makeIterator(), j = b.unicodeScalars.makeIterator()
        var ca = i.next(), cb = j.next()
        func isDigit(_ c: Unicode.Scalar?) -> Bool { c.map { $0.value >= 48 && $0.value <= 57 } ?? false }
        while let x = ca, let y = cb {
            if isDigit(x) && isDigit(y) {
                var na = "", nb = ""
                while isDigit(ca) { na.unicodeScalars.append(ca!); ca = i.next() }
                while isDigit(cb) { nb.unicodeScalars.append(cb!); cb = j.next() }
                let ta = na.drop { $0 == "0" }, tb = nb.drop { $0 == "0" }
                if ta.count != tb.count { return ta.count < tb.count }
                if ta != tb { return ta < tb }
                continue
            }
            if x != y { return x.value < y.value }
            ca = i.next(); cb = j.next()
        }
        return ca == nil && cb != nil
    }
}
