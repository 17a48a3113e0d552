//! Writes a benchmark penalty file: `cargo run --release -p xyjt-import --example gen_penalties -- ROWS OUT.csv`.
//! Rows are valid (identifiers with correct check characters), decided in 2025, spread over
//! 50,000 legal persons and 20,000 natural persons, every 文书号 unique. Deterministic.

use std::io::{BufWriter, Write};
use xyjt_core::ident::{citizen_id_check_char, org_code_check_char, uscc_check_char};

const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

fn uscc(n: u64, prefix: &str) -> String {
    // A deterministic organisation-code body from n, over the USCC alphabet.
    let mut body = String::new();
    let mut x = n.wrapping_mul(2654435761) ^ 0x5bd1e995;
    for _ in 0..8 {
        body.push(ALPHABET[(x % 31) as usize] as char);
        x /= 31;
    }
    let c9 = org_code_check_char(&body).unwrap_or('0');
    let c9 = if ALPHABET.contains(&(c9 as u8)) {
        c9
    } else {
        '0'
    };
    let first17 = format!("{prefix}990100{body}{c9}");
    format!("{first17}{}", uscc_check_char(&first17).unwrap())
}

fn citizen_id(n: u64) -> String {
    let day = 1 + n % 28;
    let month = 1 + (n / 28) % 12;
    let first17 = format!("990102{}{month:02}{day:02}{:03}", 1960 + (n % 40), n % 1000);
    format!("{first17}{}", citizen_id_check_char(&first17).unwrap())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rows: u64 = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let out = args
        .get(2)
        .cloned()
        .unwrap_or_else(|| "penalties.csv".into());
    let mut w =
        BufWriter::with_capacity(1 << 20, std::fs::File::create(&out).expect("create output"));
    let authority = uscc(7, "12");
    writeln!(w, "CF_XDR_MC,CF_XDR_LB,CF_XDR_SHXYM,CF_FRDB,CF_FR_ZJLX,CF_FR_ZJHM,CF_XDR_ZJLX,CF_XDR_ZJHM,CF_WSH,CF_WFXW,CF_SY,CF_YJ,CF_CFLB,CF_NR,CF_NR_FK,CF_JDRQ,CF_YXQ,CF_CFJG,CF_CFJGDM,CF_SJLY,CF_SJLYDM,BZ").unwrap();
    for i in 0..rows {
        let day = 1 + (i % 300) as u32;
        let date = chrono::NaiveDate::from_yo_opt(2025, day).unwrap();
        let until = date + chrono::Duration::days(365);
        let doc = format!("示交执罚〔2025〕{i}号");
        if i % 5 == 4 {
            let p = i % 20_000;
            writeln!(w, "演示人员{p},自然人,,,,,身份证,{},{doc},客运车辆超员,客运车辆载客超过核定人数,《道路旅客运输及客运站管理规定》第一百零二条,罚款,罚款人民币2000元,0.2,{date},{until},示范市交通运输综合行政执法支队,{authority},示范市交通运输综合行政执法支队,{authority},", citizen_id(p)).unwrap();
        } else {
            let c = i % 50_000;
            writeln!(w, "示范市演示{c}号货运有限公司,法人及非法人组织,{},张三,身份证,{},,,{doc},超限超载运输,车辆在示范市境内公路超限运输，经检测车货总质量超过限定标准,《公路安全保护条例》第六十四条,罚款,罚款人民币5000元,0.5,{date},{until},示范市交通运输综合行政执法支队,{authority},示范市交通运输综合行政执法支队,{authority},", uscc(c, "91"), citizen_id(c)).unwrap();
        }
    }
    w.flush().unwrap();
}
