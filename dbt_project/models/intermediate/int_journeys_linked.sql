{#
    One row per thread with its cross-channel journey (SPEC §3). A thread B links to an earlier thread A
    - explicitly, when one of B's call legs has origin_ref `<channel>:<id>` naming a message (email, sms, social)
      or a chat (chat_id) of A; or else
    - by switch window: same resolved customer (customer_id, else the channel-independent hashed key), another
      channel, B starting at or after A's start and no later than A's last message + A's switch_window_minutes;
      the most recently ended such A wins.
    Journeys are the connected components of these links; the journey starts at its earliest thread, whose
    channel and queue own it, and whose policy row decides merge_channel_switches.
    Speed: int_sessions_split is read as a relation (not a CTE DuckDB would materialize) and the start thread's
    queue comes from first_in_order (DECISIONLOG "Journeys").
#}
{#- int_sessions_split is read as a relation, not as an import CTE: DuckDB materializes a CTE read more than once #}
{%- set messages = ref('int_sessions_split') %}

with

calls as (
    select * from {{ ref('stg_voice__calls') }}
),

policies as (
    select * from {{ ref('stg_seeds__channel_policies') }}
),

threads as (
    select
        thread_id,
        min(channel) as channel,
        min(occurred_at) as started_at,
        max(ended_at) as ended_at,
        min(coalesce(customer_id, customer_key)) as customer_ref
    from {{ messages }}
    group by thread_id
),

-- the queue of each thread's first message (occurred_at, message_key): a hash aggregate on DuckDB
thread_queues as (
    {{ asyncwfm.first_in_order(messages, 'thread_id', ['occurred_at', 'message_key'], ['queue_id']) }}
),

-- a chat origin names the chat (item_id), any other the message: two equi-joins, not one join on an OR
-- (which the engine can only evaluate pair by pair within a channel: quadratic at scale)
origin_threads as (
    select calls.call_id, origin_messages.thread_id as previous_thread_id
    from calls
    inner join {{ messages }} as origin_messages
        on origin_messages.channel = 'chat'
        and origin_messages.item_id = calls.origin_item_id
    where calls.origin_channel = 'chat'
    union all
    select calls.call_id, origin_messages.thread_id as previous_thread_id
    from calls
    inner join {{ messages }} as origin_messages
        on origin_messages.channel = calls.origin_channel
        and origin_messages.message_id = calls.origin_item_id
    where calls.origin_channel <> 'chat'
),

origin_links as (
    select distinct
        leg_messages.thread_id as thread_id,
        origin_threads.previous_thread_id
    from origin_threads
    inner join {{ messages }} as leg_messages
        on leg_messages.channel = 'voice'
        and leg_messages.message_id = origin_threads.call_id
    where leg_messages.thread_id <> origin_threads.previous_thread_id
),

window_candidates as (
    select
        later.thread_id,
        earlier.thread_id as previous_thread_id,
        row_number() over (
            partition by later.thread_id
            order by earlier.ended_at desc, earlier.thread_id
        ) as candidate_rank
    from threads as later
    inner join threads as earlier
        on earlier.customer_ref = later.customer_ref
        and earlier.channel <> later.channel
        and earlier.thread_id <> later.thread_id
        and earlier.started_at <= later.started_at
    inner join policies
        on policies.channel = earlier.channel
    where later.customer_ref is not null
        and {{ asyncwfm.seconds_between('earlier.ended_at', 'later.started_at') }}
            <= policies.switch_window_minutes * 60
),

links as (
    select thread_id, previous_thread_id, 'origin_ref' as link_type
    from origin_links
    union all
    select thread_id, previous_thread_id, 'switch_window' as link_type
    from window_candidates
    where candidate_rank = 1
        and thread_id not in (select thread_id from origin_links)
),

-- a thread may have several explicit origins; keep one for the description, all for the components
thread_links as (
    select thread_id, previous_thread_id, link_type
    from (
        select
            *,
            row_number() over (partition by thread_id order by link_type, previous_thread_id) as link_rank
        from links
    ) as ranked
    where link_rank = 1
),

components as (
    select node, component
    from {{ asyncwfm.connected_components('links', 'thread_id', 'previous_thread_id') }} as cc
),

with_component as (
    select
        threads.*,
        coalesce(components.component, threads.thread_id) as component
    from threads
    left join components
        on components.node = threads.thread_id
),

journey_starts as (
    select
        component,
        thread_id as journey_start_thread_id,
        channel as journey_channel,
        count(*) over (partition by component) as n_threads,
        row_number() over (partition by component order by started_at, thread_id) as start_rank
    from with_component
),

final as (
    select
        with_component.thread_id,
        with_component.channel,
        journey_starts.journey_start_thread_id as journey_id,
        journey_starts.journey_start_thread_id,
        journey_starts.journey_channel,
        thread_queues.queue_id as journey_queue_id,
        thread_links.link_type,
        thread_links.previous_thread_id,
        journey_starts.n_threads as journey_n_threads,
        (journey_starts.n_threads > 1 and policies.merge_channel_switches) as is_merged,
        with_component.thread_id <> journey_starts.journey_start_thread_id as is_switched_to,
        policies.policy_version
    from with_component
    inner join journey_starts
        on journey_starts.component = with_component.component
        and journey_starts.start_rank = 1
    inner join thread_queues
        on thread_queues.thread_id = journey_starts.journey_start_thread_id
    inner join policies
        on policies.channel = journey_starts.journey_channel
    left join thread_links
        on thread_links.thread_id = with_component.thread_id
)

select * from final
