{#
    Connected components of the reply graphs (SPEC §3), one recursive pass for all channels:
    - email (messages without ticket_id): message → in_reply_to and → every id in references. A referenced id
      that never arrived is a node too, so two replies to a lost parent meet in it.
    - social: post → its conversation (`conv:<platform>:<conversation_id>`), and post → reply_to_post_id unless
      both posts have a conversation_id (then the conversations decide).
    - voice: leg → transferred_from_call_id (a call and the legs transferred from it).
    Nodes are prefixed by channel (`email:<id>`); component = the smallest node id of the component.
    One row per node that is in at least one edge.
#}
with

emails as (
    select * from {{ ref('stg_email__messages') }}
),

email_references as (
    select * from {{ ref('stg_email__references') }}
),

social_posts as (
    select * from {{ ref('stg_social__posts') }}
),

calls as (
    select * from {{ ref('stg_voice__calls') }}
),

email_edges as (
    select
        {{ dbt.concat(["'email:'", 'message_id']) }} as src,
        {{ dbt.concat(["'email:'", 'in_reply_to']) }} as dst
    from emails
    where ticket_id is null
        and in_reply_to is not null
    union all
    select
        {{ dbt.concat(["'email:'", 'email_references.message_id']) }} as src,
        {{ dbt.concat(["'email:'", 'email_references.referenced_message_id']) }} as dst
    from email_references
    inner join emails
        on emails.message_id = email_references.message_id
    where emails.ticket_id is null
),

social_edges as (
    select
        {{ dbt.concat(["'social:'", 'post_id']) }} as src,
        {{ dbt.concat(["'social:conv:'", 'platform', "':'", 'conversation_id']) }} as dst
    from social_posts
    where conversation_id is not null
    union all
    select
        {{ dbt.concat(["'social:'", 'posts.post_id']) }} as src,
        {{ dbt.concat(["'social:'", 'posts.reply_to_post_id']) }} as dst
    from social_posts as posts
    left join social_posts as parents
        on parents.post_id = posts.reply_to_post_id
    where posts.reply_to_post_id is not null
        and not (posts.conversation_id is not null and parents.conversation_id is not null)
),

voice_edges as (
    select
        {{ dbt.concat(["'voice:'", 'call_id']) }} as src,
        {{ dbt.concat(["'voice:'", 'transferred_from_call_id']) }} as dst
    from calls
    where transferred_from_call_id is not null
),

edges as (
    select src, dst from email_edges
    union all
    select src, dst from social_edges
    union all
    select src, dst from voice_edges
),

components as (
    select node, component
    from {{ asyncwfm.connected_components('edges', 'src', 'dst') }} as cc
),

final as (
    select node, component from components
)

select * from final
