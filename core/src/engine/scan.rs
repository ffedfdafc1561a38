//! The scan for events of accepted tags: the inner loop of every entry filter.
//!
//! Most events of a patient have a tag (kind and role) the filter does not take: a diagnosis
//! filter reads past dispensings and acts. With wasm's 128-bit SIMD the tags are tested sixteen
//! at a time (two table lookups per byte, one for the byte of the 64-bit mask, one for the bit)
//! and only events whose tag is accepted reach the code test. Natively the evaluator keeps its
//! scalar loop.

/// First `k >= from` in `tags` whose tag `mask` accepts and for which `pred(k)` holds.
#[inline(always)]
pub(crate) fn find(
    tags: &[u8],
    mask: u64,
    from: usize,
    mut pred: impl FnMut(usize) -> bool,
) -> Option<usize> {
    use core::arch::wasm32::*;
    let n = tags.len();
    let mut j = from;
    if j + 16 <= n {
        let m = mask.to_le_bytes();
        // byte b of the mask at lanes 0..7; lanes 8..15 zero, so a tag of 64 or more (byte
        // index 8..31) is never accepted, nor is anything the swizzle reads out of range
        let table = u8x16(
            m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], 0, 0, 0, 0, 0, 0, 0, 0,
        );
        let bits = u8x16(1, 2, 4, 8, 16, 32, 64, 128, 0, 0, 0, 0, 0, 0, 0, 0);
        let seven = u8x16_splat(7);
        while j + 16 <= n {
            // SAFETY: j + 16 <= tags.len(); v128_load has no alignment requirement.
            let v = unsafe { v128_load(tags.as_ptr().add(j).cast::<v128>()) };
            let byte = u8x16_swizzle(table, u8x16_shr(v, 3));
            let bit = u8x16_swizzle(bits, v128_and(v, seven));
            let mut hits = u8x16_bitmask(u8x16_ne(v128_and(byte, bit), u8x16_splat(0)));
            while hits != 0 {
                let k = j + hits.trailing_zeros() as usize;
                if pred(k) {
                    return Some(k);
                }
                hits &= hits - 1;
            }
            j += 16;
        }
    }
    (j..n).find(|&k| accepts(mask, tags[k]) && pred(k))
}

#[inline(always)]
fn accepts(mask: u64, tag: u8) -> bool {
    tag < 64 && (mask >> tag) & 1 == 1
}
