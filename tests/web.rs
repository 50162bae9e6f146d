//! The wasm bindings, run in headless Chromium by `make test-wasm` (wasm-pack test --chrome).
//! Native builds skip this file.
#![cfg(target_arch = "wasm32")]

use js_sys::{Float32Array, Reflect, Uint8Array};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

use neptune::fixtures::{FLOOD_ROW as FLOOD, LABELLED_HEADER as HEADER, NORMAL_ROW as NORMAL};
use neptune::web::{Trainer, WasmScorer, explain, model_card, model_info, split_lines, split_row};

mod synthetic;

wasm_bindgen_test_configure!(run_in_browser);

fn file() -> String {
    format!(
        "{HEADER}\n{NORMAL}\n{FLOOD}\n{}\n{FLOOD}",
        NORMAL.replace("181", "abc")
    )
}

fn get(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(key)).unwrap()
}

fn csv_of(batches: &[JsValue]) -> Vec<u8> {
    batches
        .iter()
        .flat_map(|b| Uint8Array::new(&get(b, "csv")).to_vec())
        .collect()
}

#[wasm_bindgen_test]
fn chunks_cut_anywhere_give_the_bytes_of_the_native_scorer() {
    let text = file();
    let model = neptune::Model::embedded();
    let (expected, _) = neptune::score::score_bytes(&model, text.as_bytes(), None).unwrap();
    for chunk in [1, 2, 7, 64, text.len()] {
        let mut scorer = WasmScorer::new(None, None).unwrap();
        let mut batches = Vec::new();
        for piece in text.as_bytes().chunks(chunk) {
            batches.push(scorer.push(piece).unwrap().into());
        }
        let last: JsValue = scorer.finish().unwrap().into();
        batches.push(last.clone());
        assert_eq!(csv_of(&batches), expected, "chunks of {chunk}");
        let summary = get(&last, "summary");
        assert_eq!(get(&summary, "rows").as_f64(), Some(4.0));
        assert_eq!(get(&summary, "rejected").as_f64(), Some(1.0));
        assert_eq!(get(&summary, "flagged").as_f64(), Some(2.0));
        // Field names in camelCase on the JavaScript side (src/camel.rs).
        assert_eq!(get(&summary, "hasHeader").as_bool(), Some(true));
        assert!(get(&summary, "has_header").is_undefined());
        let labelled = get(&summary, "labelled");
        let figures = get(&labelled, "figures");
        assert_eq!(get(&figures, "accuracy").as_f64(), Some(1.0));
    }
}

#[wasm_bindgen_test]
fn rows_come_with_scores_lines_and_flags() {
    let mut scorer = WasmScorer::new(None, None).unwrap();
    let mut batches: Vec<JsValue> = vec![scorer.push(file().as_bytes()).unwrap().into()];
    batches.push(scorer.finish().unwrap().into());
    let scores: Vec<f32> = batches
        .iter()
        .flat_map(|b| Float32Array::new(&get(b, "scores")).to_vec())
        .collect();
    assert_eq!(scores.len(), 4);
    assert!(scores[0] < 0.5 && scores[1] > 0.5 && scores[2].is_nan() && scores[3] > 0.5);
    let flags: Vec<u8> = batches
        .iter()
        .flat_map(|b| Uint8Array::new(&get(b, "flags")).to_vec())
        .collect();
    // bit 0 flagged, bit 1 rejected, bits 2-3 the label (1 normal, 2 Neptune).
    assert_eq!(
        flags,
        vec![1 << 2, 1 | (2 << 2), 2 | (1 << 2), 1 | (2 << 2)]
    );
}

#[wasm_bindgen_test]
fn csv_on_request_copies_the_bytes_the_batches_would_carry() {
    let text = file();
    let model = neptune::Model::embedded();
    let (expected, _) = neptune::score::score_bytes(&model, text.as_bytes(), None).unwrap();
    for chunk in [1, 7, 64, text.len()] {
        let mut scorer = WasmScorer::new(None, None).unwrap();
        scorer.csv_on_request();
        let target = Uint8Array::new_with_length(expected.len() as u32);
        let mut at = 0;
        let mut keep = |batch: JsValue, scorer: &WasmScorer| {
            assert!(get(&batch, "csv").is_undefined());
            let bytes = get(&batch, "csvBytes").as_f64().unwrap() as u32;
            assert_eq!(scorer.copy_csv(&target, at).unwrap(), bytes);
            at += bytes;
        };
        for piece in text.as_bytes().chunks(chunk) {
            let batch = scorer.push(piece).unwrap().into();
            keep(batch, &scorer);
        }
        let last = scorer.finish().unwrap().into();
        keep(last, &scorer);
        assert_eq!(target.to_vec(), expected, "chunks of {chunk}");
    }
    // A target too small is an error, not a short copy.
    let mut scorer = WasmScorer::new(None, None).unwrap();
    scorer.csv_on_request();
    scorer.push(text.as_bytes()).unwrap();
    scorer.finish().unwrap();
    let small = Uint8Array::new_with_length(4);
    assert!(scorer.copy_csv(&small, 0).is_err());
    assert!(scorer.copy_csv(&small, u32::MAX).is_err());
}

#[wasm_bindgen_test]
fn lines_come_as_the_first_row_s_line_when_they_are_consecutive() {
    // Each batch with rows: its `lines` as given, and its rows' count.
    let lines_of = |text: String| {
        let mut scorer = WasmScorer::new(None, None).unwrap();
        let batches: Vec<JsValue> = vec![
            scorer.push(text.as_bytes()).unwrap().into(),
            scorer.finish().unwrap().into(),
        ];
        batches
            .into_iter()
            .map(|b| {
                (
                    get(&b, "lines"),
                    js_sys::Uint32Array::new(&get(&b, "ends")).length(),
                )
            })
            .filter(|(_, rows)| *rows > 0)
            .collect::<Vec<_>>()
    };
    let consecutive = lines_of(format!("{HEADER}\n{NORMAL}\n{FLOOD}\n{NORMAL}\n"));
    assert_eq!(consecutive.len(), 1);
    assert_eq!(consecutive[0].0.as_f64(), Some(2.0));
    assert_eq!(consecutive[0].1, 3);
    // A blank line between two rows: each row's line.
    let apart = lines_of(format!("{HEADER}\n{NORMAL}\n\n{FLOOD}\n"));
    assert_eq!(apart.len(), 1);
    assert_eq!(
        js_sys::Float64Array::new(&apart[0].0).to_vec(),
        vec![2.0, 4.0]
    );
}

#[wasm_bindgen_test]
fn a_file_level_problem_throws_a_plain_message() {
    let mut scorer = WasmScorer::new(None, None).unwrap();
    let result = scorer.push(b"a,b,c\n1,2,3\n").and_then(|_| scorer.finish());
    let error = JsValue::from(result.unwrap_err());
    let message = get(&error, "message").as_string().unwrap();
    assert!(message.contains("41 to 43 fields"), "{message}");
}

#[wasm_bindgen_test]
fn explanations_and_helpers_work_on_output_lines() {
    let header = format!("{HEADER},attack_score,predicted_attack");
    let row = format!("{FLOOD},1.000000,1");
    let explanation = explain(header.as_bytes(), row.as_bytes(), None).unwrap();
    let effects = js_sys::Array::from(&get(&explanation, "effects"));
    assert!(effects.length() > 0);
    assert!(get(&effects.get(0), "effect").as_f64().unwrap() > 0.0);
    assert_eq!(split_row(b"a,\"b,c\",d").len(), 3);
    // The card crosses with camelCase names; its map-free lists keep their values.
    let card = model_card().unwrap();
    assert!(get(&get(&card, "validation"), "rocAuc").as_f64().unwrap() > 0.99);
    assert!(get(&card, "threshold_rule").is_undefined());
    assert!(get(&card, "thresholdRule").is_string());
    let services = js_sys::Array::from(&get(&get(&card, "categories"), "service"));
    assert!(services.includes(&JsValue::from_str("ftp_data"), 0));
}

#[wasm_bindgen_test]
fn split_lines_gives_each_line_the_fields_split_row_gives_it() {
    // Quotes, an empty field, a line without its line end, and text whose UTF-16 length is not
    // its byte length (2-byte and 4-byte UTF-8, an astral character: two UTF-16 units).
    let lines: [&[u8]; 5] = [
        b"a,\"b,c\",d\n",
        b",\"say \"\"hi\"\"\",\n",
        "caf\u{e9},\u{1F600}x,\"\u{4e2d}\u{6587}, ok\"\r\n".as_bytes(),
        b"\n",
        b"last,line",
    ];
    let bytes: Vec<u8> = lines.concat();
    let mut ends = Vec::new();
    let mut end = 0;
    for line in lines {
        end += line.len() as u32;
        ends.push(end);
    }
    let out = split_lines(&bytes, &ends).unwrap();
    let text: Vec<u16> = get(&out, "text")
        .as_string()
        .unwrap()
        .encode_utf16()
        .collect();
    let field_ends = js_sys::Uint32Array::new(&get(&out, "fieldEnds")).to_vec();
    let line_ends = js_sys::Uint32Array::new(&get(&out, "lineEnds")).to_vec();
    assert_eq!(line_ends.len(), lines.len());
    let (mut field, mut at) = (0usize, 0usize);
    for (line, &line_end) in lines.iter().zip(&line_ends) {
        let mut fields = Vec::new();
        while field < line_end as usize {
            let end = field_ends[field] as usize;
            fields.push(String::from_utf16(&text[at..end]).unwrap());
            at = end;
            field += 1;
        }
        assert_eq!(fields, split_row(line), "{}", String::from_utf8_lossy(line));
    }
    assert_eq!(at, text.len());
    assert!(
        split_lines(b"abc", &[4]).is_err(),
        "an end past the bytes is an error"
    );
}

#[wasm_bindgen_test]
fn training_in_wasm_makes_the_model_bytes_the_native_test_makes() {
    let bytes = synthetic::labelled_file(synthetic::ROWS, synthetic::FIXTURE_SEED);
    // The library directly, then through the bindings: both give the bytes whose sha256 the
    // native test (tests/training.rs) asserts.
    let trained = neptune::train::train_bytes(&bytes, synthetic::TRAIN_SEED, |_| true).unwrap();
    let model = trained.model.to_bytes();
    assert_eq!(neptune::train::sha256_hex(&model), synthetic::MODEL_SHA256);

    let mut trainer = Trainer::new(
        &bytes,
        synthetic::TRAIN_SEED as f64,
        Some("fixture.csv".into()),
    )
    .unwrap();
    let mut steps = 0;
    while trainer.step().unwrap() {
        steps += 1;
        let progress = trainer.progress().unwrap();
        assert_eq!(
            get(&progress, "treesBuilt").as_f64(),
            Some(f64::from(steps))
        );
        assert_eq!(get(&progress, "trees").as_f64(), Some(40.0));
    }
    assert_eq!(steps, 40);
    let result: JsValue = trainer.finish().unwrap().into();
    let from_js = Uint8Array::new(&get(&result, "model")).to_vec();
    assert!(
        from_js == model,
        "the bindings hand over the library's bytes"
    );
    assert_eq!(
        get(&result, "sha256").as_string().as_deref(),
        Some(synthetic::MODEL_SHA256)
    );
    let training = get(&get(&result, "card"), "training");
    assert_eq!(
        get(&training, "file").as_string().as_deref(),
        Some("fixture.csv")
    );
    assert!(get(&training, "trainingRows").as_f64().unwrap() > 0.0);
    let holdout = get(&result, "holdout");
    assert!(get(&get(&holdout, "figures"), "accuracy").as_f64().unwrap() >= 0.95);
    assert!(get(&get(&result, "builtin"), "figures").is_object());
    assert_eq!(
        get(&get(&result, "counts"), "holdoutRows").as_f64(),
        get(&get(&holdout, "figures"), "rows").as_f64()
    );
    // Spent: a second finish is a plain error, not a panic.
    assert!(trainer.finish().is_err());
}

#[wasm_bindgen_test]
fn a_file_that_cannot_train_is_refused_in_plain_words() {
    let error = JsValue::from(Trainer::new(b"a,b\n1,2\n", 1.0, None).err().unwrap());
    assert!(get(&error, "message").as_string().is_some());
    let bytes = synthetic::labelled_file(50, 1);
    let error = JsValue::from(Trainer::new(&bytes, 0.5, None).err().unwrap());
    let message = get(&error, "message").as_string().unwrap();
    assert!(message.contains("whole number"), "{message}");
}

#[wasm_bindgen_test]
fn a_model_file_scores_as_the_native_scorer_with_it_and_a_damaged_one_is_refused() {
    let bytes = synthetic::labelled_file(synthetic::ROWS, synthetic::FIXTURE_SEED);
    let trained = neptune::train::train_bytes(&bytes, synthetic::TRAIN_SEED, |_| true).unwrap();
    let model_file = trained.model.to_bytes();
    let text = file();
    let (expected, _) = neptune::score::score_bytes(&trained.model, text.as_bytes(), None).unwrap();
    let mut scorer = WasmScorer::new(None, Some(model_file.clone())).unwrap();
    let batches: Vec<JsValue> = vec![
        scorer.push(text.as_bytes()).unwrap().into(),
        scorer.finish().unwrap().into(),
    ];
    assert_eq!(csv_of(&batches), expected);
    let info: JsValue = model_info(&model_file).unwrap().into();
    assert_eq!(
        get(&info, "sha256").as_string().as_deref(),
        Some(synthetic::MODEL_SHA256)
    );
    let mut damaged = model_file.clone();
    damaged[model_file.len() / 2] ^= 0x20;
    for bad in [damaged.as_slice(), b"duration,label\n0,normal\n".as_slice()] {
        let error = JsValue::from(model_info(bad).err().unwrap());
        let message = get(&error, "message").as_string().unwrap();
        assert!(message.contains("model file"), "{message}");
        assert!(WasmScorer::new(None, Some(bad.to_vec())).is_err());
    }
}
