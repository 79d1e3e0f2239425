{#- A text key that sorts Latvian names in Latvian alphabetical order under the database's
    codepoint ("C.UTF-8") collation. The embedded PostgreSQL has no ICU, so there is no 'lv-LV'
    collation to use; this follows the CLDR Latvian rules for the primary order:
      * č ģ ķ ļ ņ š ž are letters of their own, after c g k l n s z (key 'c~', ...: '~' sorts
        after every ASCII letter, so 'čaks' > 'cz...' > 'ca...');
      * ā ē ī ū differ from a e i u only at the secondary level, and y sorts as i.
    Order by (key, name) so the secondary differences break ties (a < ā by codepoint). -#}
{% macro latvian_sort_key(expression) -%}
    replace(replace(replace(replace(replace(replace(replace(
        translate(
            lower(translate(({{ expression }}), 'ĀČĒĢĪĶĻŅŠŪŽ', 'āčēģīķļņšūž')),
            'āēīūy', 'aeiui'
        ),
        'č', 'c~'), 'ģ', 'g~'), 'ķ', 'k~'), 'ļ', 'l~'), 'ņ', 'n~'), 'š', 's~'), 'ž', 'z~')
{%- endmacro %}
