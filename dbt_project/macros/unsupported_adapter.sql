{#
    The default__ of an engine-specific macro: fail at compile time, naming what to write, instead of
    emitting SQL that belongs to another engine.
#}
{% macro unsupported_adapter(macro_name, implemented) -%}
    {{ exceptions.raise_compiler_error(
        "asyncwfm: macro " ~ macro_name ~ " has no implementation for the '" ~ adapter.type()
        ~ "' adapter; write " ~ adapter.type() ~ "__" ~ macro_name ~ " beside the existing "
        ~ implemented ~ " (see docs/contracts.md)."
    ) }}
{%- endmacro %}
