//! Screening benchmark with a labelled evaluation set.
//!
//! ```sh
//! cargo run --release -p xyjt-match --example screen_bench -- \
//!     --entries 1000000 --queries 2000 --seed 2 --threshold 0.60 --out /tmp/screen
//! ```
//!
//! 1. Generates `--entries` fictional listed subjects (deterministic for `--seed`): companies
//!    composed of a region prefix (or a region in brackets, or none), a trade name from a pool of
//!    common 字号 characters, an industry word and a legal form; individual businesses
//!    (…厂/店/经营部/中心/站); persons (surname + given name). Valid USCCs and citizen ID numbers
//!    for most. Full names are unique; trade names never start with a region name (as the
//!    naming rules require).
//! 2. Generates a labelled query set: 70 % true variants of a listed entry (traditional
//!    characters, full-width, spaces, brackets, legal-form swaps 有限公司↔有限责任公司,
//!    公司↔集团, legal form dropped, region removed / added / shortened / moved into brackets,
//!    one-character typo in the core; each variant makes one structural change, plus cosmetic
//!    ones), 30 % names that resemble a listed entry but are not
//!    listed (other trade name, other industry, same name in another region, a person's given
//!    name changed, trade name one character off with another industry). A variant that is
//!    ambiguous by construction (another listed entry has the same core and a compatible
//!    region) is drawn again; the number of re-draws is reported. A small share of true variants
//!    of kind `stress_typo_region_removed` makes two structural changes (a typo and the region
//!    removed): they are reported in the per-kind table but left out of the headline metrics.
//! 3. Writes `listed.csv` and `queries.csv` to `--out` (for `scripts/bench/rapidfuzz_screen.py`),
//!    and after screening `xyjt_results.csv` (top hit and the true entry's score per query, at
//!    min_score 0.30) so that the script can report xyjt on the same query subset.
//! 4. Builds the index (timed, RSS measured), screens every query single-threaded (timed) and
//!    reports recall and precision at `--threshold`, per variant kind, and a threshold sweep.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::time::Instant;
use xyjt_core::ident::{citizen_id_check_char, org_code_check_char, uscc_check_char};
use xyjt_match::region::{self, Region};
use xyjt_match::{IndexConfig, ListEntry, MatchIndex, analyze};

mod names;
mod variants;

use names::*;
use variants::*;

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

struct Args {
    entries: usize,
    queries: usize,
    seed: u64,
    threshold: f64,
    out: String,
    limit: usize,
    /// Screen the query set this many times (for profiling); the last run is reported.
    repeat: usize,
    /// Candidates scored exactly per query (`IndexConfig::candidates`).
    candidates: Option<usize>,
    /// Only build the index from `--out`/listed.csv (streamed) and report time and memory.
    build_only: bool,
}

fn parse_args() -> Args {
    let mut args = Args {
        entries: 1_000_000,
        queries: 2_000,
        seed: 2,
        threshold: 0.60,
        out: "/tmp/screen".into(),
        limit: 10,
        repeat: 1,
        candidates: None,
        build_only: false,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
        let value = argv.get(i + 1).cloned().unwrap_or_default();
        match argv[i].as_str() {
            "--entries" => args.entries = value.parse().expect("--entries N"),
            "--queries" => args.queries = value.parse().expect("--queries N"),
            "--seed" => args.seed = value.parse().expect("--seed N"),
            "--threshold" => args.threshold = value.parse().expect("--threshold X"),
            "--out" => args.out = value,
            "--limit" => args.limit = value.parse().expect("--limit N"),
            "--repeat" => args.repeat = value.parse().expect("--repeat N"),
            "--candidates" => args.candidates = Some(value.parse().expect("--candidates N")),
            "--build-only" => {
                args.build_only = true;
                i += 1;
                continue;
            }
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    args
}

fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let up = row[j + 1];
            row[j + 1] = (diag + usize::from(ca != cb)).min(row[j] + 1).min(up + 1);
            diag = up;
        }
    }
    row[b.len()]
}

/// (VmRSS, VmHWM) in MiB from /proc/self/status.
fn memory_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Time this thread has spent on a CPU (ns), from /proc/thread-self/schedstat: robust against
/// other processes competing for the cores, unlike wall time.
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// The 1-minute load average.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_default()
}

struct Query {
    id: String,
    name: String,
    label: Option<String>,
    kind: String,
    tags: String,
}

/// Builds the index straight from listed.csv, so that the process holds nothing else.
fn build_only(args: &Args) {
    let (rss0, _) = memory_mib();
    let t = Instant::now();
    let mut reader =
        csv::Reader::from_path(format!("{}/listed.csv", args.out)).expect("listed.csv");
    let entries = reader.records().map(|r| {
        let r = r.expect("listed.csv record");
        ListEntry {
            entry_id: r[0].to_owned(),
            list: r[1].to_owned(),
            name: r[2].to_owned(),
            code: Some(r[3].to_owned()).filter(|c| !c.is_empty()),
        }
    });
    let index = MatchIndex::build(entries);
    let build_s = t.elapsed().as_secs_f64();
    let (rss1, hwm) = memory_mib();
    println!(
        "built index of {} entries from {}/listed.csv (streamed) in {:.1} s; RSS {:.0} MiB before, {:.0} MiB after (index ≈ {:.0} MiB), peak {:.0} MiB; load average {}",
        index.len(),
        args.out,
        build_s,
        rss0,
        rss1,
        rss1 - rss0,
        hwm,
        load_average()
    );
}

fn main() {
    let args = parse_args();
    if args.build_only {
        build_only(&args);
        return;
    }
    let pools = Pools::new();
    let mut rng = Rng(args.seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0xC0FFEE);
    std::fs::create_dir_all(&args.out).expect("create --out directory");
    println!(
        "# screen_bench: {} entries, {} queries, seed {}, threshold {:.2}",
        args.entries, args.queries, args.seed, args.threshold
    );
    println!(
        "pools: {} trade characters, {} industries, {} regions ({} provinces, {} localities), {} surnames, {} given-name characters",
        pools.trade.len(),
        INDUSTRIES.len(),
        Region::count(),
        pools.provinces.len(),
        pools.cities.len(),
        pools.surnames.len(),
        pools.given.len()
    );

    // 1. Listed entries.
    let t = Instant::now();
    let mut subjects: Vec<Subject> = Vec::with_capacity(args.entries);
    let mut entries: Vec<ListEntry> = Vec::with_capacity(args.entries);
    let mut seen: HashSet<String> = HashSet::with_capacity(args.entries);
    let mut by_core: HashMap<String, Vec<u32>> = HashMap::with_capacity(args.entries);
    let mut regions_of: Vec<Option<Region>> = Vec::with_capacity(args.entries);
    while entries.len() < args.entries {
        let n = entries.len() as u64;
        let (subject, name, code) = if rng.chance(15) {
            let name = pools.person(&mut rng);
            let code = rng.chance(80).then(|| citizen_id(n));
            (Subject::Person(name.clone()), name, code)
        } else {
            let c = pools.company(&mut rng);
            let name = c.compose();
            let prefix = if c.form.ends_with("公司") {
                "91"
            } else {
                "92"
            };
            let code = rng.chance(85).then(|| uscc(n, prefix));
            (Subject::Company(c), name, code)
        };
        let a = analyze(&name);
        if !seen.insert(a.normalized.clone()) {
            continue;
        }
        by_core.entry(a.core).or_default().push(n as u32);
        regions_of.push(a.region);
        subjects.push(subject);
        entries.push(ListEntry {
            entry_id: format!("E{n:07}"),
            list: rng.weighted(LISTS).to_string(),
            name,
            code,
        });
    }
    println!(
        "generated {} listed entries in {:.1} s",
        entries.len(),
        t.elapsed().as_secs_f64()
    );

    // 2. Queries.
    let mut queries: Vec<Query> = Vec::with_capacity(args.queries);
    let mut redrawn = 0usize;
    let positives = args.queries * 7 / 10;
    while queries.len() < args.queries {
        let positive = queries.len() < positives;
        let target = rng.below(entries.len());
        let mut tags: Vec<&'static str> = Vec::new();
        let (name, kind) = match (&subjects[target], positive) {
            (Subject::Company(c), true) => match company_variant(c, &pools, &mut rng) {
                Some((v, kind)) => (cosmetic(&v.compose(), &mut rng, false, &mut tags), kind),
                None => continue,
            },
            (Subject::Person(p), true) => {
                // Person names: spelling variants only (a changed character is another person).
                (cosmetic(p, &mut rng, true, &mut tags), "person_cosmetic")
            }
            (Subject::Company(c), false) => match company_negative(c, &pools, &mut rng) {
                Some((v, kind)) => (cosmetic(&v.compose(), &mut rng, false, &mut tags), kind),
                None => continue,
            },
            (Subject::Person(p), false) => {
                let mut chars: Vec<char> = p.chars().collect();
                let last = chars.len() - 1;
                chars[last] = *rng.pick(&pools.given);
                let name: String = chars.into_iter().collect();
                (
                    cosmetic(&name, &mut rng, true, &mut tags),
                    "neg_person_other_given",
                )
            }
        };
        // Reject ambiguous or accidentally listed variants.
        let a = analyze(&name);
        let same_core: &[u32] = by_core.get(&a.core).map_or(&[], Vec::as_slice);
        let ambiguous = same_core.iter().any(|&n| {
            let compatible = match (a.region, regions_of[n as usize]) {
                (Some(x), Some(y)) => x.is_compatible(y),
                _ => true,
            };
            compatible && (!positive || n as usize != target)
        });
        if ambiguous || (!positive && seen.contains(&a.normalized)) {
            redrawn += 1;
            continue;
        }
        if positive && tags.is_empty() && kind == "cosmetic_only" {
            // A cosmetic-only variant with no cosmetic change is the listed name itself.
            tags.push("verbatim");
        }
        queries.push(Query {
            id: format!("Q{:05}", queries.len()),
            name,
            label: positive.then(|| entries[target].entry_id.clone()),
            kind: kind.to_owned(),
            tags: tags.join("+"),
        });
    }
    drop(by_core);
    drop(regions_of);
    drop(subjects);
    let stress = queries
        .iter()
        .filter(|q| q.kind.starts_with("stress_"))
        .count();
    println!(
        "generated {} queries ({} true variants, of which {} two-change stress variants left out of the headline metrics; {} resembling non-listed), {} ambiguous draws re-drawn",
        queries.len(),
        positives,
        stress,
        queries.len() - positives,
        redrawn
    );

    // 3. CSV files.
    let t = Instant::now();
    {
        let mut w = csv::Writer::from_path(format!("{}/listed.csv", args.out)).expect("listed.csv");
        w.write_record(["entry_id", "list", "name", "code", "norm"])
            .unwrap();
        for e in &entries {
            let norm = xyjt_match::normalize::normalize_text(&e.name);
            w.write_record([
                e.entry_id.as_str(),
                e.list.as_str(),
                e.name.as_str(),
                e.code.as_deref().unwrap_or(""),
                norm.as_str(),
            ])
            .unwrap();
        }
        w.flush().unwrap();
        let mut w =
            csv::Writer::from_path(format!("{}/queries.csv", args.out)).expect("queries.csv");
        w.write_record(["query_id", "name", "label_entry_id", "kind", "tags", "norm"])
            .unwrap();
        for q in &queries {
            let norm = xyjt_match::normalize::normalize_text(&q.name);
            w.write_record([
                q.id.as_str(),
                q.name.as_str(),
                q.label.as_deref().unwrap_or(""),
                q.kind.as_str(),
                q.tags.as_str(),
                norm.as_str(),
            ])
            .unwrap();
        }
        w.flush().unwrap();
    }
    println!(
        "wrote {0}/listed.csv and {0}/queries.csv in {1:.1} s",
        args.out,
        t.elapsed().as_secs_f64()
    );

    // 4. Index.
    let (rss_before, _) = memory_mib();
    let t = Instant::now();
    let mut index = MatchIndex::build(entries);
    let build_s = t.elapsed().as_secs_f64();
    if let Some(k) = args.candidates {
        index.set_config(IndexConfig {
            candidates: k,
            ..index.config()
        });
    }
    let (rss_after, hwm) = memory_mib();
    println!(
        "built index of {} entries ({} distinct name features) in {:.1} s; RSS {:.0} MiB → {:.0} MiB (index ≈ {:.0} MiB), peak RSS {:.0} MiB",
        index.len(),
        index.feature_count(),
        build_s,
        rss_before,
        rss_after,
        rss_after - rss_before,
        hwm
    );

    // 5. Screening, single thread. First as a screening service would call it (hits at or
    //    above the threshold, at most `limit`), then with a low floor for the sweep.
    let floor = 0.30;
    let _warm = index.screen(Some(&queries[0].name), None, args.limit, floor);
    for _ in 1..args.repeat {
        for q in &queries {
            std::hint::black_box(index.screen(Some(&q.name), None, args.limit, args.threshold));
        }
    }
    let t = Instant::now();
    let cpu = thread_cpu_ns();
    let mut reported = 0usize;
    for q in &queries {
        reported += index
            .screen(Some(&q.name), None, args.limit, args.threshold)
            .len();
    }
    let screen_s = t.elapsed().as_secs_f64();
    let cpu_s = (thread_cpu_ns() - cpu) as f64 / 1e9;
    println!(
        "screened {} names in {:.3} s wall, {:.3} s on CPU, single-threaded: {:.0} names/s wall, {:.0} names/s on CPU ({:.0} µs per name on CPU); min_score {:.2}, limit {}, {} hits with explanations; load average {}",
        queries.len(),
        screen_s,
        cpu_s,
        queries.len() as f64 / screen_s,
        queries.len() as f64 / cpu_s,
        cpu_s * 1e6 / queries.len() as f64,
        args.threshold,
        args.limit,
        reported,
        load_average()
    );
    let t = Instant::now();
    let results: Vec<Vec<(String, f64)>> = queries
        .iter()
        .map(|q| {
            index
                .screen(Some(&q.name), None, args.limit, floor)
                .into_iter()
                .map(|h| (h.entry_id, h.score))
                .collect()
        })
        .collect();
    let floor_s = t.elapsed().as_secs_f64();
    println!(
        "screened {} names in {:.3} s single-threaded: {:.0} names/s ({:.0} µs per name); min_score {floor:.2}, limit {} (used for the sweep below)",
        queries.len(),
        floor_s,
        queries.len() as f64 / floor_s,
        floor_s * 1e6 / queries.len() as f64,
        args.limit
    );

    // The same screening on both cores.
    let batch: Vec<(Option<&str>, Option<&str>)> = queries
        .iter()
        .map(|q| (Some(q.name.as_str()), None))
        .collect();
    let t = Instant::now();
    let batch_hits = index.screen_batch(&batch, args.limit, args.threshold, 2);
    let batch_s = t.elapsed().as_secs_f64();
    println!(
        "screen_batch with 2 threads: {} names in {:.3} s wall: {:.0} names/s ({} hits)",
        queries.len(),
        batch_s,
        queries.len() as f64 / batch_s,
        batch_hits.iter().map(Vec::len).sum::<usize>()
    );

    // Updates: remove and re-insert a sample of entries.
    let sample: Vec<String> = (0..10_000usize)
        .map(|i| format!("E{:07}", (i * 7919) % index.len()))
        .collect();
    let t = Instant::now();
    let removed: Vec<ListEntry> = sample.iter().filter_map(|id| index.remove(id)).collect();
    let remove_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let count = removed.len();
    for e in removed {
        index.insert(e);
    }
    let insert_s = t.elapsed().as_secs_f64();
    println!(
        "updates: removed {count} entries in {remove_s:.3} s ({:.1} µs each), re-inserted them in {insert_s:.3} s ({:.1} µs each)",
        remove_s * 1e6 / count as f64,
        insert_s * 1e6 / count as f64
    );

    // Per-query results, so that the rapidfuzz script can report xyjt on the same subset.
    {
        let mut w = csv::Writer::from_path(format!("{}/xyjt_results.csv", args.out))
            .expect("xyjt_results.csv");
        w.write_record([
            "query_id",
            "kind",
            "label_entry_id",
            "top_entry_id",
            "top_score",
            "label_score",
        ])
        .unwrap();
        for (q, hits) in queries.iter().zip(&results) {
            let label_score = hits
                .iter()
                .find(|h| Some(h.0.as_str()) == q.label.as_deref())
                .map_or(String::new(), |h| format!("{:.6}", h.1));
            w.write_record([
                q.id.as_str(),
                q.kind.as_str(),
                q.label.as_deref().unwrap_or(""),
                hits.first().map_or("", |h| h.0.as_str()),
                &hits
                    .first()
                    .map_or(String::new(), |h| format!("{:.6}", h.1)),
                &label_score,
            ])
            .unwrap();
        }
        w.flush().unwrap();
    }

    // 6. Metrics.
    let metrics = |threshold: f64| {
        let (mut pos, mut found_top, mut found_any) = (0usize, 0usize, 0usize);
        let (mut top_reported, mut top_correct) = (0usize, 0usize);
        let (mut hits_reported, mut hits_correct) = (0usize, 0usize);
        let (mut neg, mut neg_flagged) = (0usize, 0usize);
        for (q, hits) in queries.iter().zip(&results) {
            if q.kind.starts_with("stress_") {
                continue;
            }
            let above: Vec<&(String, f64)> = hits.iter().filter(|h| h.1 >= threshold).collect();
            let correct = |h: &(String, f64)| q.label.as_deref() == Some(h.0.as_str());
            if q.label.is_some() {
                pos += 1;
                if above.first().is_some_and(|h| correct(h)) {
                    found_top += 1;
                }
                if above.iter().any(|h| correct(h)) {
                    found_any += 1;
                }
            } else {
                neg += 1;
                if !above.is_empty() {
                    neg_flagged += 1;
                }
            }
            if let Some(h) = above.first() {
                top_reported += 1;
                top_correct += usize::from(correct(h));
            }
            hits_reported += above.len();
            hits_correct += above.iter().filter(|h| correct(h)).count();
        }
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        (
            ratio(found_top, pos),
            ratio(found_any, pos),
            ratio(top_correct, top_reported),
            ratio(hits_correct, hits_reported),
            ratio(neg_flagged, neg),
        )
    };
    let (recall, recall_any, precision_top, precision_all, neg_rate) = metrics(args.threshold);
    println!();
    println!("## At threshold {:.2}", args.threshold);
    println!("recall (true entry is the rank-1 hit, score ≥ threshold): {recall:.4}");
    println!(
        "recall (true entry among the hits ≥ threshold, limit {}): {recall_any:.4}",
        args.limit
    );
    println!("precision (rank-1 hits ≥ threshold that are the true entry): {precision_top:.4}");
    println!("precision (all hits ≥ threshold that are the true entry): {precision_all:.4}");
    println!("non-listed queries with any hit ≥ threshold: {neg_rate:.4}");

    // Why resembling names are flagged: how far is the top hit's core from the query's?
    let (mut flagged, mut one_edit) = (0usize, 0usize);
    for (q, hits) in queries.iter().zip(&results) {
        if q.label.is_some() {
            continue;
        }
        let Some(top) = hits.first().filter(|h| h.1 >= args.threshold) else {
            continue;
        };
        flagged += 1;
        let listed = index.get(&top.0).map(|e| e.name).unwrap_or_default();
        let (a, b) = (analyze(&q.name), analyze(&listed));
        let (ac, bc): (Vec<char>, Vec<char>) = (a.core.chars().collect(), b.core.chars().collect());
        if edit_distance(&ac, &bc) <= 1 {
            one_edit += 1;
        }
    }
    println!(
        "flagged non-listed queries whose top hit's core is at most one character edit from the query's core: {one_edit} of {flagged}"
    );

    println!();
    println!("## Per query kind (rank-1 correct / any hit ≥ threshold)");
    println!("| kind | queries | rank-1 correct | flagged (any hit ≥ T) |");
    println!("|---|---|---|---|");
    let mut kinds: Vec<&str> = queries.iter().map(|q| q.kind.as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    for kind in kinds {
        let (mut n, mut top, mut flagged) = (0, 0, 0);
        for (q, hits) in queries.iter().zip(&results) {
            if q.kind != kind {
                continue;
            }
            n += 1;
            let above: Vec<_> = hits.iter().filter(|h| h.1 >= args.threshold).collect();
            if above
                .first()
                .is_some_and(|h| q.label.as_deref() == Some(h.0.as_str()))
            {
                top += 1;
            }
            if !above.is_empty() {
                flagged += 1;
            }
        }
        println!("| {kind} | {n} | {top} | {flagged} |");
    }

    println!();
    println!(
        "## Score distribution per kind (true entry's score for variants, top score otherwise)"
    );
    println!("| kind | min | p5 | p25 | median | p75 | max |");
    println!("|---|---|---|---|---|---|---|");
    let mut kinds: Vec<&str> = queries.iter().map(|q| q.kind.as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    for kind in kinds {
        let mut scores: Vec<f64> = queries
            .iter()
            .zip(&results)
            .filter(|(q, _)| q.kind == kind)
            .map(|(q, hits)| match &q.label {
                Some(l) => hits.iter().find(|h| &h.0 == l).map_or(0.0, |h| h.1),
                None => hits.first().map_or(0.0, |h| h.1),
            })
            .collect();
        scores.sort_by(f64::total_cmp);
        let at = |p: f64| scores[((scores.len() - 1) as f64 * p).round() as usize];
        println!(
            "| {kind} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} |",
            at(0.0),
            at(0.05),
            at(0.25),
            at(0.5),
            at(0.75),
            at(1.0)
        );
    }

    println!();
    println!("## Threshold sweep");
    println!(
        "| threshold | recall@1 | recall@limit | precision@1 | precision (all hits) | non-listed flagged |"
    );
    println!("|---|---|---|---|---|---|");
    let mut best: Option<f64> = None;
    for step in 0..=50 {
        let t = 0.40 + 0.01 * f64::from(step);
        let (r, ra, p, pa, nr) = metrics(t);
        if r >= 0.98 {
            best = Some(t);
        }
        if step % 5 == 0 || (0.50..=0.70).contains(&t) {
            println!("| {t:.2} | {r:.4} | {ra:.4} | {p:.4} | {pa:.4} | {nr:.4} |");
        }
    }
    match best {
        Some(t) => {
            let (r, _, p, _, nr) = metrics(t);
            println!(
                "highest threshold with recall@1 ≥ 0.98: {t:.2} (recall {r:.4}, precision@1 {p:.4}, non-listed flagged {nr:.4})"
            );
        }
        None => println!("no threshold reaches recall@1 ≥ 0.98"),
    }

    // A few misses, for inspection.
    let mut misses = 0;
    let mut report = std::io::stdout().lock();
    writeln!(report).unwrap();
    writeln!(
        report,
        "## Sample misses at threshold {:.2}",
        args.threshold
    )
    .unwrap();
    for (q, hits) in queries.iter().zip(&results) {
        let top = hits.first().filter(|h| h.1 >= args.threshold);
        let wrong = match &q.label {
            Some(l) => top.is_none_or(|h| &h.0 != l),
            None => top.is_some(),
        };
        if wrong && misses < 25 {
            misses += 1;
            let label_name = q
                .label
                .as_deref()
                .and_then(|l| index.get(l))
                .map(|e| e.name)
                .unwrap_or_default();
            let top_name = hits
                .first()
                .and_then(|h| index.get(&h.0))
                .map(|e| e.name)
                .unwrap_or_default();
            let label_score = hits
                .iter()
                .find(|h| Some(h.0.as_str()) == q.label.as_deref())
                .map(|h| h.1);
            writeln!(
                report,
                "- [{}] {:?} → label {:?} (score {:?}); top {:?} ({:.3})",
                q.kind,
                q.name,
                label_name,
                label_score,
                top_name,
                hits.first().map_or(0.0, |h| h.1)
            )
            .unwrap();
        }
    }
}
