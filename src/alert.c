/* alert.c - placeholder until its issue lands. */
#include <stddef.h>
