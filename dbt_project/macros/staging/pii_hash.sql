{#
    pii_hash(expr, kind): keyed hash of a personal identifier, stable across sources.

    key_hash = sha256(<key> || '|' || <normalized identifier>) as lower-case hex; null when the identifier
    is null or normalizes to an empty string. Normalization per kind (docs/contracts.md):
      email    lower-cased and trimmed
      phone    digits only
      handle   lower-cased, trimmed, without leading @
      visitor  trimmed
    The key comes from the environment variable ASYNCWFM_HASH_KEY. Its default is for development only:
    anyone who knows the default key can confirm a guessed identifier, so production runs must set it.
#}
{% macro pii_hash_key() -%}
    {{ return(env_var('ASYNCWFM_HASH_KEY', 'asyncwfm-dev-key-change-me')) }}
{%- endmacro %}

{% macro pii_normalize(expr, kind) -%}
    {%- if kind == 'email' -%}
        lower(trim({{ expr }}))
    {%- elif kind == 'phone' -%}
        {{ asyncwfm.regexp_replace_all(expr, '[^0-9]', '') }}
    {%- elif kind == 'handle' -%}
        {{ asyncwfm.regexp_replace_all('lower(trim(' ~ expr ~ '))', '^@+', '') }}
    {%- elif kind == 'visitor' -%}
        trim({{ expr }})
    {%- else -%}
        {{ exceptions.raise_compiler_error("pii_hash: unknown kind '" ~ kind ~ "' (email, phone, handle, visitor)") }}
    {%- endif -%}
{%- endmacro %}

{% macro pii_hash(expr, kind) -%}
    {%- set normalized = 'nullif(' ~ asyncwfm.pii_normalize(expr, kind) ~ ", '')" -%}
    {%- set key_literal = "'" ~ (asyncwfm.pii_hash_key() | replace("'", "''")) ~ "|'" -%}
    case
        when {{ normalized }} is not null
            then {{ asyncwfm.sha256_hex(dbt.concat([key_literal, normalized])) }}
    end
{%- endmacro %}
