//! Special functions and intervals against published values.

use cohorte_core::stats::*;

fn close(a: f64, b: f64, tol: f64) {
    assert!((a - b).abs() <= tol, "{a} vs {b} (tolerance {tol})");
}

#[test]
fn agg_stats_gamma_closed_forms() {
    // P(1, x) = 1 - e^-x and P(1/2, x) = erf(sqrt(x)).
    for x in [0.01, 0.5, 1.0, 2.5, 10.0, 40.0] {
        close(gamma_p(1.0, x), 1.0 - libm::exp(-x), 1e-14);
        close(gamma_p(0.5, x), libm::erf(libm::sqrt(x)), 1e-14);
        close(gamma_p(3.0, x) + gamma_q(3.0, x), 1.0, 1e-14);
    }
    // P(n, x) = 1 - e^-x Σ_{k<n} x^k / k! for integer n.
    let x: f64 = 7.3;
    let mut term = 1.0;
    let mut s = 0.0;
    for k in 0..12 {
        s += term;
        term *= x / (k as f64 + 1.0);
    }
    close(gamma_q(12.0, x), libm::exp(-x) * s, 1e-13);
    assert_eq!(gamma_p(2.0, 0.0), 0.0);
    assert!(gamma_p(-1.0, 1.0).is_nan());
}

#[test]
fn agg_stats_chi_square_quantiles() {
    // Standard chi-square table values (e.g. Abramowitz & Stegun table 26.8).
    close(chi2_quantile(0.95, 1.0), 3.841459, 1e-6);
    close(chi2_quantile(0.95, 10.0), 18.307038, 1e-6);
    close(chi2_quantile(0.05, 2.0), 0.102587, 1e-6);
    close(chi2_quantile(0.975, 200.0), 241.057896, 1e-5);
    close(chi2_quantile(0.999, 3.0), 16.266236, 1e-5);
    // Round trip through the distribution function, including small shapes.
    for (p, df) in [
        (0.001, 0.5),
        (0.3, 1.5),
        (0.5, 7.0),
        (0.9999, 30.0),
        (1e-9, 4.0),
    ] {
        close(chi2_cdf(chi2_quantile(p, df), df), p, 1e-12);
    }
    close(normal_quantile(0.975), 1.959963984540054, 1e-13);
    close(normal_quantile(0.5), 0.0, 1e-15);
    close(normal_quantile(0.001), -3.090232306167813, 1e-12);
}

#[test]
fn agg_stats_exact_poisson_intervals() {
    // Exact (Garwood) 95 % limits as tabulated for the Poisson mean (e.g. Ulm 1990,
    // Am J Epidemiol 131:373; Rothman & Greenland table): 0, 1, 5, 10, 100 events.
    let published = [
        (0, 0.0, 3.6889),
        (1, 0.0253, 5.5716),
        (5, 1.6235, 11.6683),
        (10, 4.7954, 18.3904),
        (100, 81.3640, 121.6268),
    ];
    for (n, lo, hi) in published {
        let (l, h) = poisson_ci(n, 0.95);
        close(l, lo, 6e-5);
        close(h, hi, 6e-5);
    }
    // 90 % limits for 3 events: 0.8177, 7.7537 (same tables).
    let (l, h) = poisson_ci(3, 0.90);
    close(l, 0.8177, 6e-5);
    close(h, 7.7537, 6e-5);
}

#[test]
fn agg_stats_wilson_interval() {
    // 5 / 10 at 95 %: centre 0.5, half-width z sqrt(0.025 + z²/400) / (1 + z²/10) = 0.2634.
    let (l, h) = wilson_ci(5, 10, 0.95);
    close(l, 0.2366, 1e-4);
    close(h, 0.7634, 1e-4);
    // 0 / 20: lower 0, upper z² / (n + z²) = 3.8415 / 23.8415 = 0.1611.
    let (l, h) = wilson_ci(0, 20, 0.95);
    close(l, 0.0, 1e-12);
    close(h, 0.16113, 1e-5);
    assert!(wilson_ci(0, 0, 0.95).0.is_nan());
}

#[test]
fn agg_stats_smd_formulas() {
    // By hand: (50 - 45) / sqrt((10² + 12²) / 2) = 5 / sqrt(122) = 0.452679.
    close(
        smd_continuous(50.0, 10.0, 45.0, 12.0),
        5.0 / 122f64.sqrt(),
        1e-12,
    );
    // (0.3 - 0.2) / sqrt((0.21 + 0.16) / 2) = 0.1 / sqrt(0.185) = 0.232495.
    close(smd_proportion(0.3, 0.2), 0.232495, 1e-6);
    assert_eq!(smd_proportion(0.0, 0.0), 0.0);
    let (m, s) = mean_sd(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap();
    close(m, 5.0, 1e-12);
    close(s, (32.0f64 / 7.0).sqrt(), 1e-12);
    assert_eq!(median(&[3.0, 1.0, 2.0, 10.0]), Some(2.5));
}
