#!/usr/bin/env python3
"""Reference values for tests/unit/test_stats.c, computed independently of daemon/core/stats.c.

Run:  python3 tests/unit/stats_reference.py
Needs Debian's python3-scipy and python3-statsmodels (apt-get install -y python3-scipy
python3-statsmodels); CI does not: the C test carries the printed literals.

Sources, one per group (each printed with the command that produced it):
  beta_inc      scipy.special.betainc(a, b, x)
  beta_inc_inv  scipy.special.betaincinv(a, b, p)
  wilson        statsmodels proportion_confint(x, n, alpha=0.05, method='wilson'), × 1000
  exact         scipy.stats.beta.ppf(0.025, x, n-x+1), beta.ppf(0.975, x+1, n-x), × 1000
                (0 when x = 0, 1000 when x = n, as Clopper & Pearson define the ends)
  ratio         statsmodels Table2x2([[a, n1-a], [b, n2-b]], shift_zeros=False):
                riskratio, riskratio_confint(alpha=0.05); with a or b = 0 each cell first
                gets + 0.5 (Haldane–Anscombe).
  mh            strata used: n1 > 0, n2 > 0, a <= n1, b <= n2 (the others are skipped first);
                RR: statsmodels StratifiedTable(...).riskratio_pooled; its CI is not in
                statsmodels, so Var(ln RR_MH) (Greenland & Robins 1985) is summed here in
                exact fractions, in the textbook form sum(m1*n1*n2 - a*b*N) / N^2 / (R*S).
"""

import math
from fractions import Fraction

import numpy as np
from scipy.special import betainc, betaincinv
from scipy.stats import beta, norm
from statsmodels.stats.contingency_tables import StratifiedTable, Table2x2
from statsmodels.stats.proportion import proportion_confint

BETA_INC = [(2, 3, 0.4), (0.5, 0.5, 0.3), (1000, 2000, 0.34), (5, 1e6, 4e-6),
            (100.5, 0.7, 0.999), (30, 30, 0.5)]
BETA_INC_INV = [(2, 3, 0.3), (0.5, 0.5, 0.9), (1000, 2000, 0.5), (1, 1e6, 0.025),
                (4, 999997, 0.975), (0.7, 100.5, 1e-6)]
WILSON = [(6, 500), (5, 1000), (0, 10), (10, 10), (1, 1), (37, 1000), (12345, 1000000),
          (5, 1000000), (999999, 1000000)]
EXACT = [(0, 1), (1, 1), (0, 10), (10, 10), (1, 10), (4, 1000), (2, 7), (0, 1000000),
         (3, 1000000), (4, 1000000), (500000, 1000000)]
RATIO = [(6, 500, 2, 1000), (6, 500, 1, 500), (0, 400, 3, 600), (5, 100, 0, 200),
         (10, 10, 3, 30), (1200, 1000000, 800, 1000000), (1, 1, 1, 1)]
# (a, n1, b, n2) per stratum
MH = {
    "three": [(3, 200, 1, 300), (8, 400, 4, 500), (2, 100, 0, 150)],
    "skipped": [(3, 200, 1, 300), (8, 400, 4, 500), (2, 100, 0, 150), (5, 60, 0, 0),
                (0, 0, 0, 0)],
    "sparse": [(1, 10, 0, 12), (0, 8, 1, 9), (2, 15, 1, 20), (1, 5, 2, 7)],
    # A mobile week against clinics by Fitzpatrick type I..VI: type V has 3 cases at premises
    # that reported no type V procedures (n1 = 0), so 5 strata are usable.
    "cases_without_procedures": [(1, 40, 2, 90), (0, 55, 3, 160), (2, 38, 1, 120),
                                 (1, 20, 2, 75), (3, 0, 0, 30), (0, 12, 1, 25)],
}


def g(v):
    return "%.17g" % v


def group(title, command):
    print("\n/* %s\n *   %s */" % (title, command))


def print_beta():
    group("beta_inc", "scipy.special.betainc(a, b, x)")
    for a, b, x in BETA_INC:
        print("\t{ %s, %s, %s, %s }," % (g(a), g(b), g(x), g(betainc(a, b, x))))
    group("beta_inc_inv", "scipy.special.betaincinv(a, b, p)")
    for a, b, p in BETA_INC_INV:
        print("\t{ %s, %s, %s, %s }," % (g(a), g(b), g(p), g(betaincinv(a, b, p))))


def print_wilson():
    group("wilson", "[1000 * v for v in proportion_confint(x, n, alpha=0.05, method='wilson')]")
    for x, n in WILSON:
        lo, hi = proportion_confint(x, n, alpha=0.05, method="wilson")
        print("\t{ %d, %d, %s, %s, %s }," % (x, n, g(1000 * x / n), g(1000 * lo), g(1000 * hi)))


def print_exact():
    group("exact", "1000 * beta.ppf(0.025, x, n - x + 1), 1000 * beta.ppf(0.975, x + 1, n - x)")
    for x, n in EXACT:
        lo = 0.0 if x == 0 else beta.ppf(0.025, x, n - x + 1)
        hi = 1.0 if x == n else beta.ppf(0.975, x + 1, n - x)
        print("\t{ %d, %d, %s, %s, %s }," % (x, n, g(1000 * x / n), g(1000 * lo), g(1000 * hi)))


def print_ratio():
    group("ratio", "t = Table2x2([[a, n1 - a], [b, n2 - b]] (+ 0.5 if a or b is 0), "
          "shift_zeros=False); t.riskratio, t.riskratio_confint(alpha=0.05)")
    for a, n1, b, n2 in RATIO:
        haldane = a == 0 or b == 0
        cells = np.array([[a, n1 - a], [b, n2 - b]], dtype=float) + (0.5 if haldane else 0.0)
        t = Table2x2(cells, shift_zeros=False)
        lo, hi = t.riskratio_confint(alpha=0.05)
        print("\t{ %d, %d, %d, %d, %s, %s, %s, %s }," % (a, n1, b, n2, g(t.riskratio), g(lo),
                                                         g(hi), "true" if haldane else "false"))


def usable(a, n1, b, n2):
    """A 2x2 table: procedures in both arms, no arm with more events than procedures."""
    return n1 > 0 and n2 > 0 and a <= n1 and b <= n2


def mh_reference(strata):
    used = [s for s in strata if usable(*s)]
    tables = np.array([[[a, n1 - a], [b, n2 - b]] for a, n1, b, n2 in used], dtype=float)
    rr = StratifiedTable(np.moveaxis(tables, 0, -1), shift_zeros=False).riskratio_pooled
    r = sum(Fraction(a * n2, n1 + n2) for a, n1, b, n2 in used)
    s = sum(Fraction(b * n1, n1 + n2) for a, n1, b, n2 in used)
    num = sum(Fraction((a + b) * n1 * n2 - a * b * (n1 + n2), (n1 + n2) ** 2)
              for a, n1, b, n2 in used)
    se = math.sqrt(num / (r * s))
    z = norm.ppf(0.975)
    assert abs(rr / float(r / s) - 1) < 1e-14, "statsmodels and the fractions disagree"
    return rr, rr * math.exp(-z * se), rr * math.exp(z * se), len(used)


def print_mh():
    group("mh", "StratifiedTable(tables).riskratio_pooled; "
          "exp(log(rr) -/+ norm.ppf(0.975) * sqrt(var_gr)), var_gr in Fraction")
    for name, strata in MH.items():
        rr, lo, hi, used = mh_reference(strata)
        print("\t/* %s: %s; %d strata used */" % (name, strata, used))
        print("\t{ %s, %s, %s }," % (g(rr), g(lo), g(hi)))


if __name__ == "__main__":
    print("/* z = norm.ppf(0.975) = %s */" % g(norm.ppf(0.975)))
    print_beta()
    print_wilson()
    print_exact()
    print_ratio()
    print_mh()
