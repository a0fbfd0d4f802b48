"""Experiment results as of each ds: every metric, variant against control and cut.

Reads the window's sufficient statistics (exp_sufficient_stats) and the
experiments' settings (exp_definitions) and computes, with scipy, what SQL
engines cannot: Welch's t-test with the t distribution, the relative lift by
the delta method, CUPED, the minimum detectable effect, the multiple-testing
adjustment, sequential intervals and the sample-ratio test
(stayhub/experiments/stats.py). Published by stage-check-exchange like every
partitioned model: the materialization hands it the partitions it owns as
`partition_window` (macros/experiments/py_script_comment.sql).
"""


def model(dbt, session):
    # dbt does not render the folder's Jinja materialized config for Python models: always stage-check-exchange.
    dbt.config(materialized="partitioned")
    from stayhub.experiments.stats import RESULT_COLUMNS, RESULT_TYPES, SPARK_RESULT_SCHEMA, analyse, result_rows

    first_ds, last_ds = partition_window  # noqa: F821 - defined by the materialization
    statistics = dbt.ref("exp_sufficient_stats").filter(f"ds between date '{first_ds}' and date '{last_ds}'")
    definitions = dbt.ref("exp_definitions")
    if hasattr(session, "createDataFrame"):
        # Spark (python -m stayhub.spark): Spark frames in, a Spark frame of the declared types out.
        results = analyse(statistics.toPandas(), definitions.toPandas())
        return session.createDataFrame(result_rows(results), schema=SPARK_RESULT_SCHEMA)
    results = analyse(statistics.df(), definitions.df())
    # Declared types, so that a window without any experiment (an empty frame) publishes the same columns.
    return session.from_df(results).project(", ".join(f"cast({name} as {RESULT_TYPES.get(name, 'double')}) as {name}" for name in RESULT_COLUMNS))
