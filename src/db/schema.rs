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
    }
}

diesel::table! {
    sign_in_failures (id) {
        id -> BigInt,
        address -> Text,
        failed_at -> Timestamp,
    }
}

diesel::table! {
    notifications (id) {
        id -> BigInt,
        account_id -> BigInt,
        kind -> Text,
        subject -> Text,
        link -> Text,
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

diesel::allow_tables_to_appear_in_same_query!(accounts, sign_in_failures, notifications, audit_log);
