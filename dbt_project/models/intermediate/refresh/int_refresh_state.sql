{#
    Refresh state (issue 9): one row, is_incremental = whether this build refreshes the models after staging
    incrementally (true: the scope models int_refresh_* list what is rebuilt) or builds them in full (false:
    first build, `--full-refresh`, or an incremental model not built yet; the scope models are then empty).
    Data tests read it to judge only what an incremental refresh rebuilt (macros/incremental/refresh_tests.sql):
    an empty scope alone cannot tell "nothing rebuilt" from "everything rebuilt".
    Built before int_refresh_threads (which depends on it), so before any model after staging is written in
    this run. DECISIONLOG "Data tests in an incremental refresh".
#}

select {{ 'true' if asyncwfm.refresh_state_is_incremental() else 'false' }} as is_incremental
