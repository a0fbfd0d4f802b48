"""gbstats' results for control/variant pairs, as our result columns; run with .venv-gbstats/bin/python.

Reads a JSON list of cases on stdin, each {"id", "control": sums, "variant": sums, "cuped", "sequential", "alpha",
"sequential_tuning"} with sums {"n", "sum_x", "sum_x2", "sum_pre", "sum_pre2", "sum_x_pre"}, and prints a JSON
list of {"id", column: value} with gbstats' TwoSidedTTest (absolute and relative) and SequentialTwoSidedTTest.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from gbstats.frequentist.tests import FrequentistConfig, SequentialConfig, SequentialTwoSidedTTest, TwoSidedTTest
from gbstats.models.statistics import RegressionAdjustedStatistic, SampleMeanStatistic, compute_theta


def statistic(sums: dict[str, Any], cuped: bool) -> Any:
    """A fresh gbstats statistic (tests set theta on theirs) from our sufficient statistics."""
    post = SampleMeanStatistic(n=sums["n"], sum=sums["sum_x"], sum_squares=sums["sum_x2"])
    if not cuped:
        return post
    pre = SampleMeanStatistic(n=sums["n"], sum=sums["sum_pre"], sum_squares=sums["sum_pre2"])
    return RegressionAdjustedStatistic(n=sums["n"], post_statistic=post, pre_statistic=pre, post_pre_sum_of_products=sums["sum_x_pre"], theta=0)


def results(case: dict[str, Any]) -> dict[str, Any]:
    """Our result columns' values as gbstats computes them for one case."""
    out: dict[str, Any] = {"id": case["id"]}
    cuped, alpha = case["cuped"], case["alpha"]
    if cuped:
        out["cuped_theta"] = compute_theta(statistic(case["control"], True), statistic(case["variant"], True))
    for kind in ("absolute", "relative"):
        suffix = "abs" if kind == "absolute" else "rel"
        test = TwoSidedTTest(statistic(case["control"], cuped), statistic(case["variant"], cuped), FrequentistConfig(alpha=alpha, difference_type=kind))
        result = test.compute_result()
        out[f"lift_{suffix}"] = result.expected
        out[f"lift_{suffix}_ci_lower"], out[f"lift_{suffix}_ci_upper"] = result.ci
        out["p_value" if kind == "absolute" else "p_value_rel"] = result.p_value
        out["degrees_of_freedom"] = test.dof
        if case["sequential"]:
            config = SequentialConfig(alpha=alpha, difference_type=kind, sequential_tuning_parameter=case["sequential_tuning"])
            seq = SequentialTwoSidedTTest(statistic(case["control"], cuped), statistic(case["variant"], cuped), config).compute_result()
            out[f"seq_lift_{suffix}_ci_lower"], out[f"seq_lift_{suffix}_ci_upper"] = seq.ci
    return out


if __name__ == "__main__":
    json.dump([results(case) for case in json.load(sys.stdin)], sys.stdout)
