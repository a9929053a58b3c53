import Testing
import DMMCore
#if canImport(Glibc)
import Glibc
#endif

@Suite struct FastMathTests {
    @Test func sineMatchesLibm() {
        var worst: Double = 0
        var x = -200.0
        while x < 200 {
            var v = SIMD16<Float>()
            for k in 0..<16 { v[k] = Float(x + Double(k) * 0.0137) }
            let s = FastMath.sin(v), c = FastMath.cos(v)
            for k in 0..<16 {
                worst = max(worst, abs(Double(s[k]) - sin(Double(v[k]))))
                worst = max(worst, abs(Double(c[k]) - cos(Double(v[k]))))
            }
            x += 0.219
        }
        #expect(worst < 2e-6)
    }

    @Test func expAndTanh() {
        var worstRel: Double = 0, worstTanh: Double = 0
        for i in -400..<400 {
            let x = Float(i) * 0.05
            let e = FastMath.exp(SIMD16(repeating: x))[0]
            worstRel = max(worstRel, abs(Double(e) - exp(Double(x))) / exp(Double(x)))
            worstTanh = max(worstTanh, abs(Double(FastMath.tanh(SIMD16(repeating: x))[0]) - tanh(Double(x))))
        }
        #expect(worstRel < 1e-6)
        #expect(worstTanh < 1e-6)
    }

    @Test func floorAndClamp() {
        for i in -400..<400 {
            let x = Float(i) * 0.173 - 0.5
            #expect(FastMath.floor(SIMD16(repeating: x))[3] == x.rounded(.down))
            #expect(FastMath.clamp(SIMD16(repeating: x), -1, 2)[0] == min(max(x, -1), 2))
        }
        #expect(FastMath.floor(SIMD16(repeating: -2))[0] == -2)
    }

    @Test func atan2Accuracy() {
        var worst: Double = 0
        for i in 0..<360 {
            let a = Double(i) * .pi / 180 - .pi + 0.001
            let y = Float(sin(a) * 2), x = Float(cos(a) * 2)
            let r = FastMath.atan2(SIMD16(repeating: y), SIMD16(repeating: x))[0]
            worst = max(worst, abs(Double(r) - atan2(Double(y), Double(x))))
        }
        #expect(worst < 1e-5)
    }
}
