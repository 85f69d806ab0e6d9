// LD_PRELOAD shim for scripts/gemm_study.sh: records every f32 GEMM call of a
// program, through cblas_sgemm (OpenBLAS) or dnnl_sgemm (oneDNN, weft's f32
// GEMM): transposes, sizes, leading dimensions, alpha, beta and whether it ran
// inside an OpenMP parallel region, one text line each in $WEFT_GEMM_TRACE; then
// forwards the call to the real library. Records what the program asks for, so
// the replay measures exactly the shapes of one step.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>

typedef int (*dnnl_fn)(char, char, int64_t, int64_t, int64_t, float, const float*, int64_t, const float*, int64_t,
                       float, float*, int64_t);
typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static FILE* out;
static sgemm_fn real;
static dnnl_fn real_dnnl;

// The record, in cblas's numbers (101 row-major, 111 no-trans, 112 trans).
static void record(int ta, int tb, long m, long n, long k, long lda, long ldb, long ldc, float alpha, float beta) {
  if (!out) {
    const char* path = getenv("WEFT_GEMM_TRACE");
    out = fopen(path ? path : "sgemm_trace.txt", "w");
    if (!out) abort();
  }
  fprintf(out, "101 %d %d %ld %ld %ld %ld %ld %ld %.9g %.9g %d\n", ta, tb, m, n, k, lda, ldb, ldc, alpha, beta,
          omp_in_parallel());
}

void cblas_sgemm(int order, int ta, int tb, int m, int n, int k, float alpha, const float* a, int lda,
                 const float* b, int ldb, float beta, float* c, int ldc) {
  pthread_mutex_lock(&lock);
  if (!real) real = (sgemm_fn)dlsym(RTLD_NEXT, "cblas_sgemm");
  if (!real || order != 101) abort();  // weft calls row-major only
  record(ta, tb, m, n, k, lda, ldb, ldc, alpha, beta);
  pthread_mutex_unlock(&lock);
  real(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

int dnnl_sgemm(char ta, char tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
               const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  pthread_mutex_lock(&lock);
  if (!real_dnnl) real_dnnl = (dnnl_fn)dlsym(RTLD_NEXT, "dnnl_sgemm");
  if (!real_dnnl) abort();
  record(ta == 'T' || ta == 't' ? 112 : 111, tb == 'T' || tb == 't' ? 112 : 111, (long)m, (long)n, (long)k, (long)lda,
         (long)ldb, (long)ldc, alpha, beta);
  pthread_mutex_unlock(&lock);
  return real_dnnl(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

__attribute__((destructor)) static void finish(void) {
  if (out) fclose(out);
}
