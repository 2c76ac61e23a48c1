//! Timing sides in alternation, for `examples/profile_*.rs`: steadier
//! than criterion on a busy machine, as a load that comes and goes hits
//! every side alike.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// A side: its name and one call, returning how many rows it read.
pub type Side<'a> = (&'static str, Box<dyn FnMut() -> usize + 'a>);

/// Each side's median time per call and its median ratio to the first side
/// (with the quartiles of the ratio), over `rounds` rounds in which every
/// side runs one batch, in an order that rotates.
pub fn ab(name: &str, mut sides: Vec<Side<'_>>, rounds: usize) {
    let batch = |f: &mut Box<dyn FnMut() -> usize + '_>, k: usize| {
        let start = Instant::now();
        for _ in 0..k {
            black_box(f());
        }
        start.elapsed()
    };
    for (_, f) in sides.iter_mut() {
        batch(f, 3); // warm up: statements prepared, caches filled
    }
    let mut k = 1;
    while batch(&mut sides[0].1, k) < Duration::from_millis(5) {
        k *= 2;
    }
    let n = sides.len();
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); n];
    for round in 0..rounds {
        for j in 0..n {
            let i = (round + j) % n;
            times[i].push(batch(&mut sides[i].1, k).as_secs_f64() / k as f64);
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[v.len() / 4], v[v.len() / 2], v[v.len() * 3 / 4])
    };
    let base = times[0].clone();
    print!("{name} ({rounds} rounds of {k} calls):");
    for (i, (side, _)) in sides.iter().enumerate() {
        let mut ratios: Vec<f64> = times[i].iter().zip(&base).map(|(t, b)| t / b).collect();
        let (_, t, _) = median(&mut times[i]);
        let (q1, r, q3) = median(&mut ratios);
        print!("  {side} {:.1} µs", t * 1e6);
        if i > 0 {
            print!(" ×{r:.3} [{q1:.3}, {q3:.3}]");
        }
    }
    println!();
}
