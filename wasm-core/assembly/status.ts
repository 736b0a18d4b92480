// Every kernel returns an i32: >= 0 is success (often a length or a count), < 0 is one of
// these named failures. Kernels never trap on input; abort/assert are for ledge's own bugs.
// runtime/core/errors.ts maps each to a typed error; a test checks the two tables agree.
// Append new codes at the end; never renumber.

export const OK: i32 = 0;
