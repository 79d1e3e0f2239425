{#- numerator / denominator as unrounded numeric; NULL when the denominator is 0 or NULL
    (domain.md: a zero or missing forecast has no attainment). trim_scale drops only trailing
    zeros (0.1100000000000000 -> 0.11): the value is exactly the same. -#}
{% macro safe_ratio(numerator, denominator) -%}
    trim_scale(({{ numerator }})::numeric / nullif(({{ denominator }})::numeric, 0))
{%- endmacro %}
