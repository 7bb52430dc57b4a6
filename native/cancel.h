/*
 * Cancellation of a native call from another thread. A kernel call runs to its end on the
 * thread that made it: terminating a worker thread stops its JavaScript, not C code, so a
 * cancelled chunk would burn its core for as long as it had left (minutes at a high maxiter).
 * The caller passes a one-element Int32Array on shared memory instead; whoever cancels sets it,
 * and every loop here reads it every block or so and returns early. The counts of a stopped
 * call are incomplete: the caller knows (it set the flag) and discards them.
 */
#ifndef MANDEL_CANCEL_H
#define MANDEL_CANCEL_H
#include <stdint.h>

/* Set by the addon for the length of one call on this thread; NULL when nothing can cancel it. */
extern _Thread_local const volatile int32_t *mandel_cancel_flag;

static inline int mandel_cancelled(void) {
  const volatile int32_t *flag = mandel_cancel_flag;
  return flag != 0 && *flag != 0;
}
#endif
