-- twofold's PostgreSQL schema, version 1.
-- Every record is a JSON document of the domain record (`doc`); the columns beside it are
-- the keys the store looks records up, orders or purges by. Text keys use the "C"
-- collation so their order is byte order, as in the embedded store.

CREATE TABLE twofold_meta (
    key  text COLLATE "C" PRIMARY KEY,
    doc  json NOT NULL
);

CREATE TABLE twofold_tenant (
    key  text COLLATE "C" PRIMARY KEY,
    doc  json NOT NULL
);

CREATE TABLE twofold_users (
    id            uuid PRIMARY KEY,
    -- Lower-cased e-mail and username: unique across users.
    email_key     text COLLATE "C" UNIQUE,
    username_key  text COLLATE "C" UNIQUE,
    doc           json NOT NULL
);

CREATE TABLE twofold_applications (
    id   uuid PRIMARY KEY,
    doc  json NOT NULL
);

CREATE TABLE twofold_api_keys (
    digest  bytea PRIMARY KEY,
    id      uuid NOT NULL,
    doc     json NOT NULL
);
CREATE INDEX twofold_api_keys_id ON twofold_api_keys (id);

CREATE TABLE twofold_signing_keys (
    kid  text COLLATE "C" PRIMARY KEY,
    doc  json NOT NULL
);

CREATE TABLE twofold_refresh_tokens (
    digest   bytea PRIMARY KEY,
    user_id  uuid NOT NULL,
    expires  bigint NOT NULL,
    doc      json NOT NULL
);
CREATE INDEX twofold_refresh_tokens_user ON twofold_refresh_tokens (user_id);
CREATE INDEX twofold_refresh_tokens_expires ON twofold_refresh_tokens (expires);

CREATE TABLE twofold_challenges (
    digest   bytea PRIMARY KEY,
    expires  bigint NOT NULL,
    doc      json NOT NULL
);
CREATE INDEX twofold_challenges_expires ON twofold_challenges (expires);

CREATE TABLE twofold_trusts (
    digest   bytea PRIMARY KEY,
    user_id  uuid NOT NULL,
    expires  bigint NOT NULL,
    doc      json NOT NULL
);
CREATE INDEX twofold_trusts_user ON twofold_trusts (user_id);
CREATE INDEX twofold_trusts_expires ON twofold_trusts (expires);

CREATE TABLE twofold_messengers (
    id   uuid PRIMARY KEY,
    doc  json NOT NULL
);

CREATE TABLE twofold_send_logs (
    key  text COLLATE "C" PRIMARY KEY,
    doc  json NOT NULL
);

-- Event ids are UUID v7: their order is time order.
CREATE TABLE twofold_audit_events (
    id   uuid PRIMARY KEY,
    doc  json NOT NULL
);
