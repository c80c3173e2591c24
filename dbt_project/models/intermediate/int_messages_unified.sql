{#
    One row per message of any channel, before threading (SPEC §3). Chat: only `message` events; voice: one
    row per call leg (occurred_at = offered_at, ended_at = call end). Queue keys map through the queues seed;
    an unmapped key becomes its own queue `<channel>:<key>`. The customer is resolved to customer_id through
    stg_customers__identities by the key of the channel (email / visitor / phone / handle).
#}
with

emails as (
    select * from {{ ref('stg_email__messages') }}
),

chat_events as (
    select * from {{ ref('stg_chat__events') }}
),

sms as (
    select * from {{ ref('stg_sms__messages') }}
),

social_posts as (
    select * from {{ ref('stg_social__posts') }}
),

calls as (
    select * from {{ ref('stg_voice__calls') }}
),

queues as (
    select * from {{ ref('stg_seeds__queues') }}
),

identities as (
    select * from {{ ref('stg_customers__identities') }}
),

email_messages as (
    select
        'email' as channel,
        message_id,
        message_id as item_id,
        mailbox as queue_key,
        direction,
        {{ asyncwfm.sender_role_from_direction() }} as sender_role,
        agent_id,
        customer_key,
        'email' as identity_kind,
        sent_at as occurred_at,
        sent_at as ended_at,
        cast(null as timestamp) as answered_at,
        cast(null as boolean) as is_abandoned,
        ticket_id,
        cast(null as {{ dbt.type_string() }}) as conversation_id,
        in_reply_to as reply_to_id,
        cast(null as {{ dbt.type_string() }}) as gap_thread_key
    from emails
),

chat_messages as (
    select
        'chat' as channel,
        event_id as message_id,
        chat_id as item_id,
        queue as queue_key,
        case when sender = 'customer' then 'inbound' else 'outbound' end as direction,
        sender as sender_role,
        case when sender = 'agent' then agent_id end as agent_id,
        visitor_key as customer_key,
        'visitor' as identity_kind,
        occurred_at,
        occurred_at as ended_at,
        cast(null as timestamp) as answered_at,
        cast(null as boolean) as is_abandoned,
        cast(null as {{ dbt.type_string() }}) as ticket_id,
        chat_id as conversation_id,
        cast(null as {{ dbt.type_string() }}) as reply_to_id,
        cast(null as {{ dbt.type_string() }}) as gap_thread_key
    from chat_events
    where event_type = 'message'
),

sms_messages as (
    select
        'sms' as channel,
        sms_id as message_id,
        sms_id as item_id,
        business_number as queue_key,
        direction,
        {{ asyncwfm.sender_role_from_direction() }} as sender_role,
        agent_id,
        customer_key,
        'phone' as identity_kind,
        sent_at as occurred_at,
        sent_at as ended_at,
        cast(null as timestamp) as answered_at,
        cast(null as boolean) as is_abandoned,
        cast(null as {{ dbt.type_string() }}) as ticket_id,
        cast(null as {{ dbt.type_string() }}) as conversation_id,
        cast(null as {{ dbt.type_string() }}) as reply_to_id,
        {{ dbt.concat(['customer_key', "'|'", 'business_number']) }} as gap_thread_key
    from sms
),

social_messages as (
    select
        'social' as channel,
        post_id as message_id,
        post_id as item_id,
        platform as queue_key,
        direction,
        {{ asyncwfm.sender_role_from_direction() }} as sender_role,
        agent_id,
        customer_key,
        'handle' as identity_kind,
        created_at as occurred_at,
        created_at as ended_at,
        cast(null as timestamp) as answered_at,
        cast(null as boolean) as is_abandoned,
        cast(null as {{ dbt.type_string() }}) as ticket_id,
        conversation_id,
        reply_to_post_id as reply_to_id,
        {{ dbt.concat(['platform', "'|'", 'customer_key']) }} as gap_thread_key
    from social_posts
),

voice_legs as (
    select
        'voice' as channel,
        call_id as message_id,
        call_id as item_id,
        queue as queue_key,
        'inbound' as direction,
        'customer' as sender_role,
        agent_id,
        customer_key,
        'phone' as identity_kind,
        offered_at as occurred_at,
        ended_at,
        answered_at,
        is_abandoned,
        cast(null as {{ dbt.type_string() }}) as ticket_id,
        cast(null as {{ dbt.type_string() }}) as conversation_id,
        transferred_from_call_id as reply_to_id,
        cast(null as {{ dbt.type_string() }}) as gap_thread_key
    from calls
),

unioned as (
    select * from email_messages
    union all
    select * from chat_messages
    union all
    select * from sms_messages
    union all
    select * from social_messages
    union all
    select * from voice_legs
),

identity_keys as (
    select 'email' as identity_kind, email_key as customer_key, min(customer_id) as customer_id
    from identities where email_key is not null group by email_key
    union all
    select 'phone' as identity_kind, phone_key as customer_key, min(customer_id) as customer_id
    from identities where phone_key is not null group by phone_key
    union all
    select 'handle' as identity_kind, handle_key as customer_key, min(customer_id) as customer_id
    from identities where handle_key is not null group by handle_key
    union all
    select 'visitor' as identity_kind, visitor_key as customer_key, min(customer_id) as customer_id
    from identities where visitor_key is not null group by visitor_key
),

final as (
    select
        {{ dbt.concat(['unioned.channel', "':'", 'unioned.message_id']) }} as message_key,
        unioned.channel,
        unioned.message_id,
        unioned.item_id,
        coalesce(
            queues.queue_id,
            {{ dbt.concat(['unioned.channel', "':'", "coalesce(unioned.queue_key, 'unknown')"]) }}
        ) as queue_id,
        unioned.direction,
        unioned.sender_role,
        unioned.agent_id,
        unioned.customer_key,
        identity_keys.customer_id,
        unioned.occurred_at,
        case
            when unioned.ended_at >= unioned.occurred_at then unioned.ended_at
            else unioned.occurred_at
        end as ended_at,
        unioned.answered_at,
        unioned.is_abandoned,
        (unioned.sender_role = 'agent' and unioned.direction = 'outbound') as is_agent_response,
        unioned.ticket_id,
        unioned.conversation_id,
        unioned.reply_to_id,
        unioned.gap_thread_key
    from unioned
    left join queues
        on queues.channel = unioned.channel
        and queues.source_key = unioned.queue_key
    left join identity_keys
        on identity_keys.identity_kind = unioned.identity_kind
        and identity_keys.customer_key = unioned.customer_key
)

select * from final
