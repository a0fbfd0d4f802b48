{#-
    The sufficient statistics of a group of users, as aggregate select
    items: n, and the sum, sum of squares of `value` and of `covariate`, and
    their cross-product (sum_x, sum_x2, sum_pre, sum_pre2, sum_x_pre). From
    them exp_results computes means, variances, the covariance CUPED needs
    and every test, without the users' rows. Exact when the inputs are
    numeric.
-#}
{% macro sufficient_statistics(value, covariate) %}
    count(*) as n,
    sum({{ value }}) as sum_x,
    sum({{ value }} * {{ value }}) as sum_x2,
    sum({{ covariate }}) as sum_pre,
    sum({{ covariate }} * {{ covariate }}) as sum_pre2,
    sum({{ value }} * {{ covariate }}) as sum_x_pre
{%- endmacro %}
