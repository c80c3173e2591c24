{#
    Who sent a message of a two-way channel (email, SMS, social), from its direction and agent_id. An outbound
    message without an agent is the system's (auto-reply, notification): it never counts as an agent response
    (DECISIONLOG, Sessionization > Messages).
#}
{% macro sender_role_from_direction(direction='direction', agent_id='agent_id') -%}
    case
        when {{ direction }} = 'inbound' then 'customer'
        when {{ agent_id }} is not null then 'agent'
        else 'system'
    end
{%- endmacro %}
