// Memory model of the core.
//
// The core uses the "stub" runtime: it never frees. So nothing managed ever crosses the
// boundary; the host asks for regions once (at start-up, or when a larger batch than ever
// before arrives) with `alloc`, and then passes (pointer, length) pairs to the kernels.
// Kernels never allocate, but for one: a quantile sketch's stores take blocks sized to what
// they hold (quantile-sketch.ts), so a kernel that adds to a sketch may grow memory. A host view
// of memory is valid only until the next wasm call.

/** Reserves `bytes` of linear memory, 16-byte aligned, for the life of the instance. */
export function alloc(bytes: u32): usize {
  return heap.alloc(<usize>bytes);
}

/**
 * True when [ptr, ptr + len) lies inside linear memory; checked once at kernel entry. `len` is
 * 64-bit so a size computed as count * width cannot wrap around and pass.
 */
// @ts-ignore: decorator
@inline
export function inMemory(ptr: usize, len: u64): bool {
  return <u64>ptr + len <= (<u64>memory.size() << 16);
}
