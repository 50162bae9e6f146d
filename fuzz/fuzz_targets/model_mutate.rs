//! `model_mutate`: the embedded model's payload (the postcard inside the file's frame, whose
//! checksum would refuse any edit) with a few edits chosen by the input, so the fuzzer works on
//! valid-looking models (deep inside the trees) instead of having to build one from nothing.
//! Same checks as `model`.
//!
//! The input is a list of 4-byte edits `[op, pos_hi, pos_lo, value]` (at most 16), applied in
//! order; `pos` is taken modulo the current length:
//!   op % 4 == 0  overwrite the byte at pos with value
//!   op % 4 == 1  insert value before pos
//!   op % 4 == 2  remove the byte at pos
//!   op % 4 == 3  cut the bytes from pos on (only when value is 0; otherwise xor pos with value)
#![no_main]

use libfuzzer_sys::fuzz_target;
use neptune::model::{Model, EMBEDDED_MODEL};

const MAX_EDITS: usize = 16;

fuzz_target!(|data: &[u8]| {
    let mut bytes = EMBEDDED_MODEL[12..EMBEDDED_MODEL.len() - 4].to_vec();
    for edit in data.chunks_exact(4).take(MAX_EDITS) {
        let (op, value) = (edit[0], edit[3]);
        let len = bytes.len();
        let pos = usize::from(u16::from_be_bytes([edit[1], edit[2]]));
        match op % 4 {
            0 if len > 0 => bytes[pos % len] = value,
            1 => bytes.insert(pos % (len + 1), value),
            2 if len > 0 => {
                bytes.remove(pos % len);
            }
            3 if len > 0 && value == 0 => bytes.truncate(pos % len),
            3 if len > 0 => bytes[pos % len] ^= value,
            _ => {}
        }
    }
    if let Ok(model) = Model::from_payload(&bytes) {
        neptune_fuzz::check_model(&model);
    }
});
