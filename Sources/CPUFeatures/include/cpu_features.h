#ifndef DMM_CPU_FEATURES_H
#define DMM_CPU_FEATURES_H
/// What the compile target's CPU can do, as the C compiler sees it (the build command's
/// `-Xcc -march=...` reaches Swift's code generation and this header alike).
///
/// Swift has no `#if` on target features, so the engine asks these inline functions; each
/// folds to a constant at -O. Fused multiply-add is the one that matters: without a target
/// that has it, `SIMD.addingProduct` becomes one libm `fmaf` call per lane (about 30x
/// slower), so the kernels use `madd`, which is `addingProduct` where the CPU fuses and a
/// plain multiply and add elsewhere.
static inline int dmm_target_has_fma(void) {
#if defined(__FMA__) || defined(__aarch64__) || defined(__ARM_FEATURE_FMA)
    return 1;
#else
    return 0;
#endif
}
#endif
