//! `model`: any bytes to `Model::from_bytes`, as `neptune score --model FILE` reads them.
//!
//! Must give an error or a model, never panic or allocate without bound (libFuzzer's
//! -malloc_limit_mb / -rss_limit_mb catch that); a model it accepts must score and explain any
//! vector without panicking or looping (-timeout catches that), with a score in [0, 1].
#![no_main]

use libfuzzer_sys::fuzz_target;
use neptune::model::Model;

fuzz_target!(|data: &[u8]| {
    if let Ok(model) = Model::from_bytes(data) {
        neptune_fuzz::check_model(&model);
    }
});
