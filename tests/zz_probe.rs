use neptune::{Model, score::score_bytes};
const ROW: &str = "0,tcp,http,SF,215,45076,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,1,1,0.0,0.0,0.0,0.0,1.0,0.0,0.0,0,0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0";
fn show(name: &str, input: &[u8]) {
    let m = Model::embedded();
    let r = std::panic::catch_unwind(|| score_bytes(&m, input, None));
    match r {
        Err(_) => println!("== {name}: PANIC"),
        Ok(Ok((out, s))) => {
            let text = String::from_utf8_lossy(&out);
            let lines: Vec<String> = text.lines().map(|l| if l.len() > 200 { format!("{}...({} bytes)", &l[..200.min(l.len())], l.len()) } else { l.to_string() }).collect();
            println!("== {name}: rows {} scored {} rejected {} rejections {:?} unknown {:?}", s.rows, s.scored, s.rejected, s.rejections, s.unknown_categories);
            for l in lines.iter().skip(1).take(6) { println!("   {l}"); }
        }
        Ok(Err(e)) => println!("== {name}: ERR {e}"),
    }
}
#[test]
fn probe() {
    let names: Vec<&str> = neptune::schema::FEATURES.iter().map(|f| f.name).collect();
    let h = names.join(",");
    let mut big = format!("{h},note\n{ROW},a\n{ROW},").into_bytes();
    big.extend(std::iter::repeat_n(b'y', 17 * 1024 * 1024));
    big.extend_from_slice(format!("ZZZ\n{ROW},b\n").as_bytes());
    show("oversized", &big);
    let mut big = format!("{h},note\n{ROW},a\n").into_bytes();
    big.extend(std::iter::repeat_n(b'y', 17 * 1024 * 1024));
    big.extend_from_slice(format!(",{ROW}\n{ROW},b\n").as_bytes());
    show("oversized first field", &big);
    let mut commas = format!("{h}\n{ROW}\n").into_bytes();
    for _ in 0..(9 * 1024 * 1024) { commas.extend_from_slice(b"1,"); }
    commas.extend_from_slice(format!("\n{ROW}\n").as_bytes());
    show("many fields", &commas);
    show("neg zero", format!("{h}\n{}\n", ROW.replacen("215", "-0", 1)).as_bytes());
    show("TCP upper", format!("{h}\n{}\n{ROW}\n", ROW.replacen("tcp,http,SF", "TCP,HTTP,sf", 1)).as_bytes());
    show("1e309", format!("{h}\n{}\n", ROW.replacen("215", "1e309", 1)).as_bytes());
    show("infinity", format!("{h}\n{}\n", ROW.replacen("215", "Infinity", 1)).as_bytes());
}
