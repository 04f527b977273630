// Hand-written (see NOTES-diesel.md): ids are BigInt on both backends.

diesel::table! {
    accounts (id) {
        id -> BigInt,
        uin -> BigInt,
        login -> Text,
        display_name -> Text,
        role -> Text,
        password_hash -> Text,
        disabled_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        fee_bps -> Integer,
    }
}

diesel::table! {
    demo_accounts (account_id) {
        account_id -> BigInt,
        password_hash -> Text,
    }
}

diesel::table! {
    throttle_events (id) {
        id -> BigInt,
        kind -> Text,
        address -> Text,
        happened_at -> Timestamp,
    }
}

diesel::table! {
    notifications (id) {
        id -> BigInt,
        account_id -> BigInt,
        kind -> Text,
        subject -> Text,
        about -> Text,
        created_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        actor_id -> BigInt,
        action -> Text,
        target -> Text,
        note -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(notifications -> accounts (account_id));
diesel::joinable!(audit_log -> accounts (actor_id));

diesel::allow_tables_to_appear_in_same_query!(accounts, throttle_events, notifications, audit_log);

diesel::table! {
    vendor_order_tallies (vendor_id) {
        vendor_id -> BigInt,
        orders -> BigInt,
        paid_fen -> BigInt,
        refunded_fen -> BigInt,
    }
}

diesel::table! {
    vendor_page_versions (vendor_id) {
        vendor_id -> BigInt,
        version -> BigInt,
    }
}

diesel::table! {
    logos (id) {
        id -> BigInt,
        vendor_id -> BigInt,
        sha256 -> Text,
        content_type -> Text,
        width -> Integer,
        height -> Integer,
        bytes -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    products (id) {
        id -> BigInt,
        vendor_id -> BigInt,
        kind -> Text,
        listing -> Text,
        live_revision_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    revisions (id) {
        id -> BigInt,
        product_id -> BigInt,
        number -> Integer,
        state -> Text,
        name -> Text,
        summary -> Text,
        description -> Text,
        category -> Text,
        image_id -> Nullable<Text>,
        os -> Nullable<Text>,
        arch -> Nullable<Text>,
        delivery_days -> Nullable<Integer>,
        license_term -> Nullable<Text>,
        delivery_method -> Nullable<Text>,
        logo_id -> Nullable<BigInt>,
        review_reason -> Nullable<Text>,
        submitted_at -> Nullable<Timestamp>,
        reviewed_at -> Nullable<Timestamp>,
        reviewed_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    plans (id) {
        id -> BigInt,
        revision_id -> BigInt,
        position -> Integer,
        billing -> Text,
        name -> Text,
        price_fen -> BigInt,
        year_price_fen -> Nullable<BigInt>,
    }
}

diesel::table! {
    product_events (id) {
        id -> BigInt,
        product_id -> BigInt,
        actor_id -> BigInt,
        action -> Text,
        note -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    delist_requests (id) {
        id -> BigInt,
        product_id -> BigInt,
        vendor_id -> BigInt,
        reason -> Text,
        state -> Text,
        decided_by -> Nullable<BigInt>,
        decision_note -> Nullable<Text>,
        created_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    subscriptions (id) {
        id -> BigInt,
        buyer_id -> BigInt,
        vendor_id -> BigInt,
        product_id -> BigInt,
        plan_name -> Text,
        billing -> Text,
        unit_price_fen -> BigInt,
        year_price_fen -> Nullable<BigInt>,
        started_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        stopped_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    orders (id) {
        id -> BigInt,
        order_no -> Text,
        order_type -> Text,
        status -> Text,
        product_id -> BigInt,
        product_kind -> Text,
        product_name -> Text,
        vendor_id -> BigInt,
        buyer_id -> BigInt,
        buyer_uin -> BigInt,
        subscription_id -> Nullable<BigInt>,
        related_order_id -> Nullable<BigInt>,
        plan_name -> Text,
        billing -> Text,
        months -> Nullable<Integer>,
        unit_price_fen -> BigInt,
        amount_fen -> BigInt,
        refunded_fen -> BigInt,
        created_at -> Timestamp,
        refund_kind -> Nullable<Text>,
        reorder_of -> Nullable<BigInt>,
    }
}

diesel::table! {
    refund_requests (id) {
        id -> BigInt,
        order_id -> BigInt,
        buyer_id -> BigInt,
        vendor_id -> BigInt,
        reason -> Text,
        description -> Text,
        state -> Text,
        decided_by -> Nullable<BigInt>,
        decision_note -> Nullable<Text>,
        refund_order_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
        vendor_position -> Nullable<Text>,
        vendor_note -> Nullable<Text>,
        vendor_contact -> Nullable<Text>,
        vendor_answered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    tickets (id) {
        id -> BigInt,
        order_id -> BigInt,
        template -> Text,
        state -> Text,
        buyer_id -> BigInt,
        vendor_id -> BigInt,
        requirement -> Nullable<Text>,
        contact -> Nullable<Text>,
        delivery -> Nullable<Text>,
        state_since -> Timestamp,
        completed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        promised_days -> Nullable<Integer>,
        due_at -> Nullable<Timestamp>,
        reminded_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    ticket_events (id) {
        id -> BigInt,
        ticket_id -> BigInt,
        actor_id -> Nullable<BigInt>,
        actor_role -> Text,
        action -> Text,
        note -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    statements (id) {
        id -> BigInt,
        vendor_id -> BigInt,
        month -> Text,
        fee_bps -> Integer,
        gross_fen -> BigInt,
        fee_fen -> BigInt,
        net_fen -> BigInt,
        state -> Text,
        paid_reference -> Nullable<Text>,
        paid_by -> Nullable<BigInt>,
        paid_at -> Nullable<Timestamp>,
        generated_at -> Timestamp,
        carried_in_fen -> BigInt,
        carried_into -> Nullable<BigInt>,
    }
}

diesel::table! {
    statement_lines (id) {
        id -> BigInt,
        statement_id -> BigInt,
        kind -> Text,
        order_id -> BigInt,
        refund_order_id -> Nullable<BigInt>,
        bill_part -> Nullable<BigInt>,
        hours -> BigInt,
        paid_fen -> BigInt,
        refunded_fen -> BigInt,
        amount_fen -> BigInt,
        note -> Text,
        happened_at -> Timestamp,
    }
}

diesel::joinable!(statement_lines -> statements (statement_id));

diesel::table! {
    ledger_entries (id) {
        id -> BigInt,
        vendor_id -> BigInt,
        source_order_id -> BigInt,
        month -> BigInt,
        kind -> Text,
        note -> Text,
        order_id -> BigInt,
        refund_order_id -> Nullable<BigInt>,
        line_count -> Integer,
        hours -> BigInt,
        paid_fen -> BigInt,
        refunded_fen -> BigInt,
        amount_fen -> BigInt,
        happened_at -> Timestamp,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    running_hourly (vendor_id, phase) {
        vendor_id -> BigInt,
        phase -> Integer,
        price_fen -> BigInt,
        subscriptions -> BigInt,
    }
}

diesel::table! {
    hourly_running (order_id) {
        order_id -> BigInt,
        vendor_id -> BigInt,
        started_at -> Timestamp,
        unit_price_fen -> BigInt,
        hour_offset -> Integer,
    }
}

diesel::table! {
    ledger_built (id) {
        id -> BigInt,
        built_at -> Timestamp,
    }
}
diesel::joinable!(statement_lines -> orders (order_id));
diesel::joinable!(statements -> accounts (vendor_id));
diesel::joinable!(tickets -> orders (order_id));
diesel::joinable!(ticket_events -> tickets (ticket_id));
diesel::joinable!(orders -> subscriptions (subscription_id));
diesel::joinable!(products -> accounts (vendor_id));
diesel::joinable!(revisions -> products (product_id));
diesel::joinable!(revisions -> logos (logo_id));
diesel::joinable!(plans -> revisions (revision_id));
diesel::joinable!(product_events -> products (product_id));
diesel::joinable!(product_events -> accounts (actor_id));
diesel::joinable!(delist_requests -> products (product_id));

diesel::joinable!(demo_accounts -> accounts (account_id));

diesel::allow_tables_to_appear_in_same_query!(
    accounts,
    demo_accounts,
    products,
    revisions,
    plans,
    logos,
    product_events,
    delist_requests,
    orders,
    subscriptions,
    refund_requests,
    tickets,
    ticket_events,
    statements,
    statement_lines,
    ledger_entries,
);

diesel::table! {
    sessions (id) {
        id -> BigInt,
        token_sha256 -> Text,
        account_id -> BigInt,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    checkouts (checkout_key) {
        checkout_key -> Text,
        buyer_id -> BigInt,
        order_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::joinable!(sessions -> accounts (account_id));
diesel::joinable!(checkouts -> orders (order_id));
diesel::allow_tables_to_appear_in_same_query!(sessions, accounts);
diesel::allow_tables_to_appear_in_same_query!(checkouts, orders);
