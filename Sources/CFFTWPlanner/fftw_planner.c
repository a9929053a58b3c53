#include "fftw_planner.h"

#include <fftw3.h>
#include <pthread.h>

static pthread_mutex_t planner = PTHREAD_MUTEX_INITIALIZER;

void dmm_fftw_planner_lock(void) { pthread_mutex_lock(&planner); }
void dmm_fftw_planner_unlock(void) { pthread_mutex_unlock(&planner); }

void *dmm_fftw_plan_r2c(int n) {
    if (n < 2) return 0;
    float *in = fftwf_alloc_real((size_t)n);
    fftwf_complex *out = fftwf_alloc_complex((size_t)n / 2 + 1);
    if (!in || !out) { fftwf_free(in); fftwf_free(out); return 0; }
    pthread_mutex_lock(&planner);
    fftwf_plan p = fftwf_plan_dft_r2c_1d(n, in, out, FFTW_ESTIMATE | FFTW_UNALIGNED);
    pthread_mutex_unlock(&planner);
    fftwf_free(in);
    fftwf_free(out);
    return (void *)p;
}

void dmm_fftw_destroy(void *plan) {
    if (!plan) return;
    pthread_mutex_lock(&planner);
    fftwf_destroy_plan((fftwf_plan)plan);
    pthread_mutex_unlock(&planner);
}

void dmm_fftw_execute_r2c(void *plan, float *in, float *out) {
    fftwf_execute_dft_r2c((fftwf_plan)plan, in, (fftwf_complex *)out);
}
