/*
 * fftw_planner.h - FFTW's planner behind one process-wide lock, for DMMSynth.
 *
 * Why this exists: FFTW's planner keeps global state and is not thread safe, so every plan
 * creation and destruction in a process must go through one lock. Two modules use FFTW: the
 * engine (`band`, in DMMCore) and the media layer (spectrograms, in MediaIO). Neither may
 * depend on the other, so the lock lives here, below both. Executing a plan is thread safe
 * and needs no lock.
 *
 * The header hides FFTW's types (plans are `void *`, complex output is interleaved floats),
 * so importers do not see <fftw3.h> twice.
 */
#ifndef DMM_FFTW_PLANNER_H
#define DMM_FFTW_PLANNER_H

#ifdef __cplusplus
extern "C" {
#endif

/* Takes and releases the planner lock (MediaIO plans its own arrays under it). */
void dmm_fftw_planner_lock(void);
void dmm_fftw_planner_unlock(void);

/* A real-to-complex plan of size n (FFTW_ESTIMATE | FFTW_UNALIGNED, so it executes on any
 * arrays), made under the lock; NULL when FFTW cannot plan it. */
void *dmm_fftw_plan_r2c(int n);

/* Destroys a plan made by dmm_fftw_plan_r2c, under the lock. */
void dmm_fftw_destroy(void *plan);

/* Executes `plan` on `in` (n floats; an out-of-place r2c transform may overwrite them, so pass
 * a scratch copy) into `out` (n/2 + 1 complex numbers as 2·(n/2 + 1) interleaved floats). */
void dmm_fftw_execute_r2c(void *plan, float *in, float *out);

#ifdef __cplusplus
}
#endif

#endif
