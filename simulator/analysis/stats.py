"""Confidence intervals over replications, and the range of the replications themselves.

Two different questions get two different answers, and every output says which it gives:

- the 95 % confidence interval of the mean (`mean_ci`): where the average over many such
  municipalities lies; it narrows as replications are added;
- the 10th to 90th percentile of the replications (`percentile_range`): the range a single
  municipality like this one may see, 8 runs in 10; it does not narrow with more of them.

A share (a value between 0 and 1) gets its interval on the logit scale (`share_ci`), so
that it stays inside [0, 1]; docs/validation.md says why this method.

The Student-t quantile is computed here, not taken from SciPy: importing
`scipy.stats` takes longer than a whole baseline replication, and a command would pay
it for one number per metric. For the 95 % level every output uses, the quantiles for
1 to 100 degrees of freedom are SciPy's own (`T95`, tested against
`scipy.stats.t.ppf`), so results are what they were bit for bit; other levels and
more degrees of freedom are solved from the exact distribution function
(`t_quantile`), agreeing with SciPy's to 1e-11 or better.
"""

from __future__ import annotations

import math
import statistics
import warnings

import numpy as np

LEVEL = 0.95

# scipy.stats.t.ppf(0.5 + 0.95 / 2, df) for df = 1, 2, ..., 100.
T95 = (
    12.706204736174694, 4.302652729749462, 3.1824463052837078, 2.7764451051977934,
    2.5705818356363146, 2.4469118511449786, 2.364624251592784, 2.306004135204166,
    2.262157162798205, 2.228138851986274, 2.200985160091639, 2.1788128296672284,
    2.1603686564627913, 2.144786687917804, 2.131449545559776, 2.1199052992212546,
    2.1098155778333156, 2.1009220402410382, 2.0930240544083087, 2.085963447265864,
    2.0796138447276795, 2.0738730679040254, 2.0686576104190486, 2.0638985616280245,
    2.0595385527532972, 2.0555294386428735, 2.0518305164802846, 2.0484071417952454,
    2.045229642132703, 2.0422724563012378, 2.039513446396408, 2.0369333434601016,
    2.0345152974493383, 2.0322445093177186, 2.030107928250343, 2.0280940009804502,
    2.0261924630291093, 2.0243941639119694, 2.022690920036761, 2.021075390306273,
    2.019540970441376, 2.0180817028184443, 2.016692199227824, 2.0153675744437636,
    2.014103388880846, 2.012895598919429, 2.0117405137297655, 2.010634757624232,
    2.0095752371292392, 2.008559112100761, 2.007583770315836, 2.006646805061688,
    2.0057459953178687, 2.0048792881880564, 2.0040447832891455, 2.003240718847872,
    2.002465459291007, 2.0017174841452356, 2.000995378088267, 2.0002978220142604,
    1.999623584994939, 1.9989715170333788, 1.998340542520741, 1.997729654317693,
    1.9971379083920038, 1.9965644189523117, 1.996008354025296, 1.9954689314298435,
    1.9949454151072374, 1.994437111771186, 1.9939433678456255, 1.9934635666618719,
    1.992997125889855, 1.992543495180932, 1.9921021540022417, 1.9916726096446642,
    1.9912543953883846, 1.9908470688116906, 1.9904502102301285, 1.990063421254446,
    1.9896863234569029, 1.989318557136572, 1.9889597801751624, 1.9886096669757083,
    1.9882679074772216, 1.98793420623902, 1.9876082815890708, 1.9872898648311692,
    1.986978699506281, 1.9866745407037683, 1.9863771544186177, 1.98608631695113,
    1.9858018143458227, 1.985523441866604, 1.9852510035054978, 1.984984311522457,
    1.9847231860139845, 1.9844674545084815, 1.9842169515864174, 1.9839715185235518,
)  # fmt: skip


def mean_ci(
    values: np.ndarray | list[float], axis: int = 0, confidence: float = LEVEL
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and two-sided Student-t confidence interval of `values` along `axis`, ignoring NaN.

    The interval is mean ± t_{(1+confidence)/2, n-1} · sd / sqrt(n), with sd the sample
    standard deviation (ddof=1) and n the number of non-NaN values, so replications
    that have no value (e.g. no statutory task fell due that week) do not count.
    Where n < 2 no interval exists and the bounds are NaN; where n = 0 the mean is NaN too.
    Returns (mean, low, high), each with `axis` removed.
    """
    mean, t, se = _mean_t_se(values, axis, confidence)
    half = t * se
    return mean, mean - half, mean + half


def _mean_t_se(
    values: np.ndarray | list[float], axis: int, confidence: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, the t quantile of the interval and the standard error of the mean along
    `axis`, ignoring NaN; t and the standard error are NaN with fewer than two values."""
    x = np.asarray(values, dtype=float)
    n = np.sum(~np.isnan(x), axis=axis)
    with warnings.catch_warnings():  # all-NaN slices and n < 2 are handled below
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(x, axis=axis)
        sd = np.nanstd(x, axis=axis, ddof=1)
    enough = n >= 2
    df = np.where(enough, n - 1, 1)
    quantiles = {d: t_quantile(confidence, d) for d in np.unique(df).tolist()}
    t = np.array([quantiles[d] for d in df.ravel().tolist()]).reshape(df.shape)
    se = np.where(enough, sd / np.sqrt(np.maximum(n, 1)), np.nan)
    return mean, np.where(enough, t, np.nan), se


def t_interval(
    values: np.ndarray | list[float], level: float = LEVEL
) -> tuple[float, float, float]:
    """(mean, low, high) of one metric over replications; NaN bounds with one value."""
    mean, low, high = mean_ci(np.asarray(values, dtype=float).ravel(), confidence=level)
    return float(mean), float(low), float(high)


ROUNDING = 1e-9  # how far past 0 or 1 a share may stray by floating-point sums


def share_ci(
    values: np.ndarray | list[float], axis: int = 0, confidence: float = LEVEL
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and confidence interval of a share (values in [0, 1]) along `axis`, ignoring NaN:
    the Wilson score interval at the replications' effective sample size, so that it stays
    inside [0, 1].

    With m the mean of n replications' shares and s its standard error, the effective
    sample size is n_eff = m (1 − m) / s² (the number of independent yes/no outcomes that
    would give the same standard error; Korn & Graubard 1998), and the interval is Wilson's
    for m out of n_eff, with Student's t on n − 1 degrees of freedom in place of the normal
    quantile: (m + t²/2n_eff ± t √(s² + t²/4n_eff²)) / (1 + t²/n_eff). It lies inside
    [0, 1], is asymmetric near 0 and 1, and agrees with the plain t-interval where m is
    far from both. Where every replication gave the same share (0 and 1 included) the
    interval is that point, as the t-interval's is; with fewer than two values there is
    none (NaN), as in `mean_ci`. A series with values outside [0, 1] (not a share after
    all) gets the t-interval of `nonnegative_ci`; values past 0 or 1 by no more than
    `ROUNDING` (a utilisation of 1.0000000000000142, summed from a day's parts) are
    rounding, taken as 0 or 1. docs/validation.md says why this method.
    Returns (mean, low, high), each with `axis` removed.
    """
    x = np.asarray(values, dtype=float)
    x = np.where((x >= -ROUNDING) & (x <= 1.0 + ROUNDING), np.clip(x, 0.0, 1.0), x)
    mean, t, se = _mean_t_se(x, axis, confidence)
    m = np.asarray(mean, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = se > 0.0
        n_eff = np.where(spread, m * (1.0 - m) / (se * se), np.inf)
        q2 = t * t / n_eff
        centre = (m + q2 / 2.0) / (1.0 + q2)
        half = t / (1.0 + q2) * np.sqrt(se * se + q2 / n_eff / 4.0)
    no_interval = np.isnan(se)
    with warnings.catch_warnings():  # all-NaN slices have no interval anyway
        warnings.simplefilter("ignore", RuntimeWarning)
        outside = (
            (np.nanmin(x, axis=axis) < 0.0) | (np.nanmax(x, axis=axis) > 1.0)
            if x.size
            else np.zeros(np.shape(mean), dtype=bool)
        )
    _, plain_low, plain_high = nonnegative_ci(x, axis=axis, confidence=confidence)
    # Wilson's bounds lie in [0, 1]; the clip only keeps rounding from stepping past them.
    # Where the mean rounds to 0 or 1 though the runs differ (by one unit in the last
    # place), Wilson's is undefined (n_eff = 0): the t-interval, clipped, stands in.
    defined = spread & np.isfinite(centre) & np.isfinite(half)
    wilson_low = np.where(spread, np.clip(centre - half, 0.0, 1.0), m)
    wilson_high = np.where(spread, np.clip(centre + half, 0.0, 1.0), m)
    wilson_low = np.where(spread & ~defined, np.clip(plain_low, 0.0, m), wilson_low)
    wilson_high = np.where(spread & ~defined, np.clip(plain_high, m, 1.0), wilson_high)
    return (
        mean,
        np.where(no_interval, np.nan, np.where(outside, plain_low, wilson_low)),
        np.where(no_interval, np.nan, np.where(outside, plain_high, wilson_high)),
    )


def nonnegative_ci(
    values: np.ndarray | list[float], axis: int = 0, confidence: float = LEVEL
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`mean_ci` of a quantity that cannot be negative (a count, hours, days): where no
    value along `axis` is negative, the lower bound is cut at 0. The mean of such values
    cannot lie below 0, so the cut removes only impossible values and keeps the coverage;
    it spares a planner "-44 to 51 cases" from two runs."""
    x = np.asarray(values, dtype=float)
    mean, low, high = mean_ci(x, axis=axis, confidence=confidence)
    with warnings.catch_warnings():  # all-NaN slices have no interval anyway
        warnings.simplefilter("ignore", RuntimeWarning)
        smallest = np.nanmin(x, axis=axis) if x.size else np.nan
    return mean, np.where(smallest >= 0.0, np.maximum(low, 0.0), low), high


def percentile_range(
    values: np.ndarray | list[float], axis: int = 0, low: float = 10.0, high: float = 90.0
) -> tuple[np.ndarray, np.ndarray]:
    """The `low`th and `high`th percentiles of `values` along `axis` (the replications),
    ignoring NaN: by default the range 8 runs in 10 lie in, the range a single municipality
    may see. Linear interpolation between the runs (numpy's default). With fewer than two
    values there is no range (NaN): one run says nothing of how runs differ. A value of
    +inf (a quantity never reached in a run: "not in the run") counts as beyond every
    other: a percentile at or past it is +inf, not numpy's NaN."""
    x = np.moveaxis(np.asarray(values, dtype=float), axis, -1)
    if x.shape[-1] == 0:  # no replication: no range
        return np.full(x.shape[:-1], np.nan), np.full(x.shape[:-1], np.nan)
    rows = x.reshape(-1, x.shape[-1])  # one row per series, the replications along it
    lo, hi = np.full(len(rows), np.nan), np.full(len(rows), np.nan)
    missing = np.isnan(rows)
    enough = np.sum(~missing, axis=1) >= 2
    # rows without NaN: numpy's percentile gives nanpercentile's numbers, bit for bit (the
    # same order statistics and interpolation), without nanpercentile's loop over the rows
    endless = enough & np.isposinf(rows).any(axis=1)
    for i in np.flatnonzero(endless):
        lo[i], hi[i] = (_beyond(rows[i][~missing[i]], q) for q in (low, high))
    whole = enough & ~missing.any(axis=1) & ~endless
    if whole.any():
        lo[whole], hi[whole] = np.percentile(rows[whole], [low, high], axis=1)
    gaps = enough & ~whole & ~endless
    if gaps.any():
        lo[gaps], hi[gaps] = np.nanpercentile(rows[gaps], [low, high], axis=1)
    return lo.reshape(x.shape[:-1]), hi.reshape(x.shape[:-1])


def column_statistics(
    columns: list[np.ndarray], shares: list[bool]
) -> list[tuple[float, float, float, float, float, int]]:
    """Per column (one quantity's values over the replications, e.g. a summary metric's):
    its mean and 95 % interval (`share_ci` where `shares` says it is a share, else
    `nonnegative_ci`), its 10th and 90th percentiles and how many values it has. The
    columns of the same length and kind go through the statistics together, a row each:
    the numbers are those of each column alone, bit for bit (every statistic is taken
    along a row, each row's sums in the order of a column's), in a fraction of the time
    of one call a column."""
    groups: dict[tuple[int, bool], list[int]] = {}
    for i, (column, share) in enumerate(zip(columns, shares, strict=True)):
        groups.setdefault((len(column), share), []).append(i)
    found: dict[int, tuple[float, float, float, float, float, int]] = {}
    for (length, share), members in groups.items():
        grid = np.array([columns[i] for i in members], dtype=float).reshape(len(members), length)
        mean, low, high = (share_ci if share else nonnegative_ci)(grid, axis=1)
        p10, p90 = percentile_range(grid, axis=1)
        counted = np.count_nonzero(~np.isnan(grid), axis=1)
        for row, i in enumerate(members):
            found[i] = (float(mean[row]), float(low[row]), float(high[row]),
                        float(p10[row]), float(p90[row]), int(counted[row]))  # fmt: skip
    return [found[i] for i in range(len(columns))]


def _beyond(values: np.ndarray, q: float) -> float:
    """The `q`th percentile of `values`, some +inf, interpolated as numpy's default between
    the two nearest; inf where the upper of them is (an interpolation towards "never" is
    not a number)."""
    ordered = np.sort(values)
    pos = q / 100 * (len(ordered) - 1)
    below, above = ordered[int(np.floor(pos))], ordered[int(np.ceil(pos))]
    if not np.isfinite(above):
        return float("inf")
    return float(below + (above - below) * (pos - np.floor(pos)))


def t_quantile(confidence: float, df: int) -> float:
    """The t with P(|T| <= t) = `confidence` for Student's T with `df` degrees of freedom
    (that is, the (1 + confidence) / 2 quantile): the half-width of a two-sided interval
    in standard errors.

    From `T95` where it holds the value; else solved by Newton's method from the
    distribution function in closed form for whole degrees of freedom (Abramowitz &
    Stegun 26.7.3-4), started from their expansion in the normal quantile (26.7.5).
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie between 0 and 1, got {confidence}")
    if df < 1:
        raise ValueError(f"degrees of freedom must be at least 1, got {df}")
    if confidence == LEVEL and df <= len(T95):
        return T95[df - 1]
    if df == 1:
        return math.tan(math.pi * confidence / 2)
    if df == 2:
        return confidence * math.sqrt(2.0 / (1.0 - confidence * confidence))
    z = statistics.NormalDist().inv_cdf(0.5 + confidence / 2)
    t = z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
    for _ in range(100):
        step = (_two_sided(t, df) - confidence) / (2 * _density(t, df))
        t, previous = max(t - step, t / 2), t
        if abs(t - previous) <= 4 * math.ulp(t):
            break
    return t


def _two_sided(t: float, df: int) -> float:
    """P(|T| <= t) for whole `df` (Abramowitz & Stegun 26.7.3 for odd df, 26.7.4 for even)."""
    theta = math.atan(t / math.sqrt(df))
    sin, cos = math.sin(theta), math.cos(theta)
    cos2 = cos * cos
    if df % 2:
        term = total = cos
        for k in range(3, df - 1, 2):
            term *= cos2 * (k - 1) / k
            total += term
        return 2 / math.pi * (theta + (sin * total if df > 1 else 0.0))
    term = total = 1.0
    for k in range(2, df - 1, 2):
        term *= cos2 * (k - 1) / k
        total += term
    return sin * total


def _density(t: float, df: int) -> float:
    """Student's t density at `t`."""
    log_norm = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    return math.exp(log_norm - (df + 1) / 2 * math.log1p(t * t / df))
