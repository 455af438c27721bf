{#
    Case folding for names as shoppers report them: trim, collapse inner white space, lower case.

    lower() alone depends on the database's locale (a "C" database folds only ASCII), so Cyrillic
    capitals are mapped explicitly first; the result is the same on every server.
#}
{% macro casefold(expression) -%}
    lower(
        translate(
            regexp_replace(trim({{ expression }}), '\s+', ' ', 'g'),
            'АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯІЇЄҐЎ',
            'абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґў'
        )
    )
{%- endmacro %}
