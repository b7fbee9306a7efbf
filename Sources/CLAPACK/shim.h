// The system BLAS and LAPACK: OpenBLAS's CBLAS and LAPACK through the reference LAPACKE C
// interface (Debian: libopenblas-dev, liblapacke-dev; pkg-config lapacke). Nothing is vendored.
#include <cblas.h>
#include <lapacke.h>
