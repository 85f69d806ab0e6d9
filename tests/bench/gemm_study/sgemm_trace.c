// LD_PRELOAD shim for scripts/gemm_study.sh: records every cblas_sgemm call of a
// program (layout, transposes, sizes, leading dimensions, alpha, beta) as one text
// line in $WEFT_GEMM_TRACE (with whether it ran inside an OpenMP parallel region), then forwards the call to the real
// OpenBLAS. Records what the program asks for, so the replay measures exactly the shapes of one step.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static FILE* out;
static sgemm_fn real;

void cblas_sgemm(int order, int ta, int tb, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
                 int ldb, float beta, float* c, int ldc) {
  pthread_mutex_lock(&lock);
  if (!real) {
    real = (sgemm_fn)dlsym(RTLD_NEXT, "cblas_sgemm");
    const char* path = getenv("WEFT_GEMM_TRACE");
    out = fopen(path ? path : "sgemm_trace.txt", "w");
    if (!real || !out) abort();
  }
  fprintf(out, "%d %d %d %d %d %d %d %d %d %.9g %.9g %d\n", order, ta, tb, m, n, k, lda, ldb, ldc, alpha, beta,
          omp_in_parallel());
  pthread_mutex_unlock(&lock);
  real(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

__attribute__((destructor)) static void finish(void) {
  if (out) fclose(out);
}
