"""Reference values for Cairn's drift statistics (src/drift, docs/drift.md), from scipy and numpy.

Writes one JSON file of cases, each holding its inputs and what scipy (or a direct numpy formula, for PSI) says:

  distributions  scipy.stats.chi2.sf / isf and scipy.special.kolmogorov / kolmogi (Kolmogorov's limit)
  psi            numpy: sum over bins not empty on both sides of (q - p) * ln(q / p), an empty bin taken as half
                 an observation of its side (p = 0.5 / n); p-value chi2.sf(psi / (1/n + 1/m), k - 1)
  jensenShannon  scipy.spatial.distance.jensenshannon (natural log); p-value chi2.sf(8 js^2 / (1/n + 1/m), k - 1)
  chi2           the profile's categories and rest lined up with a live counter here (unseen live categories
                 join the rest), cells empty on both sides dropped, then scipy.stats.chi2_contingency
                 (correction=False)
  ksSamples      scipy.stats.ks_2samp(method='exact'), and for large samples its statistic with the p-value
                 scipy.special.kolmogorov(sqrt(nm/(n+m)) D)
  ksBinned       ks_2samp's statistic of the bins' midpoints repeated by their counts (D at the bin edges)
  wasserstein    scipy.stats.wasserstein_distance on samples, and on bin midpoints weighted by the counts

usage: python drift.py OUT.json   (regenerate: UPDATE_GOLDEN=1 npx vitest run tests/unit/drift/reference.test.ts)
"""
import json
import sys

import numpy as np
from scipy import special, stats
from scipy.spatial.distance import jensenshannon

ALPHA = 0.01


def floats(values):
    return [float(v) for v in values]


def ints(values):
    return [int(v) for v in values]


def profile_bins(values, bins):
    """Quantile edges and right-closed counts, as docs/contracts.md §4 (equal edges merged)."""
    edges = np.quantile(values, np.linspace(0, 1, bins + 1))
    merged = [edges[0]] + [e for prev, e in zip(edges[:-1], edges[1:]) if e != prev]
    if len(merged) == 1:
        merged.append(merged[0])
    return np.array(merged), live_counts(values, merged)


def live_counts(values, edges):
    """Counts on the bins of `edges`: bin 0 (-inf, e1], bin k (e_k, e_k+1], the last (e_n-1, +inf)."""
    interior = np.asarray(edges[1:-1])
    return np.bincount(np.searchsorted(interior, values, side="left"), minlength=len(edges) - 1)


def psi(b, l):
    b, l = np.asarray(b, float), np.asarray(l, float)
    n, m = b.sum(), l.sum()
    keep = (b > 0) | (l > 0)
    p = np.where(b == 0, 0.5, b)[keep] / n
    q = np.where(l == 0, 0.5, l)[keep] / m
    value = float(np.sum((q - p) * np.log(q / p)))
    df = int(keep.sum()) - 1
    scale = 1 / n + 1 / m
    return {"statistic": value, "degreesOfFreedom": df,
            "pValue": 1.0 if df == 0 else float(stats.chi2.sf(value / scale, df)),
            "criticalValue": None if df == 0 else float(stats.chi2.isf(ALPHA, df) * scale)}


def js(b, l):
    b, l = np.asarray(b, float), np.asarray(l, float)
    n, m = b.sum(), l.sum()
    value = float(jensenshannon(b, l))
    df = int(((b > 0) | (l > 0)).sum()) - 1
    scale = (1 / n + 1 / m) / 8
    return {"statistic": value, "degreesOfFreedom": df,
            "pValue": 1.0 if df == 0 else float(stats.chi2.sf(value * value / scale, df)),
            "criticalValue": None if df == 0 else float(np.sqrt(stats.chi2.isf(ALPHA, df) * scale))}


def chi2_categories(categories, other, live):
    labels = list(categories)
    base = [categories[c] for c in labels] + [other]
    cells = [live.get(c, 0) for c in labels] + [sum(v for k, v in live.items() if k not in categories)]
    keep = [i for i in range(len(base)) if base[i] + cells[i] > 0]
    if len(keep) < 2:
        return {"statistic": 0.0, "pValue": 1.0, "degreesOfFreedom": 0, "criticalValue": None}
    table = np.array([[base[i] for i in keep], [cells[i] for i in keep]], float)
    result = stats.chi2_contingency(table, correction=False)
    return {"statistic": float(result.statistic), "pValue": float(result.pvalue), "degreesOfFreedom": int(result.dof),
            "criticalValue": float(stats.chi2.isf(ALPHA, result.dof))}


def midpoints(edges):
    edges = np.asarray(edges)
    return (edges[:-1] + edges[1:]) / 2


def binned_case(name, edges, b, l):
    mid = midpoints(edges)
    n, m = int(np.sum(b)), int(np.sum(l))
    d = float(stats.ks_2samp(np.repeat(mid, b), np.repeat(mid, l)).statistic)
    en = n * m / (n + m)
    return {
        "name": name, "edges": floats(edges), "baseline": ints(b), "live": ints(l),
        "psi": psi(b, l), "jensenShannon": js(b, l),
        "ks": {"statistic": d, "pValue": float(special.kolmogorov(np.sqrt(en) * d)),
               "criticalValue": float(special.kolmogi(ALPHA) / np.sqrt(en))},
        "wasserstein": {"statistic": float(stats.wasserstein_distance(mid, mid, b, l))},
    }


def main(out):
    rng = np.random.default_rng(20261129)
    cases = {"alpha": ALPHA}

    cases["distributions"] = {
        "chi2": [{"x": x, "df": df, "sf": float(stats.chi2.sf(x, df))}
                 for df in (1, 2, 3, 9, 10, 99, 500) for x in (0.01, 0.5, 1.0, df * 0.5, df, df + 3 * np.sqrt(2 * df), 5 * df + 40)],
        "chi2Isf": [{"p": p, "df": df, "x": float(stats.chi2.isf(p, df))}
                    for df in (1, 2, 9, 99, 500) for p in (0.5, 0.05, 0.01, 0.001, 1e-6)],
        "kolmogorov": [{"x": x, "sf": float(special.kolmogorov(x))}
                       for x in (0.05, 0.2, 0.5, 0.8, 1.0, 1.1799, 1.18, 1.2245, 1.3581, 1.6276, 2.0, 3.0, 5.0)],
        "kolmogorovIsf": [{"p": p, "x": float(special.kolmogi(p))} for p in (0.5, 0.1, 0.05, 0.01, 0.001, 1e-9)],
    }

    # Numeric: a baseline profile of 20,000 normal values in 10 quantile bins, live windows against it
    base_values = rng.normal(0.5, 0.2, 20000)
    edges, base = profile_bins(base_values, 10)
    binned = [
        binned_case("same distribution, 500", edges, base, live_counts(rng.normal(0.5, 0.2, 500), edges)),
        binned_case("mean shifted by 0.25 sd, 1000", edges, base, live_counts(rng.normal(0.55, 0.2, 1000), edges)),
        binned_case("wider, 2000", edges, base, live_counts(rng.normal(0.5, 0.3, 2000), edges)),
        binned_case("small window with empty bins, 12", edges, base, live_counts(rng.normal(0.9, 0.1, 12), edges)),
        binned_case("proportional counts", edges, base, base // 10 * 10),
    ]
    ints_values = rng.poisson(3, 5000)
    iedges, ibase = profile_bins(ints_values, 10)  # few distinct values: merged edges
    binned.append(binned_case("integer column, merged edges", iedges, ibase, live_counts(rng.poisson(3.6, 800), iedges)))
    binned.append(binned_case("uneven bins, baseline bin empty", [0.0, 1.0, 2.0, 4.0, 8.0, 16.0], [50, 0, 30, 15, 5], [10, 3, 4, 1, 2]))
    cases["binned"] = binned

    # Categorical: a profile's categories and rest, live counters with __other__ and an unseen category
    categories = {"hcm": 27000, "hanoi": 21000, "danang": 4000, "hue": 900}
    categorical = [
        {"name": "same shares", "live": {"hcm": 270, "hanoi": 210, "danang": 40, "hue": 9, "__other__": 12}},
        {"name": "hanoi grows, an unseen city", "live": {"hcm": 250, "hanoi": 300, "danang": 35, "__other__": 10, "saigon-new": 8}},
        {"name": "a listed category never seen live", "live": {"hcm": 500, "hanoi": 380, "danang": 90}},
        {"name": "only one category anywhere", "categories": {"hcm": 100}, "other": 0, "live": {"hcm": 7}},
        {"name": "no rest in the profile, rest live", "categories": {"a": 400, "b": 600}, "other": 0, "live": {"a": 30, "b": 50, "__other__": 20}},
    ]
    for case in categorical:
        cats = case.setdefault("categories", categories)
        other = case.setdefault("other", 1198)
        case["chi2"] = chi2_categories(cats, other, case["live"])
    cases["categorical"] = categorical

    # Raw samples: exact KS p-values (small, tie-free) and Kolmogorov's limit (large), Wasserstein-1
    samples = []
    for name, n, m, shift in [("equal sizes, no shift", 40, 40, 0.0), ("unequal sizes, shift", 60, 45, 0.5),
                              ("small, strong shift", 12, 9, 2.0), ("unequal, no shift", 150, 97, 0.0),
                              ("large, small shift", 3000, 2000, 0.1)]:
        x = np.round(rng.normal(0, 1, n), 9)
        y = np.round(rng.normal(shift, 1, m), 9)
        exact = n * m <= 1_000_000 // 10
        ks = stats.ks_2samp(x, y, method="exact" if exact else "asymp")
        en = n * m / (n + m)
        samples.append({
            "name": name, "baseline": floats(x), "live": floats(y),
            "ks": {"statistic": float(ks.statistic),
                   "pValue": float(ks.pvalue) if exact else float(special.kolmogorov(np.sqrt(en) * ks.statistic)),
                   "pValueKind": "exact" if exact else "asymptotic"},
            "wasserstein": {"statistic": float(stats.wasserstein_distance(x, y))},
        })
    cases["samples"] = samples

    with open(out, "w") as f:
        json.dump(cases, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
