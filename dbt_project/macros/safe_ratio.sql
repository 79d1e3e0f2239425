{#- numerator / denominator as unrounded numeric; NULL when the denominator is 0 or NULL
    (domain.md: a zero or missing forecast has no attainment). -#}
{% macro safe_ratio(numerator, denominator) -%}
    ({{ numerator }})::numeric / nullif(({{ denominator }})::numeric, 0)
{%- endmacro %}
