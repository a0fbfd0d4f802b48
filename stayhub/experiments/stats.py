"""Frequentist A/B results from sufficient statistics: `analyse(stats, definitions)`.

Every non-control variant is compared with its experiment's control, per (ds, experiment, metric, cut).
Group moments come from n, sum_x, sum_x2 (and sum_pre, sum_pre2, sum_x_pre): mean = sum/n, sample
variance = (sum2 - sum^2/n) / (n - 1). Below, a is the control, b the variant, v the (adjusted) variances.

- CUPED (`cuped`), as gbstats 0.8.0 `RegressionAdjustedStatistic` / `compute_theta`: theta is pooled over the
  pair, cov(x, pre) / var(pre) of the two groups' sums taken together (n_a + n_b users, one mean); it falls back
  to theta = 0 (no adjustment) when that pooled variance of x or pre is zero. Adjusted mean = mean_x - theta *
  mean_pre, adjusted variance = var_x + theta^2 var_pre - 2 theta cov(x, pre), per group.
  `variance_reduction` = 1 - (v_a/n_a + v_b/n_b) adjusted / unadjusted.
- Absolute lift: Welch's t (se = sqrt(v_a/n_a + v_b/n_b), Welch–Satterthwaite df, t distribution), as scipy's
  `ttest_ind_from_stats(equal_var=False)` and gbstats' `TwoSidedTTest` with difference_type 'absolute'.
- Relative lift, as gbstats' `TwoSidedTTest` 'relative': (adj_b - adj_a) / unadj_a (= mean_b / mean_a - 1
  without CUPED), delta-method variance v_b / (unadj_a^2 n_b) + v_a unadj_b^2 / (unadj_a^4 n_a), the same
  Welch df and the t distribution for its CI and p-value.
- MDE: (t_{1-alpha/2, df} + t_{power, df}) * se of the absolute lift (t quantiles, the test's df, the row's
  unadjusted alpha; after CUPED when on); `mde_rel` = mde_abs / |mean_control| (unadjusted).
- Multiple testing, per family (ds, experiment_key, cut_name, cut_value) over all variant x metric tests with a
  p-value (m of them): `p_value_adjusted` by Holm's step-down or Bonferroni (`correction`, read from the family's
  first row; 'none' leaves p-values as they are). The `*_adjusted` CIs are Bonferroni intervals at 1 - alpha/m
  for both 'holm' and 'bonferroni' (Holm has no compatible simple intervals); with 'none' they equal the CIs.
- Sequential (`sequential`), as gbstats' `SequentialTwoSidedTTest`: the asymptotic confidence sequence of
  Waudby-Smith et al. (eq. 9, rho from eq. 161 with the tuning parameter = expected n per variant), with
  N = n_a + n_b and s^2 = N * variance of the lift, for absolute and relative lift.
- SRM: chi-square goodness of fit (`scipy.stats.chisquare`) of the users per variant of a (ds, experiment, cut)
  (variants with an expected share > 0; one missing from the stats has 0 users) against expected_share.
- `is_significant`: the absolute sequential CI excludes 0 when sequential, else p_value_adjusted < alpha;
  `verdict` 'better'/'worse' by the lift's sign and higher_is_better, else 'inconclusive'.

Degenerate inputs (n < 2, zero variance, mean_control == 0) give NaN statistics, never exceptions; gbstats would
return its default output (lift 0, CI [0, 0], p-value 1) there instead.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats as sps

RESULT_COLUMNS: tuple[str, ...] = (
    "ds",
    "experiment_key",
    "metric",
    "variant",
    "control_variant",
    "cut_name",
    "cut_value",
    "is_guardrail",
    "higher_is_better",
    "n_control",
    "n_variant",
    "mean_control",
    "mean_variant",
    "cuped_theta",
    "variance_reduction",
    "lift_abs",
    "lift_abs_se",
    "lift_abs_ci_lower",
    "lift_abs_ci_upper",
    "p_value",
    "lift_rel",
    "lift_rel_se",
    "lift_rel_ci_lower",
    "lift_rel_ci_upper",
    "p_value_rel",
    "degrees_of_freedom",
    "p_value_adjusted",
    "lift_abs_ci_lower_adjusted",
    "lift_abs_ci_upper_adjusted",
    "lift_rel_ci_lower_adjusted",
    "lift_rel_ci_upper_adjusted",
    "seq_lift_abs_ci_lower",
    "seq_lift_abs_ci_upper",
    "seq_lift_rel_ci_lower",
    "seq_lift_rel_ci_upper",
    "mde_abs",
    "mde_rel",
    "srm_chi_square",
    "srm_p_value",
    "is_significant",
    "verdict",
)
# The SQL type of each result column (the rest are double): a table of results keeps them even when it has no row.
RESULT_TYPES: dict[str, str] = {
    "ds": "date",
    **dict.fromkeys(("experiment_key", "metric", "variant", "control_variant", "cut_name", "cut_value", "verdict"), "varchar"),
    **dict.fromkeys(("is_guardrail", "higher_is_better", "is_significant"), "boolean"),
    **dict.fromkeys(("n_control", "n_variant"), "bigint"),
}


def _is_missing(value) -> bool:
    return value is None or value is pd.NaT or (isinstance(value, float | np.floating) and math.isnan(value))


# The same on Spark, whose DDL says string for varchar.
SPARK_RESULT_SCHEMA = ", ".join(f"{name} {RESULT_TYPES.get(name, 'double').replace('varchar', 'string')}" for name in RESULT_COLUMNS)


def result_rows(results: pd.DataFrame) -> list[tuple]:
    """The results as rows of Python values (numpy scalars unwrapped, NaN as null), for Spark's createDataFrame."""
    return [
        tuple(None if _is_missing(value) else value.item() if isinstance(value, np.generic) else value for value in row)
        for row in results[list(RESULT_COLUMNS)].astype(object).itertuples(index=False)
    ]


KEYS = ["ds", "experiment_key", "metric", "cut_name", "cut_value"]
FAMILY = ["ds", "experiment_key", "cut_name", "cut_value"]
SUMS = ["n", "sum_x", "sum_x2", "sum_pre", "sum_pre2", "sum_x_pre"]
SETTINGS = ["is_guardrail", "higher_is_better", "alpha", "power", "cuped", "sequential", "sequential_tuning", "correction"]
CORRECTIONS = ("holm", "bonferroni", "none")
# A pooled variance at most this fraction of the mean square is rounding noise: treated as zero (no CUPED).
ZERO_VARIANCE_RTOL = 1e-12

Array = np.ndarray


def _mean_var(n: Array, s: Array, s2: Array) -> tuple[Array, Array]:
    """Mean and sample variance (n-1) from count, sum, sum of squares; NaN where undefined."""
    mean = np.where(n > 0, s / np.where(n > 0, n, 1), np.nan)
    var = np.where(n > 1, (s2 - s * mean) / np.where(n > 1, n - 1, 1), np.nan)
    return mean, var


def _cov(n: Array, sx: Array, sy: Array, sxy: Array) -> Array:
    """Sample covariance (n-1) from count, the two sums and the sum of products."""
    return np.where(n > 1, (sxy - sx * sy / np.where(n > 0, n, 1)) / np.where(n > 1, n - 1, 1), np.nan)


def _positive(var: Array, n: Array, s2: Array) -> Array:
    """Whether a variance is meaningfully above zero (not NaN, not rounding noise of sum2 - sum^2/n)."""
    scale = np.abs(s2) / np.where(n > 0, n, 1)
    return np.nan_to_num(var, nan=0.0) > ZERO_VARIANCE_RTOL * scale


def _welch_df(va: Array, na: Array, vb: Array, nb: Array) -> Array:
    """Welch–Satterthwaite degrees of freedom."""
    qa, qb = va / na, vb / nb
    return (qa + qb) ** 2 / (qa**2 / (na - 1) + qb**2 / (nb - 1))


def _t_test(estimate: Array, variance: Array, df: Array, alpha: Array) -> tuple[Array, Array, Array, Array]:
    """se, two-sided p-value and CI at 1 - alpha of an estimate with a t(df) sampling distribution."""
    se = np.sqrt(np.where(variance > 0, variance, np.nan))
    p = 2 * sps.t.sf(np.abs(estimate / se), df)
    half = sps.t.ppf(1 - alpha / 2, df) * se
    return se, p, estimate - half, estimate + half


def _sequential_half_width(variance: Array, n_total: Array, alpha: Array, tuning: Array) -> Array:
    """Half-width of gbstats' asymptotic confidence sequence (Waudby-Smith et al. 2023, eq. 9 and 161)."""
    rho2 = (-2 * np.log(alpha) + np.log(-2 * np.log(alpha) + 1)) / tuning
    nr2 = n_total * rho2 + 1
    s2 = np.where(variance > 0, variance, np.nan) * n_total
    return np.sqrt(s2 * 2 * nr2 * np.log(np.sqrt(nr2) / alpha) / (n_total**2 * rho2))


def _pairs(stats: pd.DataFrame, definitions: pd.DataFrame) -> pd.DataFrame:
    """One row per non-control variant row of `stats`, with its control's sums (suffix _a) and its settings."""
    defs = definitions[["experiment_key", "variant", "metric", "is_control", *SETTINGS]].drop_duplicates(["experiment_key", "variant", "metric"])
    controls = definitions.loc[definitions["is_control"].astype(bool), ["experiment_key", "variant"]].drop_duplicates()
    counts = controls.groupby("experiment_key")["variant"].nunique()
    missing = set(definitions["experiment_key"]) - set(counts.index)
    if missing or (counts > 1).any():
        bad = sorted(missing | set(counts[counts > 1].index))
        raise ValueError(f"every experiment needs exactly one control variant in its definitions: {bad}")
    controls = controls.rename(columns={"variant": "control_variant"})

    rows = stats[[*KEYS, "variant", *SUMS]].merge(defs, on=["experiment_key", "variant", "metric"], how="inner")
    treated = rows.loc[~rows["is_control"].astype(bool)].drop(columns="is_control")
    control_rows = rows.loc[rows["is_control"].astype(bool), [*KEYS, "variant", *SUMS]]
    control_rows = control_rows.rename(columns={"variant": "control_variant", **{c: f"{c}_a" for c in SUMS}})
    treated = treated.merge(controls, on="experiment_key", how="left")
    return treated.merge(control_rows, on=[*KEYS, "control_variant"], how="left").reset_index(drop=True)


def _srm(stats: pd.DataFrame, definitions: pd.DataFrame) -> pd.DataFrame:
    """SRM chi-square and p-value per (ds, experiment_key, cut_name, cut_value)."""
    shares = definitions[["experiment_key", "variant", "expected_share"]].drop_duplicates(["experiment_key", "variant"])
    shares = shares.loc[shares["expected_share"] > 0]
    users = stats.groupby([*FAMILY, "variant"], sort=False, dropna=False)["n"].max().rename("observed").reset_index()
    # Every variant with a share, in every family of its experiment (0 users where it has no row).
    cells = users[FAMILY].drop_duplicates().merge(shares, on="experiment_key")
    cells = cells.merge(users, on=[*FAMILY, "variant"], how="left").fillna({"observed": 0}).sort_values([*FAMILY, "variant"], kind="stable")
    by_family = cells.groupby(FAMILY, sort=False, dropna=False)
    cells["k"] = by_family["variant"].transform("size")
    total = by_family["observed"].transform("sum")
    cells["expected"] = cells["expected_share"] / by_family["expected_share"].transform("sum") * total
    out = []
    # One vectorised chisquare per number of variants: a (families x k) matrix each.
    for k, group in cells.groupby("k", sort=False):
        families = group[FAMILY].iloc[::k].reset_index(drop=True)
        observed = group["observed"].to_numpy(dtype=float).reshape(-1, k)
        expected = group["expected"].to_numpy(dtype=float).reshape(-1, k)
        chi2, p = np.full(len(families), np.nan), np.full(len(families), np.nan)
        ok = observed.sum(axis=1) > 0
        if k > 1 and ok.any():
            result = sps.chisquare(observed[ok], expected[ok], axis=1)
            chi2[ok], p[ok] = result.statistic, result.pvalue
        out.append(families.assign(srm_chi_square=chi2, srm_p_value=p))
    if not out:
        return pd.DataFrame(columns=[*FAMILY, "srm_chi_square", "srm_p_value"])
    return pd.concat(out, ignore_index=True)


def _adjust(df: pd.DataFrame) -> tuple[Array, Array]:
    """Adjusted p-values and the Bonferroni m (1 for 'none') per row, per family."""
    correction = df.groupby(FAMILY, sort=False, dropna=False)["correction"].transform("first").astype(str).str.lower()
    unknown = set(correction) - set(CORRECTIONS)
    if unknown:
        raise ValueError(f"unknown correction {sorted(unknown)}: one of {CORRECTIONS}")
    p = df["p_value"].to_numpy(dtype=float)
    frame = pd.DataFrame({"p": p, "row": np.arange(len(df))}, index=df.index).join(df[FAMILY])
    frame["m"] = frame.groupby(FAMILY, sort=False, dropna=False)["p"].transform("count").to_numpy()
    frame = frame.sort_values("p", kind="stable", na_position="last")
    rank = frame.groupby(FAMILY, sort=False, dropna=False).cumcount().to_numpy()
    holm = pd.Series(np.minimum(1.0, (frame["m"].to_numpy() - rank) * frame["p"].to_numpy()), index=frame.index)
    holm = holm.groupby([frame[c] for c in FAMILY], sort=False, dropna=False).cummax()
    holm_p = np.empty(len(df))
    holm_p[frame["row"].to_numpy()] = holm.to_numpy()
    m = df.groupby(FAMILY, sort=False, dropna=False)["p_value"].transform("count").to_numpy(dtype=float)
    method = correction.to_numpy()
    adjusted = np.select([method == "holm", method == "bonferroni"], [holm_p, np.minimum(1.0, p * m)], p)
    adjusted = np.where(np.isnan(p), np.nan, adjusted)
    return adjusted, np.where(method == "none", 1.0, np.maximum(m, 1.0))


def analyse(stats: pd.DataFrame, definitions: pd.DataFrame) -> pd.DataFrame:
    """Each non-control variant against its control, per (ds, experiment, metric, cut): RESULT_COLUMNS."""
    df = _pairs(stats, definitions)
    if df.empty:
        return pd.DataFrame(columns=list(RESULT_COLUMNS))

    def col(name: str) -> Array:
        return df[name].to_numpy(dtype=float)

    alpha, power, tuning = col("alpha"), col("power"), col("sequential_tuning")
    cuped = df["cuped"].fillna(False).astype(bool).to_numpy()
    sequential = df["sequential"].fillna(False).astype(bool).to_numpy()
    na, nb = col("n_a"), col("n")

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        mean_a, var_a = _mean_var(na, col("sum_x_a"), col("sum_x2_a"))
        mean_b, var_b = _mean_var(nb, col("sum_x"), col("sum_x2"))

        # CUPED: theta pooled over the pair as gbstats' compute_theta does.
        if cuped.any():
            pre_a, pre_var_a = _mean_var(na, col("sum_pre_a"), col("sum_pre2_a"))
            pre_b, pre_var_b = _mean_var(nb, col("sum_pre"), col("sum_pre2"))
            cov_a = _cov(na, col("sum_x_a"), col("sum_pre_a"), col("sum_x_pre_a"))
            cov_b = _cov(nb, col("sum_x"), col("sum_pre"), col("sum_x_pre"))
            n = na + nb
            sx, sx2 = col("sum_x_a") + col("sum_x"), col("sum_x2_a") + col("sum_x2")
            sp, sp2 = col("sum_pre_a") + col("sum_pre"), col("sum_pre2_a") + col("sum_pre2")
            _, joint_var_x = _mean_var(n, sx, sx2)
            _, joint_var_pre = _mean_var(n, sp, sp2)
            joint_cov = _cov(n, sx, sp, col("sum_x_pre_a") + col("sum_x_pre"))
            usable = cuped & _positive(joint_var_x, n, sx2) & _positive(joint_var_pre, n, sp2)
            theta = np.where(usable, joint_cov / np.where(usable, joint_var_pre, 1.0), 0.0)
            use = usable & (theta != 0)
            adj_a = np.where(use, mean_a - theta * pre_a, mean_a)
            adj_b = np.where(use, mean_b - theta * pre_b, mean_b)
            v_a = np.where(use, var_a + theta**2 * pre_var_a - 2 * theta * cov_a, var_a)
            v_b = np.where(use, var_b + theta**2 * pre_var_b - 2 * theta * cov_b, var_b)
            theta_out = np.where(cuped, theta, np.nan)
        else:
            adj_a, adj_b, v_a, v_b = mean_a, mean_b, var_a, var_b
            theta_out = np.full(len(df), np.nan)

        var_abs = v_a / na + v_b / nb
        var_abs_raw = var_a / na + var_b / nb
        reduction = np.where(cuped, 1 - var_abs / var_abs_raw, np.nan)
        dof = _welch_df(v_a, na, v_b, nb)

        lift_abs = adj_b - adj_a
        se_abs, p_abs, lo_abs, hi_abs = _t_test(lift_abs, var_abs, dof, alpha)

        base = np.where(mean_a != 0, mean_a, np.nan)
        lift_rel = lift_abs / base
        var_rel = v_b / (base**2 * nb) + v_a * mean_b**2 / (base**4 * na)
        se_rel, p_rel, lo_rel, hi_rel = _t_test(lift_rel, var_rel, dof, alpha)

        mde_abs = (sps.t.ppf(1 - alpha / 2, dof) + sps.t.ppf(power, dof)) * se_abs
        mde_rel = mde_abs / np.abs(base)

        df["p_value"] = p_abs
        p_adjusted, m = _adjust(df)
        q = sps.t.ppf(1 - alpha / (2 * m), dof)

        n_total = na + nb
        seq_abs = np.where(sequential, _sequential_half_width(var_abs, n_total, alpha, tuning), np.nan)
        seq_rel = np.where(sequential, _sequential_half_width(var_rel, n_total, alpha, tuning), np.nan)

    significant = np.where(sequential, (lift_abs - seq_abs > 0) | (lift_abs + seq_abs < 0), p_adjusted < alpha)
    higher = df["higher_is_better"].astype(bool).to_numpy()
    good = np.where(higher, lift_abs > 0, lift_abs < 0)
    verdict = np.where(significant, np.where(good, "better", "worse"), "inconclusive")

    out = df[["ds", "experiment_key", "metric", "variant", "control_variant", "cut_name", "cut_value", "is_guardrail", "higher_is_better"]].copy()
    out = out.assign(
        n_control=df["n_a"].astype("Int64"),
        n_variant=df["n"].astype("Int64"),
        mean_control=mean_a,
        mean_variant=mean_b,
        cuped_theta=theta_out,
        variance_reduction=reduction,
        lift_abs=lift_abs,
        lift_abs_se=se_abs,
        lift_abs_ci_lower=lo_abs,
        lift_abs_ci_upper=hi_abs,
        p_value=p_abs,
        lift_rel=lift_rel,
        lift_rel_se=se_rel,
        lift_rel_ci_lower=lo_rel,
        lift_rel_ci_upper=hi_rel,
        p_value_rel=p_rel,
        degrees_of_freedom=dof,
        p_value_adjusted=p_adjusted,
        lift_abs_ci_lower_adjusted=lift_abs - q * se_abs,
        lift_abs_ci_upper_adjusted=lift_abs + q * se_abs,
        lift_rel_ci_lower_adjusted=lift_rel - q * se_rel,
        lift_rel_ci_upper_adjusted=lift_rel + q * se_rel,
        seq_lift_abs_ci_lower=lift_abs - seq_abs,
        seq_lift_abs_ci_upper=lift_abs + seq_abs,
        seq_lift_rel_ci_lower=lift_rel - seq_rel,
        seq_lift_rel_ci_upper=lift_rel + seq_rel,
        mde_abs=mde_abs,
        mde_rel=mde_rel,
    )
    out = out.merge(_srm(stats, definitions), on=FAMILY, how="left")
    out["is_significant"] = significant
    out["verdict"] = verdict
    return out[list(RESULT_COLUMNS)]
