//! `parts`: a file scored in parts, as `neptune score` does on several cores and the page
//! in several workers, must give the bytes and summary of one scorer (or its error).
//!
//! Mirrors `run_scorer` in src/bin/neptune.rs: a primary `Scorer` reads the start of the file
//! up to a line end and learns its shape (`part_context`); later parts, cut at line ends
//! (`last_line_end`) while they hold no quote character (`PartContext::can_split`), are each
//! scored by `Scorer::for_part` and merged in order (`absorb`, line offsets from
//! `line_ends`); once a part cannot be split, one scorer takes the rest of the file.
//!
//! The reference is one scorer fed the primary's part and then the rest: the sniffer sees the
//! same start in both (chunking of the start is the `score` target's business).
//!
//! Input: the chunk plan of `neptune_fuzz::split_plan`, whose sizes (cycled; 0 read as 1) are
//! the parts' lengths before each is cut back to its last line end, then the file.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use neptune::reader::FileError;
use neptune::score::{last_line_end, Batch, Scorer, Summary};
use neptune::Model;
use neptune_fuzz::{part_sizes, split_plan};

fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(Model::embedded)
}

/// Where the next part ends: `size` bytes cut back to the last certain line end, or on to the
/// first one after it, or the end of the file (what the CLI does as it reads more).
fn part_end(pending: &[u8], size: usize) -> usize {
    if size >= pending.len() {
        return pending.len();
    }
    if let Some(cut) = last_line_end(&pending[..size]) {
        return cut;
    }
    let mut end = size;
    while end < pending.len() {
        end = (end * 2).min(pending.len());
        if end == pending.len() {
            return end;
        }
        if let Some(cut) = last_line_end(&pending[..end]) {
            return cut;
        }
    }
    pending.len()
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
    cut: usize,
) -> (Result<(Vec<u8>, Summary), FileError>, usize) {
    let model = model();
    let mut out = Vec::new();
    let mut batch = Batch::default();
    let mut primary = Scorer::new(model, None);
    let mut split = 0;
    let result = (|| {
        primary.push(&file[..cut], &mut batch)?;
        let context = primary.part_context().filter(|c| c.can_split(&file[..cut]));
        primary.write_header(&mut batch);
        out.append(&mut batch.csv);
        let mut pending = &file[cut..];
        let mut line_offset = primary.line_ends();
        let mut rest: Option<Scorer> = None;
        if let Some(context) = context {
            while !pending.is_empty() {
                let end = part_end(pending, sizes.next().unwrap_or(usize::MAX));
                let part = &pending[..end];
                if !context.can_split(part) {
                    rest = Some(Scorer::for_part(model, None, &context)?);
                    break;
                }
                let mut scorer = Scorer::for_part(model, None, &context)?;
                let mut part_batch = Batch::default();
                scorer.push(part, &mut part_batch)?;
                let summary = scorer.finish(&mut part_batch)?;
                out.append(&mut part_batch.csv);
                primary.absorb(&summary, line_offset);
                line_offset += scorer.line_ends();
                pending = &pending[end..];
                split += 1;
            }
        }
        let summary = match rest.as_mut() {
            Some(scorer) => {
                scorer.push(pending, &mut batch)?;
                let summary = scorer.finish(&mut batch)?;
                out.append(&mut batch.csv);
                primary.absorb(&summary, line_offset);
                primary.finish(&mut batch)?
            }
            None => {
                primary.push(pending, &mut batch)?;
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
    let first = sizes.next().unwrap_or(usize::MAX);
    let cut = if first >= file.len() {
        file.len()
    } else {
        last_line_end(&file[..first]).unwrap_or(first)
    };
    let reference = one_scorer(&file[..cut], &file[cut..]);
    let (parts, split) = in_parts(file, &mut sizes, cut);
    // Summaries hold floats: compare their Debug text (NaN equals NaN there).
    assert!(
        format!("{reference:?}") == format!("{parts:?}"),
        "scoring in parts ({split} scored apart, primary {cut} bytes) changed the result:\n\
         one scorer: {reference:?}\nin parts:   {parts:?}"
    );
});
