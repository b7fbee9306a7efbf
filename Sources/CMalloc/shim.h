// glibc's malloc tuning calls (malloc.h, part of the C library's headers): mallopt, malloc_trim.
#include <malloc.h>
