//! `parts`: a file scored in parts, as `neptune score` does on several cores and the page
//! in several workers, must give the bytes and summary of one scorer (or its error).
//!
//! Follows the plan of `neptune::parts` as `run_scorer` (src/bin/neptune/parts.rs) and the
//! page's workers do: a primary `Scorer` takes the start (`push_start`), which learns the file's
//! shape; the rest is read in ranges, each part sent its range and the look-behind of the range
//! before (`parts::look_behind`), its own bytes found by `parts::bounds`, scored by
//! `Scorer::for_part` and merged in order (`merge`, line offsets from `line_ends`); once a part
//! cannot be cut off, one scorer reads the file from that part's start.
//!
//! The reference is one scorer fed the primary's own bytes and then the rest: the sniffer sees
//! the same start in both (chunking of the start is the `score` target's business).
//!
//! Input: the chunk plan of `neptune_fuzz::split_plan`, whose sizes (cycled; 0 read as 1) are the
//! start's length and then the ranges' lengths, then the file.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use neptune::parts;
use neptune::reader::FileError;
use neptune::score::{Batch, Scorer, Summary};
use neptune::Model;
use neptune_fuzz::{part_sizes, split_plan};

fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(Model::embedded)
}

fn one_scorer(first: &[u8], rest: &[u8]) -> Result<(Vec<u8>, Summary), FileError> {
    let mut scorer = Scorer::new(model(), None);
    let mut batch = Batch::default();
    scorer.push(first, &mut batch)?;
    scorer.push(rest, &mut batch)?;
    let summary = scorer.finish(&mut batch)?;
    Ok((batch.csv, summary))
}

/// Also returns how many parts were scored apart.
fn in_parts(
    file: &[u8],
    sizes: &mut impl Iterator<Item = usize>,
    head: usize,
) -> (Result<(Vec<u8>, Summary), FileError>, usize) {
    let model = model();
    let mut out = Vec::new();
    let mut batch = Batch::default();
    let mut primary = Scorer::new(model, None);
    let mut split = 0;
    let result = (|| {
        let context = if head < file.len() {
            primary.push_start(&file[..head], &mut batch)?
        } else {
            primary.push(file, &mut batch)?;
            None
        };
        out.append(&mut batch.csv);
        let mut line_offset = primary.line_ends();
        let mut rest: Option<Scorer> = None;
        let mut start = head;
        if let Some(context) = context {
            let mut before = parts::look_behind(&file[..head]);
            while start < file.len() {
                let end = start.saturating_add(sizes.next().unwrap_or(usize::MAX)).min(file.len());
                let range = &file[start..end];
                let last = end == file.len();
                let Some(bounds) = parts::bounds(&context.dialect, before, range, last) else {
                    // One scorer from the part's start on.
                    let mut scorer = Scorer::for_part(model, None, &context)?;
                    let at = parts::bounds(&context.dialect, before, range, true)
                        .expect("the part before ended in this look-behind");
                    scorer.push(&before[at.carry..], &mut batch)?;
                    rest = Some(scorer);
                    break;
                };
                let mut scorer = Scorer::for_part(model, None, &context)?;
                let mut part_batch = Batch::default();
                scorer.push(&before[bounds.carry..], &mut part_batch)?;
                scorer.push(&range[..bounds.end], &mut part_batch)?;
                let summary = scorer.finish(&mut part_batch)?;
                out.append(&mut part_batch.csv);
                primary.merge(&summary, line_offset);
                line_offset += scorer.line_ends();
                before = parts::look_behind(range);
                start = end;
                split += 1;
            }
        }
        let summary = match rest.as_mut() {
            Some(scorer) => {
                scorer.push(&file[start..], &mut batch)?;
                let summary = scorer.finish(&mut batch)?;
                out.append(&mut batch.csv);
                primary.merge(&summary, line_offset);
                primary.finish(&mut batch)?
            }
            None => {
                primary.push(&file[start..], &mut batch)?;
                primary.finish(&mut batch)?
            }
        };
        out.append(&mut batch.csv);
        Ok(summary)
    })();
    (result.map(|summary| (out, summary)), split)
}

fuzz_target!(|data: &[u8]| {
    let (plan, file) = split_plan(data);
    let sizes = part_sizes(plan);
    let mut sizes = sizes.iter().copied().cycle();
    let head = sizes.next().unwrap_or(usize::MAX).min(file.len());
    // The primary's own bytes: the start up to its cut (all of it when the file is not split).
    let cut = match parts::cut(&file[..head]) {
        Some(cut) if head < file.len() => cut,
        _ => head,
    };
    let reference = one_scorer(&file[..cut], &file[cut..]);
    let (parts, split) = in_parts(file, &mut sizes, head);
    // Summaries hold floats: compare their Debug text (NaN equals NaN there).
    assert!(
        format!("{reference:?}") == format!("{parts:?}"),
        "scoring in parts ({split} scored apart, start {head} bytes) changed the result:\n\
         one scorer: {reference:?}\nin parts:   {parts:?}"
    );
});
