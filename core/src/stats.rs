//! Special functions and confidence intervals used by the aggregates.
//!
//! Everything goes through `+ - * / sqrt` and the `libm` crate (never `f64::ln`/`exp`, whose
//! results differ across platforms), so the browser and Python print the same digits.
//!
//! - [`gamma_p`] / [`gamma_q`]: regularised incomplete gamma functions, by the series
//!   (x < a + 1) and Lentz's continued fraction (otherwise), as in *Numerical Recipes* §6.2.
//! - [`gamma_p_inv`]: its inverse in `x`, by Halley's method from the Wilson–Hilferty start
//!   (*Numerical Recipes* 3rd ed. §6.2.1), polished to full double precision.
//! - [`chi2_quantile`]: `2 * gamma_p_inv(df / 2, p)`.
//! - [`poisson_ci`]: the exact (Garwood 1936) interval, `[chi2(α/2, 2n) / 2, chi2(1-α/2, 2n+2) / 2]`.
//! - [`wilson_ci`]: the Wilson score interval for a proportion.

/// Relative precision targeted by the iterative routines.
const EPS: f64 = 1e-15;
/// Smallest positive number used to avoid divisions by zero in Lentz's algorithm.
const FPMIN: f64 = 1e-300;

/// Natural log of the gamma function (x > 0).
pub fn ln_gamma(x: f64) -> f64 {
    libm::lgamma(x)
}

/// Regularised lower incomplete gamma function `P(a, x)` (a > 0, x ≥ 0). NaN outside the domain.
pub fn gamma_p(a: f64, x: f64) -> f64 {
    if a.is_nan() || a <= 0.0 || x.is_nan() || x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return 0.0;
    }
    if x.is_infinite() {
        return 1.0;
    }
    if x < a + 1.0 {
        gamma_series(a, x)
    } else {
        1.0 - gamma_cf(a, x)
    }
}

/// Regularised upper incomplete gamma function `Q(a, x) = 1 - P(a, x)`.
pub fn gamma_q(a: f64, x: f64) -> f64 {
    if a.is_nan() || a <= 0.0 || x.is_nan() || x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return 1.0;
    }
    if x.is_infinite() {
        return 0.0;
    }
    if x < a + 1.0 {
        1.0 - gamma_series(a, x)
    } else {
        gamma_cf(a, x)
    }
}

fn prefactor(a: f64, x: f64) -> f64 {
    libm::exp(-x + a * libm::log(x) - ln_gamma(a))
}

fn gamma_series(a: f64, x: f64) -> f64 {
    let mut ap = a;
    let mut del = 1.0 / a;
    let mut sum = del;
    for _ in 0..100_000 {
        ap += 1.0;
        del *= x / ap;
        sum += del;
        if del.abs() < sum.abs() * EPS {
            break;
        }
    }
    sum * prefactor(a, x)
}

fn gamma_cf(a: f64, x: f64) -> f64 {
    let mut b = x + 1.0 - a;
    let mut c = 1.0 / FPMIN;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..100_000 {
        let an = -(i as f64) * (i as f64 - a);
        b += 2.0;
        d = an * d + b;
        if d.abs() < FPMIN {
            d = FPMIN;
        }
        c = b + an / c;
        if c.abs() < FPMIN {
            c = FPMIN;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < EPS {
            break;
        }
    }
    prefactor(a, x) * h
}

/// Inverse of [`gamma_p`] in `x`: the `x` with `P(a, x) = p` (a > 0, 0 ≤ p ≤ 1).
/// Returns 0 for p = 0, infinity for p = 1, NaN outside the domain.
pub fn gamma_p_inv(a: f64, p: f64) -> f64 {
    if a.is_nan() || a <= 0.0 || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return 0.0;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    let a1 = a - 1.0;
    let gln = ln_gamma(a);
    let (lna1, afac) = if a > 1.0 {
        let lna1 = libm::log(a1);
        (lna1, libm::exp(a1 * (lna1 - 1.0) - gln))
    } else {
        (0.0, 0.0)
    };
    // Starting point: Wilson–Hilferty for a > 1, a power/exponential tail otherwise.
    let mut x = if a > 1.0 {
        let pp = if p < 0.5 { p } else { 1.0 - p };
        let t = (-2.0 * libm::log(pp)).sqrt();
        let mut z = (2.30753 + t * 0.27061) / (1.0 + t * (0.99229 + t * 0.04481)) - t;
        if p < 0.5 {
            z = -z;
        }
        let w = 1.0 - 1.0 / (9.0 * a) - z / (3.0 * a.sqrt());
        (a * w * w * w).max(1e-3)
    } else {
        let t = 1.0 - a * (0.253 + a * 0.12);
        if p < t {
            libm::pow(p / t, 1.0 / a)
        } else {
            1.0 - libm::log(1.0 - (p - t) / (1.0 - t))
        }
    };
    for _ in 0..200 {
        if x <= 0.0 {
            return 0.0;
        }
        // Work on the smaller tail so that p close to 1 keeps its precision.
        let err = if p < 0.5 {
            gamma_p(a, x) - p
        } else {
            (1.0 - p) - gamma_q(a, x)
        };
        let dens = if a > 1.0 {
            afac * libm::exp(-(x - a1) + a1 * (libm::log(x) - lna1))
        } else {
            libm::exp(-x + a1 * libm::log(x) - gln)
        };
        if dens == 0.0 || !dens.is_finite() {
            break;
        }
        let u = err / dens;
        let t = u / (1.0 - 0.5 * (u * (a1 / x - 1.0)).min(1.0));
        x -= t;
        if x <= 0.0 {
            x = 0.5 * (x + t);
        }
        if t.abs() < 1e-14 * x {
            break;
        }
    }
    x
}

/// Quantile of the chi-square distribution with `df` degrees of freedom.
pub fn chi2_quantile(p: f64, df: f64) -> f64 {
    2.0 * gamma_p_inv(df / 2.0, p)
}

/// Cumulative distribution of the chi-square distribution with `df` degrees of freedom.
pub fn chi2_cdf(x: f64, df: f64) -> f64 {
    gamma_p(df / 2.0, x / 2.0)
}

/// Standard normal cumulative distribution function.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / core::f64::consts::SQRT_2)
}

/// Standard normal quantile (0 < p < 1): Acklam's rational approximation refined by one Halley
/// step on [`normal_cdf`], accurate to about 1e-15.
pub fn normal_quantile(p: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let plow = 0.02425;
    let x = if p < plow {
        let q = (-2.0 * libm::log(p)).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - plow {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * libm::log(1.0 - p)).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    let e = normal_cdf(x) - p;
    let u = e * (2.0 * core::f64::consts::PI).sqrt() * libm::exp(x * x / 2.0);
    x - u / (1.0 + x * u / 2.0)
}

/// Exact (Garwood) confidence interval for a Poisson count `n` at confidence `level` (e.g. 0.95):
/// `(lower, upper)` bounds on the expected count. Divide by person-time for a rate.
pub fn poisson_ci(n: u64, level: f64) -> (f64, f64) {
    let alpha = 1.0 - level;
    let lower = if n == 0 {
        0.0
    } else {
        gamma_p_inv(n as f64, alpha / 2.0)
    };
    let upper = gamma_p_inv(n as f64 + 1.0, 1.0 - alpha / 2.0);
    (lower, upper)
}

/// Wilson score interval for `x` successes out of `n` at confidence `level`; `(NaN, NaN)` when
/// `n` is 0.
pub fn wilson_ci(x: u64, n: u64, level: f64) -> (f64, f64) {
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let z = normal_quantile(1.0 - (1.0 - level) / 2.0);
    let n = n as f64;
    let p = x as f64 / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    ((center - half).max(0.0), (center + half).min(1.0))
}

/// Mean and sample standard deviation (n - 1 denominator); `None` when empty (sd is NaN for one
/// value).
pub fn mean_sd(values: &[f64]) -> Option<(f64, f64)> {
    if values.is_empty() {
        return None;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let ss: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
    let sd = if values.len() > 1 {
        (ss / (n - 1.0)).sqrt()
    } else {
        f64::NAN
    };
    Some((mean, sd))
}

/// Median of values (average of the two middle values for an even count); `None` when empty.
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let m = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    })
}

/// Standardised mean difference of two means: `(m1 - m2) / sqrt((s1² + s2²) / 2)`
/// (Austin 2009); 0 when both variances are 0 and the means are equal, NaN when only the means
/// differ.
pub fn smd_continuous(m1: f64, s1: f64, m2: f64, s2: f64) -> f64 {
    let pooled = ((s1 * s1 + s2 * s2) / 2.0).sqrt();
    if pooled == 0.0 {
        return if m1 == m2 { 0.0 } else { f64::NAN };
    }
    (m1 - m2) / pooled
}

/// Standardised difference of two proportions: `(p1 - p2) / sqrt((p1(1-p1) + p2(1-p2)) / 2)`
/// (Austin 2009); 0 when both are 0 or both are 1, NaN when the denominator alone vanishes.
pub fn smd_proportion(p1: f64, p2: f64) -> f64 {
    let pooled = ((p1 * (1.0 - p1) + p2 * (1.0 - p2)) / 2.0).sqrt();
    if pooled == 0.0 {
        return if p1 == p2 { 0.0 } else { f64::NAN };
    }
    (p1 - p2) / pooled
}
